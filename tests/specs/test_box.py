"""specs/box.kspec: the box-per-slot proposal of seed 000. Every verdict here comes from a real
run of the explicit engine."""
from __future__ import annotations


from tests.conftest import ROOT, explore

SPEC = str(ROOT / "specs/box.kspec")


def run(only, **consts):
    return explore(SPEC, only, **consts)


def changed(prog, step, name):
    names = {i: s.name for i, s in enumerate(prog.slots)}
    return [after for slot, _, after in step.changes if names[slot] == name]


def test_a_plain_load_of_the_field_returns_the_box():
    prog, r = run(["ldx_sees_object"])
    assert r.verdict == "violated" and r.trace.violation.prop == "ldx_sees_object"
    assert len(r.trace) == 6
    last = r.trace.steps[-1]
    assert last.thread_name == "load" and "bpf_kptr_load" in last.text
    # the word it read is the box the install's cmpxchg published at step 5
    assert "cmpxchg(field, NULL, nb)" in r.trace.steps[4].text


def test_the_xchg_path_makes_two_shared_memory_operations():
    prog, r = run(["xchg_single_atomic"])
    assert r.verdict == "violated" and len(r.trace) == 5
    # READ_ONCE(slot), then cmpxchg(slot, NULL, box): the first install's slow path
    assert "READ_ONCE(field)" in r.trace.steps[1].text
    assert "cmpxchg" in r.trace.steps[-1].text


def test_an_install_can_fail_when_the_box_allocation_fails():
    prog, r = run(["xchg_never_fails"])
    assert r.verdict == "violated" and len(r.trace) == 3
    assert "kmalloc_nolock" in r.trace.steps[-1].text


def test_the_losing_install_frees_its_box_with_kfree_in_nmi():
    prog, r = run(["nmi-unsafe"])
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    assert len(r.trace) == 10
    last = r.trace.steps[-1]
    assert last.level == "nmi" and last.thread_name == "install_nmi"
    assert changed(prog, r.trace.steps[6], "slot")   # the task's install won the cmpxchg


def test_call_rcu_tasks_trace_from_the_hard_irq_work_is_an_invalid_wait_context():
    prog, r = run(["wait-context"])
    assert r.verdict == "violated" and len(r.trace) == 16
    last = r.trace.steps[-1]
    assert last.level == "hardirq" and last.thread_name == "worker0"
    # the detach ran in NMI before it
    assert any(s.level == "nmi" and "xchg(slot, NULL)" in s.text for s in r.trace.steps)


def test_detached_boxes_live_long_enough_and_nothing_leaks():
    """With kfree_nolock and a non-hard irq_work, so that nothing is cut short; uaf, double-free
    and leak also hold in the default configuration (see the report)."""
    prog, r = run(["use-after-free", "double-free", "leak"], FREE_NOLOCK=1, HARD_IRQ_WORK=0)
    assert r.verdict == "holds" and r.complete


def test_freeing_the_losing_box_and_returning_null_leaks_the_object():
    prog, r = run(["leak"], ON_CMPXCHG_FAIL=2)
    assert r.verdict == "violated" and r.trace.violation.prop == "leak"
