"""specs/v2_pcpu.kspec: v2 with the idle pool as a pcpu_freelist (the author's reply to the ABA
report in seed 000). Every verdict here comes from a real run of the explicit engine. The ABA
properties are settled in the variants without the worker's trim (-D WORKER_TRIM=0), complete
in seconds; with trim they do not finish in 8 GB (tests/long/run_v2_pcpu_aba.py), and the
library's side of the argument is tests/specs/test_pcpu_freelist_aba.py."""
from __future__ import annotations

import pytest

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


ABA = ["no_job_on_two_lists", "assert", "idle_job_for_every_kptr"]
LIBRARY_CHECKS = ["leak", "use-after-free", "double-free", "deadlock", "BUG", "range",
                  "null-deref", "bounds", "div-zero", "context", "wait-context"]


@pytest.mark.parametrize("deletes,steps", [(1, 94), (2, 131)])
def test_without_trim_the_aba_properties_hold_for_every_execution(deletes, steps):
    """No trim: the NMI pops (once, or twice in a row) while the install's reservation pushes
    on the same lists, and the worker moves jobs from jobs[cpu] back to idle. Every execution
    is explored (no loop bound reached): no job on two lists, no pop of a job that is not idle,
    an idle job for every installed kptr, and the library's checks."""
    r = search(load(SPEC, {"WORKER_TRIM": 0, "NMI_DELETES": deletes}, only=ABA + LIBRARY_CHECKS),
               max_depth=500)
    assert r.verdict == "holds" and r.complete, r.summary()
    assert r.depth == steps


def test_without_trim_the_nmi_fallback_still_fires():
    """What still fails does not need trim: the same 23-step WARN as the default run."""
    r = search(load(SPEC, {"WORKER_TRIM": 0}))
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN"
    assert len(r.trace) == 23


UNLOCKED_POP = """    let job: Job? = NULL;
    for c in cpu {
        if (job == NULL) {
            let f = idle[c].first;
            if (f != NULL) {
                idle[c].first = f.next;
                job = f;
            }
        }
    }
    if (job != NULL) {"""


def test_the_variant_catches_a_pop_without_the_lock(tmp_path):
    """The no-trim variant is not blind: with pop_idle unlocked (plain loads and a store, no
    rqspinlock), the NMI's pop races the reservation's push on CPU 0's list and a job ends up
    on idle and on jobs[1] at once."""
    text = (ROOT / "specs/v2_pcpu.kspec").read_text()
    old = """    let job = pcpu_freelist_pop(idle);
    if (job != NULL) {"""
    assert old in text
    mutant = tmp_path / "v2_pcpu_unlocked_pop.kspec"
    mutant.write_text(text.replace(old, UNLOCKED_POP))
    r = search(load(str(mutant), {"WORKER_TRIM": 0}, only=ABA))
    assert r.verdict == "violated" and r.trace.violation.prop == "no_job_on_two_lists"
    assert len(r.trace) == 26 and r.trace.steps[-1].level == "nmi"
