"""`refine refines` on small golden specs, one per verdict and failure kind, and the box
design against specs/kptr_slot.kspec (issue 5). Every expectation comes from a real run."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from refine.engines.explicit import search
from refine.load import load
from tests.conftest import ROOT, run_cli

SPECS = Path(__file__).parent / "specs"
GOLDEN = sorted(p for p in SPECS.glob("*.kspec") if p.name != "counter.kspec")
LINE = {"refines": "REFINES", "does not refine": "DOES NOT REFINE",
        "no refinement verdict": "NO REFINEMENT VERDICT"}


def expectation(path: Path) -> str:
    return re.search(r"^// expect: (.+)$", path.read_text(), re.M).group(1).strip()


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_verdicts(path):
    want = expectation(path)
    code, out = run_cli("refines", str(path))
    if want.startswith("error"):
        assert code == 2 and f"error[{want.split()[1]}]" in out
        return
    verdict, _, kind = want.partition(": ")
    assert out.strip().splitlines()[-2].startswith(LINE[verdict]), out
    assert code == {"refines": 0, "does not refine": 1, "no refinement verdict": 1}[verdict]
    if kind:
        assert f"{kind} at " in out


@pytest.mark.parametrize("name", ["lost_update", "wrong_result", "own_violation",
                                  "atomic_counter"])
def test_the_symbolic_engine_agrees(name):
    path = SPECS / f"{name}.kspec"
    _, explicit = run_cli("refines", str(path), "--json")
    _, symbolic = run_cli("refines", str(path), "--json", "--engine", "symbolic")
    a, b = json.loads(explicit), json.loads(symbolic)
    assert (a["verdict"], a["kind"]) == (b["verdict"], b["kind"])


def test_an_unmapped_abstract_variable_is_named():
    code, out = run_cli("refines", str(SPECS / "unmapped_variable.kspec"))
    assert code == 2 and "left unmapped: incs" in out and ":7:1:" in out


def test_the_design_s_own_violation_does_not_hide_behind_a_refines():
    path = str(SPECS / "own_violation.kspec")
    # the product alone finds no mapped failure: the execution that breaks the assertion
    # is cut short before its increment
    alone = search(load(path, refines=True))
    assert alone.verdict == "holds" and alone.complete
    code, out = run_cli("refines", path)
    assert code == 1 and "NO REFINEMENT VERDICT" in out and "REFINES" not in out


def test_a_failure_shows_the_abstract_state_before_expected_and_actual():
    _, out = run_cli("refines", str(SPECS / "lost_update.kspec"))
    row = next(line for line in out.splitlines() if line.startswith("*"))
    assert row.split() == ["*", "n", "1", "2", "1"]


BOX = str(ROOT / "specs" / "box.kspec")


def test_box_fails_at_the_direct_load():
    code, out = run_cli("refines", BOX)
    assert code == 1 and "DOES NOT REFINE kptr_slot: observation differs at step 6" in out
    assert "the design's step gives  Box#0" in out and "kptr_slot requires" in out
    assert re.search(r"kptr_slot requires\s+Obj#0", out)
    assert "bpf_kptr_load" in out.split("observation differs at step 6")[1].splitlines()[0]


def test_box_two_fields_holding_one_object_compare_unequal():
    code, out = run_cli("refines", BOX, "-D", "REFINE=2")
    assert code == 1 and "observation differs" in out
    assert "what act_compare() returns" in out
    assert re.search(r"gives\s+false", out) and re.search(r"requires\s+true", out)
    # both fields really hold the same object in the abstract state
    assert re.search(r"field\[0\]\s+Obj#0", out) and re.search(r"field\[1\]\s+Obj#0", out)


def test_box_hands_a_kf_rcu_kfunc_the_box():
    code, out = run_cli("refines", BOX, "-D", "REFINE=3")
    assert code == 1 and "what act_kf_rcu() returns" in out
    assert re.search(r"gives\s+Box#0", out) and re.search(r"requires\s+Obj#0", out)


def test_a_refinement_trace_exported_reloads_and_replays(tmp_path):
    import itf_py  # the ITF reader of the Apalache/Quint world
    path = tmp_path / "box.itf.json"
    code, _ = run_cli("refines", BOX, "--itf", str(path))
    assert code == 1
    data = json.loads(path.read_text())
    assert data["#meta"]["refines"] == "kptr_slot" and data["#meta"]["kind"] == "observation"
    assert "kptr_slot.field[0]" in data["vars"]  # the abstract state travels with the trace
    trace = itf_py.trace_from_json(data)
    assert len(trace.states) == 7
    code, out = run_cli("replay", BOX, str(path))
    assert code == 1 and "VIOLATED refinement: what act_load() returns, in load differs" in out
    # a hand-edited abstract value is rejected at its step
    data["states"][5]["kptr_slot.field[0]"] = "NULL"
    path.write_text(json.dumps(data))
    code, out = run_cli("replay", BOX, str(path))
    assert code == 2 and "step 5" in out and "kptr_slot.field[0]" in out


ABSTRACT = (SPECS / "counter.kspec").read_text() + """
fn flip() -> bool { return coin(); }
fn coin() -> bool { return nondet(); }
"""


@pytest.mark.parametrize("handler,code,message", [
    ("let v = READ_ONCE(c); WRITE_ONCE(c, v + 1) maps inc() returns v;", None, None),
    ("atomic_inc(c); let v = READ_ONCE(c) maps dec();", None, None),
    ("helper() maps dec();", "E504", "is 2 steps"),
    ("let b = READ_ONCE(c) maps flip() returns b;", "E505", "nondeterministic choice"),
    ("let v = READ_ONCE(c) maps inc();", "E506", "returns a value"),
    ("let v = READ_ONCE(c) maps nope();", "E505", "no action `nope`"),
    ("let v = READ_ONCE(c) maps inc() returns t;", "E503", "what inc() returns"),
    ("START dec", "E509", "the counter goes below zero"),
])
def test_mapping_errors_name_the_clause(tmp_path, handler, code, message):
    (tmp_path / "counter.kspec").write_text(ABSTRACT)
    spec = tmp_path / "design.kspec"
    start = handler == "START dec"  # the start actions, not a step, break the abstract spec
    spec.write_text("spec design;\nvar c: int[0..3];\nvar t: bool;\n"
                    "refines counter { n = c; hidden incs; " + ("start dec(); " if start else "")
                    + "}\nfn helper() { atomic_inc(c); atomic_dec(c); }\n"
                    + f"handler h() {{ {'' if start else handler} }}\n"
                    + "scenario { cpus = 1; run h on cpu 0 in task; }\n")
    rc, out = run_cli("check", str(spec))
    if code == "E509":
        assert rc == 2 and "error[E509]" in out and message in out, out
        return
    if code is None:
        assert rc == 0, out
    else:
        assert rc == 2 and f"error[{code}]" in out and message in out and ":6:" in out, out


def test_the_start_lines_run_only_when_their_condition_holds():
    """started_counter starts after START increments; its two `start` lines each run one
    abstract increment when the design's initial state has it. Ignoring `when` would give the
    initial-state failure for START=0 and START=1."""
    path = str(SPECS / "started_counter.kspec")
    for start in ("0", "1", "2"):
        code, out = run_cli("refines", path, "-D", f"START={start}")
        assert code == 0 and "REFINES counter for every execution" in out, (start, out)


@pytest.mark.parametrize("engine", ["explicit", "symbolic"])
def test_an_abstract_size_too_small_is_inconclusive_never_a_pass(tmp_path, engine):
    """sized_counter's four increments need `refines counter(MAX = INCS)`; without it the
    abstract counter (MAX = 3) cannot count the fourth. The product run checks only the
    refinement, so that write must be reported as the abstract spec's bound, not end the
    execution unseen (which made this a REFINES)."""
    (tmp_path / "counter.kspec").write_text((SPECS / "counter.kspec").read_text())
    spec = tmp_path / "design.kspec"
    spec.write_text((SPECS / "sized_counter.kspec").read_text()
                    .replace("refines counter(MAX = INCS)", "refines counter"))
    code, out = run_cli("refines", str(spec), "--engine", engine)
    assert code == 3, out
    assert "INCONCLUSIVE: a bound of the model was reached" in out
    assert "a value written to n is outside its type" in out


@pytest.mark.parametrize("engine", ["explicit", "symbolic"])
def test_a_crash_inside_the_abstract_action_is_a_step_not_enabled(tmp_path, engine):
    """put(i) writes a[i]; the design's second increment asks for a[2] of a 2-element array.
    The abstract action cannot take that step: a failure, not an execution cut short."""
    (tmp_path / "arr.kspec").write_text(
        "spec arr;\nvar a: [0..1] int[0..3];\nfn put(i: int[0..3]) { atomic { a[i] = 1; } }\n"
        "handler h() { put(1); }\nscenario { cpus = 1; run h on cpu 0 in task; }\n")
    spec = tmp_path / "design.kspec"
    spec.write_text(
        "spec design;\nvar c: int[0..3];\n"
        "refines arr { a[i] = (i >= 1 && i <= c) ? 1 : 0; }\n"
        "handler h() { let v = atomic_inc_return(c) maps put(v); }\n"
        "scenario { cpus = 1; run h on cpu 0 in task times 2; }\n")
    code, out = run_cli("refines", str(spec), "--engine", engine)
    assert code == 1, out
    assert "DOES NOT REFINE arr: abstract step not enabled at step 2" in out
    assert "reads through NULL or outside an array" in out


@pytest.mark.parametrize("binding,message", [
    ("MAXX = 4", "counter has no constant `MAXX`"),
    ("MAX = 4, MAX = 5", "`MAX` is set twice"),
])
def test_setting_an_abstract_constant_is_checked(tmp_path, binding, message):
    (tmp_path / "counter.kspec").write_text((SPECS / "counter.kspec").read_text())
    spec = tmp_path / "design.kspec"
    spec.write_text((SPECS / "sized_counter.kspec").read_text()
                    .replace("MAX = INCS", binding))
    code, out = run_cli("check", str(spec))
    assert code == 2 and "error[E510]" in out and message in out and ":9:" in out, out
