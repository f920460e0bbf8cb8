"""Choices, per-thread state, named library checks, predicates in `when`, IRQ save/restore."""
from __future__ import annotations

import pytest

from refine.engines.explicit import search
from refine.engines.machine import Machine
from refine.engines.symbolic import check
from refine.errors import SpecError
from refine.lower.program import lower
from refine.syntax.parser import parse_text
from refine.trace.trace import ReplayError, replay

from tests.conftest import program

CHOICE = """spec c;
var x: int[0..3] = 0;
handler h() {
    let pick = nondet(3);
    x = pick;
}
invariant never_two: x != 2;
scenario { run h on cpu 0 in task; }
"""


def test_a_choice_is_one_action_per_value_and_the_trace_names_it():
    prog = program(CHOICE)
    r = search(prog)
    assert r.verdict == "violated"
    assert [a[2] for a in r.trace.actions] == [0, 2, 0]  # start, choose 2, store
    for unit in ("steps", "rounds"):
        s = check(prog, max_depth=4, unit=unit)
        assert s.verdict == "violated", s.summary()
        assert 2 in [a[2] for a in s.trace.actions]


def test_a_replayed_choice_out_of_range_is_rejected():
    prog = program(CHOICE)
    with pytest.raises(ReplayError):
        replay(Machine(prog), [(0, 0, 0), (0, 0, 3)])


def test_nondet_inside_atomic_must_come_first():
    with pytest.raises(SpecError) as e:
        program(CHOICE.replace("let pick = nondet(3);", "atomic { x = 1; let p = nondet(); }")
                .replace("x = pick;", ""))
    assert e.value.code == "E102"


def test_choices_count_between_two_and_256():
    with pytest.raises(SpecError) as e:
        program(CHOICE.replace("nondet(3)", "nondet(1)"))
    assert e.value.code == "E204"


PERTHREAD = """spec p;
perthread ghost var mine: int[0..2];
ghost var seen: [thread] bool;
handler h() {
    mine = mine + 1;
    seen[self] = true;
}
invariant each_own: forall t in thread: (mine[t] <= 1);
invariant all_seen_is_possible: (count t in thread: (seen[t])) < 2;
scenario { cpus = 2; run h on cpu 0 in task as a; run h on cpu 1 in task as b; }
"""


def test_perthread_copies_are_separate_and_self_indexes_the_thread_set():
    r = search(program(PERTHREAD))
    assert r.verdict == "violated" and r.trace.violation.prop == "all_seen_is_possible"


def test_perthread_state_must_be_ghost():
    with pytest.raises(SpecError) as e:
        program(PERTHREAD.replace("perthread ghost var", "perthread var"))
    assert e.value.code == "E204"


def test_self_outside_a_handler_is_an_error():
    with pytest.raises(SpecError) as e:
        program(PERTHREAD.replace("(mine[t] <= 1)", "(mine[self] <= 1)"))
    assert e.value.code == "E102"


NAMED = """spec n;
var x: int[0..1];
handler h() {
    check nmi-unsafe(!in_nmi(), "this is not NMI-safe");
    x = 1;
}
scenario { run h on cpu 0 in nmi; }
"""


def test_a_named_check_fires_and_can_be_disabled_with_a_reason():
    r = search(program(NAMED))
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    off = program(NAMED.replace("var x", 'disable nmi-unsafe "modelled elsewhere";\nvar x'))
    assert off.checks_off["nmi-unsafe"] == "modelled elsewhere"
    assert search(off).verdict == "holds"


def test_only_library_check_names_are_accepted():
    with pytest.raises(SpecError) as e:
        program(NAMED.replace("nmi-unsafe", "nmi-safety"))
    assert e.value.code == "E100" and "wait-context" in e.value.expected


WHEN = """spec w;
var armed: bool = false;
ghost var ran: bool = false;
fn is_armed() -> bool { return armed; }
handler arm() { armed = true; }
handler fire() { ran = true; }
invariant only_after_arming: !ran || armed;
scenario { run arm on cpu 0 in task; run fire on cpu 0 in softirq when (is_armed()); }
"""


