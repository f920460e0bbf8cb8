"""specs/two_fields.kspec: the object pointer and a separately allocated work item in two fields
of the slot (seed 000, the author's two orders). Every verdict here comes from a real run of the
explicit engine."""
from __future__ import annotations


from tests.conftest import ROOT, explore

SPEC = str(ROOT / "specs/two_fields.kspec")
OBJ_FIRST, WORK_FIRST = 0, 1


def run(only, **consts):
    return explore(SPEC, only, **consts)


def test_obj_first_leaves_the_new_object_without_a_work_item():
    prog, r = run(["installed_object_has_work"], DELETE_ORDER=OBJ_FIRST)
    assert r.verdict == "violated" and len(r.trace) == 11
    steps = r.trace.steps
    # the install read the old work item before the NMI delete took it ...
    assert steps[1].thread_name == "install" and "READ_ONCE(slot.work)" in steps[1].text
    # ... and its xchg of the object is the last step: an object, no work item
    assert steps[-1].thread_name == "install" and "xchg(slot.obj, p)" in steps[-1].text
    assert {s.level for s in steps if s.thread_name == "delete"} == {"nmi"}


def test_obj_first_loses_and_double_frees_nothing():
    prog, r = run(["leak", "double-free", "use-after-free"], DELETE_ORDER=OBJ_FIRST)
    assert r.verdict == "holds" and r.complete


def test_work_first_leaks_the_object_the_install_put_in():
    prog, r = run(["leak"], DELETE_ORDER=WORK_FIRST)
    assert r.verdict == "violated" and len(r.trace) == 22
    assert "Obj#1" in r.trace.violation.message
    # lost at the delete's final xchg of the object field (step 13)
    lost = r.trace.steps[12]
    assert lost.thread_name == "delete" and lost.level == "nmi" and "xchg(slot.obj, NULL)" in lost.text


def test_work_first_destroys_the_object_the_install_took_back():
    prog, r = run(["double-free"], DELETE_ORDER=WORK_FIRST)
    assert r.verdict == "violated" and len(r.trace) == 20
    assert r.trace.steps[-1].thread_name == "worker1" and r.trace.steps[-1].level == "hardirq"


def test_work_first_also_leaves_an_object_without_a_work_item():
    prog, r = run(["installed_object_has_work"], DELETE_ORDER=WORK_FIRST)
    assert r.verdict == "violated" and len(r.trace) == 12


def test_the_install_path_is_more_than_one_atomic():
    prog, r = run(["xchg_single_atomic"])
    assert r.verdict == "violated" and len(r.trace) == 3
