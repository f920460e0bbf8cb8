"""specs/kptr_slot.kspec: the reference semantics of referenced kptr fields (protocols.md
section 0). It is the specification, so every property must hold; the two mutants below show
that the scenario reaches the cases the properties are about. Every verdict comes from a real
run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPEC = ROOT / "specs/kptr_slot.kspec"


def test_every_guarantee_holds_for_every_execution():
    r = search(load(str(SPEC)))
    assert r.verdict == "holds" and r.complete


def mutant(tmp_path, old: str, new: str, extra: str = "") -> str:
    text = SPEC.read_text()
    assert old in text
    path = tmp_path / "mutant.kspec"
    path.write_text(text.replace(old, new) + extra)
    return str(path)


def test_two_fields_come_to_hold_the_same_object(tmp_path):
    """Through act_acquire, so the equal-pointers guarantee is exercised with equal objects."""
    spec = mutant(tmp_path, "", "",
                  "invariant never_same: !(field[0] != NULL && field[0] == field[1]);\n")
    r = search(load(spec, only=["never_same"]))
    assert r.verdict == "violated" and len(r.trace) == 8
    assert r.trace.steps[-1].thread_name == "read"


def test_a_destructor_that_does_not_wait_for_readers_breaks_the_guarantee(tmp_path):
    spec = mutant(tmp_path, "if (object_live(o) && unreachable(o))",
                  "if (object_live(o) && refs[o] == 0)")
    text = open(spec).read().replace(
        "when (exists o in Obj: (object_live(o) && refs[o] == 0 && forall t in thread: (!reading[t][o])))",
        "when (exists o in Obj: (object_live(o) && refs[o] == 0))").replace(
        'assert(object_live(o) && unreachable(o), "a destructor runs while the object is '
        'reachable");\n    kptr_dtor(o);', "kptr_dtor(o);", 1)
    open(spec, "w").write(text)
    r = search(load(spec))
    assert r.verdict == "violated" and r.trace.violation.prop == "destroyed_only_unreachable"
    last = r.trace.steps[-1]
    assert last.thread_name == "dtor" and "kptr_dtor" in last.text
    # the reader had loaded the object and was still inside its RCU section
    assert any(s.thread_name == "read" and "act_load" in s.text for s in r.trace.steps)
