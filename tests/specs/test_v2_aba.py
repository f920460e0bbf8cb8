"""specs/v2_aba.kspec: the idle-list ABA of seed 000, and what a lock around the pops changes.
Every verdict here comes from a real run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPEC = str(ROOT / "specs/v2_aba.kspec")


def owner_of_head(prog, state) -> str:
    slot = {s.name: i for i, s in enumerate(prog.slots)}
    head = state[slot["idle.first"]]
    return prog.slots[slot[f"owner[Job#{head - 1}]"]].type.show(state[slot[f"owner[Job#{head - 1}]"]])


def test_two_consumers_install_a_job_in_use_as_the_idle_head():
    prog = load(SPEC)
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "idle_head_is_idle"
    assert len(r.trace) == 28
    last = r.trace.steps[-1]
    assert "llist_del_first" in last.text and "cmpxchg" in last.text
    assert last.level == "nmi"
    # the stale cmpxchg made the head a job that sits on a per-CPU jobs list
    assert owner_of_head(prog, r.trace.states[-1]) == "PENDING"
    # both consumers that interleave are on different CPUs
    assert {s.cpu for s in r.trace.steps} == {0, 1}


def test_with_the_empty_pool_warning_on_the_aba_shows_first_as_a_lost_pool():
    r = search(load(SPEC, only=["WARN"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN" and len(r.trace) == 22


def test_a_lock_around_the_pops_removes_the_aba_for_every_execution():
    r = search(load(SPEC, {"LOCKED_POPS": 1}))
    assert r.verdict == "holds" and r.complete


def test_the_lock_fails_an_nmi_that_interrupts_the_holder_on_its_own_cpu():
    r = search(load(SPEC, {"LOCKED_POPS": 1}, only=["WARN"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN"
    holder, failed = r.trace.steps[-3:], r.trace.steps[-1]
    assert failed.level == "nmi" and any(s.level == "hardirq" and s.cpu == failed.cpu
                                         for s in holder)
