"""specs/v2_aba.kspec: the idle-list ABA of seed 000, and what a lock around the pops changes.
Every verdict here comes from a real run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT, steps_setting

SPEC = str(ROOT / "specs/v2_aba.kspec")


def owner_of_head(prog, state) -> str:
    slot = {s.name: i for i, s in enumerate(prog.slots)}
    head = state[slot["idle.first"]]
    return prog.slots[slot[f"owner[Job#{head - 1}]"]].type.show(state[slot[f"owner[Job#{head - 1}]"]])


def test_two_consumers_install_a_job_in_use_as_the_idle_head():
    prog = load(SPEC)
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "idle_head_is_idle"
    assert len(r.trace) == 31  # 28 before the irq_work claim and run were steps of their own
    last = r.trace.steps[-1]
    assert "llist_del_first" in last.text and "cmpxchg" in last.text
    assert last.level == "nmi"
    # the stale cmpxchg made the head a job that sits on a per-CPU jobs list
    assert owner_of_head(prog, r.trace.states[-1]) == "PENDING"
    # both consumers that interleave are on different CPUs
    assert {s.cpu for s in r.trace.steps} == {0, 1}


def test_with_the_empty_pool_warning_on_the_aba_shows_first_as_a_lost_pool():
    r = search(load(SPEC, only=["WARN"]))
    # 25 steps (22 before the irq_work claim and run were steps of their own)
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN" and len(r.trace) == 25


def test_a_lock_around_the_pops_removes_the_aba_for_every_execution():
    r = search(load(SPEC, {"LOCKED_POPS": 1}))
    assert r.verdict == "holds" and r.complete


def test_with_the_lock_a_pop_can_fail_and_offload_finds_no_job():
    """rqspinlock attempts fail: the shortest way is a remote wait that times out (-ETIMEDOUT),
    kernel-semantics.md section 3; then offload's WARN_ON(!job) fires in NMI."""
    prog = load(SPEC, {"LOCKED_POPS": 1}, only=["WARN"])
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN"
    failed = steps_setting(prog, r.trace, "raw_res_spin_lock.ret", -110)
    assert failed and failed[0].level == "nmi"
    assert r.trace.steps[-1].thread_name == failed[0].thread_name
