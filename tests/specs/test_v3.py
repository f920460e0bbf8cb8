"""specs/v3.kspec: the reconstructed v3 ("a single atomic and two pcpu_freelists").
Every verdict here comes from a real run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT, steps_setting

SPEC = str(ROOT / "specs/v3.kspec")


def test_default_run_shows_the_destructor_running_in_nmi():
    """The NMI lands on CPU 0 while the install there holds CPU 0's idle lock: the pop skips
    that list (-EDEADLK), finds CPU 1's empty, and the fallback runs the destructor in NMI."""
    prog = load(SPEC)
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    assert len(r.trace) == 17
    steps = r.trace.steps
    assert steps[-1].level == "nmi" and steps[-1].thread_name == "nmi_delete"
    assert {s.cpu for s in steps} == {0}
    failed = steps_setting(prog, r.trace, ".ret", -35)
    assert failed and failed[0].level == "nmi"
    # the job never left CPU 0's idle list
    slot = {s.name: i for i, s in enumerate(prog.slots)}
    assert r.trace.states[-1][slot["idle[0].first"]] != 0


def test_the_xchg_path_is_not_one_atomic():
    r = search(load(SPEC, only=["xchg_single_atomic"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "xchg_single_atomic"
    assert len(r.trace) == 6
    assert r.trace.steps[-1].thread_name == "install"


def test_the_fallback_warns_first():
    r = search(load(SPEC, only=["WARN"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN" and len(r.trace) == 17


def test_leak_fallback_leaks_the_object():
    r = search(load(SPEC, {"NMI_FALLBACK_INLINE": 0}, only=["leak"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "leak"
