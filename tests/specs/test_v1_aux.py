"""specs/v1_aux.kspec: v1's aux record {llist node, obj} in every map slot (reconstructed).
Every verdict here comes from a real run of the explicit engine."""
from __future__ import annotations


from tests.conftest import ROOT, explore

SPEC = str(ROOT / "specs/v1_aux.kspec")
ARRAY, HASH = 0, 1


def run(only, **consts):
    return explore(SPEC, only, **consts)


def test_array_refill_and_second_teardown_add_the_queued_aux_again():
    prog, r = run(["aux_queued_once"], MAP_KIND=ARRAY)
    assert r.verdict == "violated" and len(r.trace) == 14
    teardowns = [s for s in r.trace.steps if "xchg(e.kptr, NULL)" in s.text]
    assert len(teardowns) == 2 and all(s.level == "nmi" for s in teardowns)
    assert any(s.thread_name == "fill" for s in r.trace.steps)   # the re-fill in between


def test_array_the_relinked_aux_points_to_itself_and_the_destructor_runs_twice():
    prog, r = run(["double-free"], MAP_KIND=ARRAY)
    assert r.verdict == "violated" and len(r.trace) == 26
    assert any("n.next = first" in s.text for s in r.trace.steps)
    assert r.trace.steps[-1].level == "hardirq"


def test_array_the_overwritten_aux_obj_loses_the_first_object():
    prog, r = run(["leak"], MAP_KIND=ARRAY)
    assert r.verdict == "violated" and "Obj#0" in r.trace.violation.message


def test_array_the_cyclic_list_never_ends_the_drain():
    prog, r = run(["use-after-free"], MAP_KIND=ARRAY)
    assert r.verdict == "inconclusive"


def test_hash_the_irq_work_of_a_freed_element_runs():
    prog, r = run(["use-after-free"], MAP_KIND=HASH)
    assert r.verdict == "violated" and len(r.trace) == 14
    assert r.trace.steps[-1].thread_name == "worker_e0_cpu0"
    assert any(s.level == "nmi" and "bpf_mem_free" in s.text for s in r.trace.steps)


def test_hash_a_queued_aux_lives_in_freed_memory():
    prog, r = run(["queued_aux_not_freed"], MAP_KIND=HASH)
    assert r.verdict == "violated" and len(r.trace) == 11


def test_the_xchg_path_stays_one_atomic():
    prog, r = run(["xchg_single_atomic"], MAP_KIND=ARRAY)
    # holds as far as explored; the array scenario cannot finish: the cyclic aux list stops
    # every complete exploration at the drain loop's bound
    assert r.verdict == "inconclusive"
