"""specs/upstream_fix.kspec: the fix merged upstream (reconstructed from protocols.md section 8).
Every verdict here comes from a real run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPEC = str(ROOT / "specs/upstream_fix.kspec")


def test_deletes_in_nmi_never_run_a_destructor_and_nothing_leaks():
    r = search(load(SPEC))
    assert r.verdict == "holds" and r.complete


def test_xchg_stays_one_atomic():
    r = search(load(SPEC, only=["xchg_single_atomic"]))
    assert r.verdict == "holds" and r.complete


def test_the_code_before_the_fix_runs_the_destructor_in_nmi():
    r = search(load(SPEC, {"TEARDOWN_ON_DELETE": 1}))
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    last = r.trace.steps[-1]
    assert last.thread_name == "nmi_delete" and last.level == "nmi" and len(r.trace) == 8


def test_a_tracing_program_releasing_a_taken_out_kptr_in_nmi_is_not_covered():
    """Open question of the description: only bpf_obj_drop is said to be rejected in tracing
    programs; a KF_RELEASE kfunc on a refcounted kptr taken out in NMI still runs the final put."""
    r = search(load(SPEC, {"NMI_TAKE_OUT": 1}))
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    last = r.trace.steps[-1]
    assert last.thread_name == "nmi_xchg" and last.level == "nmi" and len(r.trace) == 7
