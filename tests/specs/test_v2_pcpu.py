"""specs/v2_pcpu.kspec: v2 with the idle pool as a pcpu_freelist (the author's reply to the ABA
report in seed 000). Every verdict here comes from a real run of the explicit engine; the
properties that hold were too slow for this file (see the report)."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT, steps_setting

SPEC = str(ROOT / "specs/v2_pcpu.kspec")


def test_nmi_pop_finds_no_job_while_both_sit_on_cpu0s_list():
    """The default run: the install on CPU 0 holds CPU 0's idle lock (its reservation's push),
    an NMI there pops, skips CPU 0's list (-EDEADLK) and finds CPU 1's empty: WARN_ON_ONCE."""
    prog = load(SPEC)
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN"
    assert len(r.trace) == 23
    steps = r.trace.steps
    assert steps[-1].level == "nmi" and steps[-1].thread_name == "nmi_delete"
    failed = steps_setting(prog, r.trace, ".ret", -35)
    assert failed and failed[0].level == "nmi" and failed[0].cpu == 0
    slot = {s.name: i for i, s in enumerate(prog.slots)}
    assert r.trace.states[-1][slot["idle[0].first"]] != 0   # jobs are still on CPU 0's list


def test_then_the_destructor_runs_inline_in_nmi():
    r = search(load(SPEC, only=["nmi-unsafe"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "nmi-unsafe"
    assert len(r.trace) == 24 and r.trace.steps[-1].level == "nmi"


def test_the_xchg_path_is_not_one_atomic():
    r = search(load(SPEC, only=["xchg_single_atomic"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "xchg_single_atomic"
    assert len(r.trace) == 3 and r.trace.steps[-1].thread_name == "install"