def test_a_one_line_predicate_can_guard_a_run():
    r = search(program(WHEN))
    assert r.verdict == "holds" and r.complete


def test_a_function_that_runs_steps_cannot_guard_a_run():
    with pytest.raises(SpecError) as e:
        program(WHEN.replace("fn is_armed() -> bool { return armed; }",
                             "fn is_armed() -> bool { armed = true; return armed; }"))
    assert e.value.code == "E102"


SAVE = """spec s;
var x: int[0..1];
ghost var inside: bool = false;
handler task() {
    let outer = local_irq_save();
    let inner = local_irq_save();
    inside = true;
    local_irq_restore(inner);
    x = 1;                      // still IRQs off: only the outer restore turns them on
    inside = false;
    local_irq_restore(outer);
}
handler irq() { assert(!inside, "a hardirq ran with IRQs saved off"); }
scenario { run task on cpu 0 in task; run irq on cpu 0 in hardirq; }
"""


def test_nested_irq_save_restore_keeps_irqs_off_until_the_outer_restore():
    assert search(program(SAVE)).verdict == "holds"
    broken = SAVE.replace("local_irq_restore(inner);", "local_irq_restore(false);")
    assert search(program(broken)).verdict == "violated"


BOUND = """spec b;
var depth: int[0..3];
handler h() {
    check bound(depth < 1, "nested deeper than the model allows: raise MAX");
    depth = depth + 1;
}
scenario { run h on cpu 0 in task times 2; }
"""


def test_a_bound_of_the_model_is_inconclusive_on_both_engines_never_a_violation():
    prog = program(BOUND)
    for r in (search(prog), check(prog, max_depth=4, unit="rounds")):
        assert r.verdict == "inconclusive", r.summary()
        assert "raise MAX" in r.reason
    disabled = BOUND.replace("var depth", 'disable assert "bound is not assert";\nvar depth')
    assert search(program(disabled)).verdict == "inconclusive"


FOCUS = """spec f;
pool Obj[1] { v: int[0..1]; }
var p: Obj? = NULL;
var x: int[0..2];
handler h() {
    let q = p;
    if (nondet()) {
        let v = q.v;            // NULL: a crash on this path, 3 steps in
    }
    x = 1;
    x = 2;                      // x_small breaks 4 steps in
}
invariant x_small: x < 2;
scenario { run h on cpu 0 in task; }
"""


def focused(text: str, only, engine: str):
    prog = lower(parse_text(text, "f.kspec"), None, only)
    return prog, (search(prog) if engine == "explicit" else check(prog, max_depth=6, unit="steps"))


@pytest.mark.parametrize("engine", ["explicit", "symbolic"])
def test_only_reports_just_the_selected_property(engine):
    _, everything = focused(FOCUS, None, engine)
    assert everything.verdict == "violated"
    assert everything.trace.violation.prop == "null-deref"   # the shorter violation comes first
    _, inv = focused(FOCUS, ["x_small"], engine)
    assert inv.verdict == "violated" and inv.trace.violation.prop == "x_small"
    _, crash = focused(FOCUS, ["null-deref"], engine)
    assert crash.verdict == "violated" and crash.trace.violation.prop == "null-deref"
    prog, r = focused(FOCUS.replace("x = 2;", "x = 1;"), ["x_small"], engine)
    assert r.verdict == "holds"       # the NULL path ends there, unreported
    assert "null-deref" in prog.checks_off and "null-deref" in prog.silent


OFF_INVARIANT = """spec o;
var x: int[0..3];
handler h() { x = 1; x = 3; }
invariant never_one: x != 1;
invariant below_three: x < 3;
disable never_one "every run breaks it at once; below_three is this spec's question";
scenario { run h on cpu 0 in task; }
"""


def test_a_disabled_invariant_is_off_with_its_reason_and_only_brings_it_back():
    prog = program(OFF_INVARIANT)
    assert prog.checks_off["never_one"].startswith("every run breaks it")
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "below_three"
    _, again = focused(OFF_INVARIANT, ["never_one"], "explicit")
    assert again.verdict == "violated" and again.trace.violation.prop == "never_one"
