"""Traces are replayed through the reference semantics; a step it forbids is rejected."""
from __future__ import annotations

import pytest

from refine.engines.explicit import search
from refine.engines.machine import Machine
from refine.load import load
from refine.trace.render import render_trace, violated_property
from refine.trace.trace import ReplayError, replay

from tests.conftest import ROOT, program

LOST = str(ROOT / "tests/examples/bugs/lost_update.kspec")


def test_replay_rebuilds_the_counterexample():
    p = load(LOST)
    r = search(p)
    again = replay(Machine(p), r.trace.actions, expect=r.trace.violation)
    assert again.states == r.trace.states and again.violation.prop == "no_lost_update"


def test_replay_rejects_a_thread_that_does_not_exist():
    with pytest.raises(ReplayError, match="step 1"):
        replay(Machine(load(LOST)), [(7, 0, 0)])


def test_replay_rejects_a_finished_thread():
    p = load(LOST)
    actions = [(0, 0, 0), (0, 0, 0), (0, 0, 0)]  # thread a has only two steps
    with pytest.raises(ReplayError, match="step 3"):
        replay(Machine(p), actions)


def test_replay_rejects_a_trace_that_does_not_reach_the_claimed_violation():
    p = load(LOST)
    r = search(p)
    with pytest.raises(ReplayError, match="expected"):
        replay(Machine(p), r.trace.actions[:-1], expect=r.trace.violation)


def test_rows_show_cpu_context_line_and_only_what_changed():
    p = load(LOST)
    text = render_trace(p, search(p).trace)
    rows = text.splitlines()[2:]
    assert len(rows) == 4
    assert rows[0].split()[:5] == ["1", "0", "task", "a", "9"]
    assert "read counter=0" in rows[0] and "done" not in rows[0]
    assert "counter=1" in rows[2] and "done=1" in rows[2]
    assert "counter=" not in rows[3] and rows[3].endswith("done=2")  # it stores 1 over 1: no change


LEAKY = """spec leaky;
dynamic pool Obj[1] { next: Obj?; }
var slot: Obj? = NULL;
handler install() {
    let o: Obj? = NULL;
    atomic { o = object_alloc(Obj); }
    slot = o;
}
handler clear() {
    await (slot != NULL);
    slot = NULL;            // drops the only reference, releases nothing
}
scenario { cpus = 2; run install on cpu 0 in task; run clear on cpu 1 in task; }
"""


def test_a_leak_names_the_step_that_dropped_the_last_reference():
    prog = program(LEAKY)
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "leak"
    k = next(st.index for st in r.trace.steps if st.text == "slot = NULL;")
    assert f"Obj#0 lost its last reference at step {k} (clear@1, line 11: slot = NULL;)" \
        in violated_property(prog, r.trace)
