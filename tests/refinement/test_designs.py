"""`refine refines` on the design specs against specs/kptr_slot.kspec (issue 5: their
refinement mappings). Every expectation comes from a real run (explicit engine).

Not here: specs/v2_pcpu.kspec (abstract step not enabled at step 25, the NMI fallback's
destructor; the design's own run takes about 13 s) and v2's default scenario (step 32, 13 s for
the product): the design review has both."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_cli

NOT_ENABLED = "DOES NOT REFINE kptr_slot: abstract step not enabled at step"


def refines(name: str, *consts: str) -> tuple[int, str]:
    args = [x for c in consts for x in ("-D", c)]
    return run_cli("refines", str(ROOT / "specs" / f"{name}.kspec"), *args, "--timeout", "120")


@pytest.mark.parametrize("name,consts,step,thread,why", [
    ("v3", [], 18, "nmi_delete", "runs in NMI"),
    ("two_fields", ["DELETE_ORDER=1"], 19, "worker1", "while the object is reachable"),
    ("v1_aux", [], 26, "worker_e0_cpu0", "while the object is reachable"),
], ids=["v3", "two_fields_work_first", "v1_aux_array"])
def test_a_destructor_the_abstract_spec_cannot_take(name, consts, step, thread, why):
    code, out = refines(name, *consts)
    assert code == 1 and f"{NOT_ENABLED} {step} " in out, out
    assert f"at step {step} ({thread}," in out and why in out


def test_the_start_actions_map_the_kptr_installed_before_the_scenario():
    """Without `start`, the kptr init installs would map to no initial abstract state."""
    _, out = refines("v1_aux", "MAP_KIND=1")
    assert "mapped state differs at step 4" in out
    assert "the step in kptr_slot: act_xchg(0, p) returns old" in out
    row = next(line for line in out.splitlines() if line.startswith("*"))
    assert row.split() == ["*", "field[0]", "NULL", "Obj#1", "NULL"]


def test_two_fields_object_first_gets_no_refinement_verdict():
    code, out = refines("two_fields")
    assert code == 1 and "NO REFINEMENT VERDICT: the design violates its own property " \
        "xchg_single_atomic" in out


def test_upstream_fix_refines():
    code, out = refines("upstream_fix")
    assert code == 0, out
    assert "REFINES kptr_slot for every execution of the scenario" in out


@pytest.mark.parametrize("const,step,thread,clause", [
    ("TEARDOWN_ON_DELETE=1", 9, "nmi_delete", "act_destroy(x)"),   # the code before the fix
    ("NMI_TAKE_OUT=1", 8, "nmi_xchg", "act_release(old), act_destroy(old)"),  # release in NMI
])
def test_upstream_fix_variants_destroy_in_nmi(const, step, thread, clause):
    """kptr_slot's destructor is not NMI-safe: the design's destructor in NMI has no abstract
    step to map to."""
    code, out = refines("upstream_fix", const)
    assert code == 1
    assert f"{NOT_ENABLED} {step}" in out
    assert f"at step {step} ({thread}, cpu 0, nmi," in out
    assert f"abstract step not enabled: `maps {clause}`: a kptr destructor" in out
    assert "runs in NMI" in out


def test_v2_is_checked_against_kptr_slot_with_its_own_sizes():
    """v2 instantiates kptr_slot with its 3 fields and 3 objects (`refines kptr_slot(NFIELDS =
    NFIELDS, NOBJS = NOBJS)`); in finding 1's scenario the idle list runs dry and the
    fallback runs the destructor in NMI, which kptr_slot cannot do."""
    code, out = refines("v2", "SCENARIO=1")
    assert code == 1 and f"{NOT_ENABLED} 33 " in out, out
    assert "at step 33 (nmi_a, cpu 0, nmi," in out and "runs in NMI" in out
    assert "the step in kptr_slot: act_destroy(x)" in out
    assert "field[2]" in out  # the third abstract field exists


def test_v2_pool_scenario_gets_no_verdict_and_names_its_own_command():
    code, out = refines("v2", "SCENARIO=4")
    assert code == 1 and "NO REFINEMENT VERDICT: the design violates its own property " \
        "pool_returns_to_demand" in out
    assert "refine verify " in out and " -D SCENARIO=4" in out
