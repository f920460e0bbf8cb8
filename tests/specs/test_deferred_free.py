"""specs/deferred_free.kspec: seed 001, "bpf: Always defer local storage free".

Every verdict here comes from a real run of the explicit engine. The default scenario (every
entry on) takes about a minute and is not run here; each test switches entries off with the
spec's constants so that one finding is isolated (the report lists the default run)."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPEC = str(ROOT / "specs/deferred_free.kspec")

ONLY_DELETE = {"IRQ_PROG": 0, "READER": 0, "SLEEPABLE_READER": 0, "MAP_FREE": 0}


def run(consts, only=None):
    prog = load(SPEC, consts, only=only) if only else load(SPEC, consts)
    return prog, search(prog)


def changed(prog, step):
    name = {i: s.name for i, s in enumerate(prog.slots)}
    return {name[slot]: after for slot, _, after in step.changes}


def test_before_the_patch_exit_task_under_the_rq_lock_is_an_invalid_wait_context():
    prog, r = run({"PATCHED": 0, "IRQ_PROG": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "wait-context"
    assert len(r.trace) == 18
    last = r.trace.steps[-1]
    assert last.thread_name == "exit_task@0" and last.level == "task"
    # the rq lock was taken by exit_task and is still held when call_rcu_tasks_trace is reached
    assert any(changed(prog, s).get("rq_lock[0].owner") == 1 for s in r.trace.steps)
    assert r.trace.states[-1][[s.name for s in prog.slots].index("rq_lock[0].owner")] == 1


def test_before_the_patch_a_hardirq_program_also_reaches_call_rcu_tasks_trace():
    _, r = run({"PATCHED": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "wait-context"
    assert len(r.trace) == 16
    assert r.trace.steps[-1].thread_name == "prog_irq" and r.trace.steps[-1].level == "hardirq"


def test_the_patch_removes_the_invalid_wait_context():
    _, r = run(ONLY_DELETE)
    assert r.verdict == "holds" and r.complete


def test_non_sleepable_readers_are_safe_with_the_patch():
    _, r = run({"IRQ_PROG": 0, "SLEEPABLE_READER": 0, "MAP_FREE": 0})
    assert r.verdict == "holds" and r.complete


def test_a_sleepable_reader_touches_an_element_freed_after_normal_grace_periods_only():
    prog, r = run({"IRQ_PROG": 0, "READER": 0, "MAP_FREE": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "use-after-free"
    assert len(r.trace) == 60
    assert r.trace.steps[-1].thread_name == "sleepable_reader"
    # the element was freed by its call_rcu callback, in softirq, while the reader was inside
    # rcu_read_lock_trace
    frees = [s for s in r.trace.steps if s.thread_name == "sel0_cb"]
    assert frees and all(s.level == "softirq" for s in frees)


def test_before_the_patch_both_reader_flavours_are_safe():
    _, r = run({"PATCHED": 0, "RQ_LOCKED": 0, "IRQ_PROG": 0, "MAP_FREE": 0})
    assert r.verdict == "holds" and r.complete


def test_the_map_is_freed_while_a_deferred_free_still_needs_it():
    _, r = run({"IRQ_PROG": 0, "READER": 0, "SLEEPABLE_READER": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "map_outlives_deferred_frees"
    assert len(r.trace) == 67
    last = r.trace.steps[-1]
    assert last.thread_name == "map_free" and "kfree" in last.text
    # rcu_barrier returned after the per-CPU callback had only queued the work
    assert any(s.thread_name == "drcu_cb0" for s in r.trace.steps)
    assert not any(s.thread_name == "dwork0" for s in r.trace.steps)


def test_a_hardirq_program_adding_while_the_worker_deletes_loses_an_element():
    prog, r = run({"READER": 0, "SLEEPABLE_READER": 0, "MAP_FREE": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "deferred_lists_intact"
    assert len(r.trace) == 76
    assert r.trace.steps[-1].thread_name == "dwork0"
    # the program's hlist_add_head ran on CPU 0 inside the worker's __hlist_del
    adds = [s for s in r.trace.steps if s.thread_name == "prog_irq" and "hlist_add_head" in s.text]
    assert adds and all(s.cpu == 0 and s.level == "hardirq" for s in adds)
    # then the worker stores the next pointer it read before the add through the pprev it read
    # before the add: the head becomes NULL and the program's element is on no list
    store = r.trace.steps[-3]
    assert store.thread_name == "dwork0" and "head.first = next" in store.text
    assert changed(prog, store)["SelHead#0.first"] == 0


def test_from_nmi_the_unlink_path_calls_call_rcu():
    _, r = run({"NMI_PROG": 1, "IRQ_PROG": 0, "READER": 0, "SLEEPABLE_READER": 0, "MAP_FREE": 0})
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    assert len(r.trace) == 23 and r.trace.steps[-1].level == "nmi"
