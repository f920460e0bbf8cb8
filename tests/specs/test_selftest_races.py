"""specs/selftest_live_mask.kspec and specs/selftest_release_calls.kspec: the two lost-update races
of the seed 000 selftest (patch 2/2), found by its second review. Every verdict here comes from a
real run of the explicit engine."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

MASK = str(ROOT / "specs/selftest_live_mask.kspec")
CALLS = str(ROOT / "specs/selftest_release_calls.kspec")


def names(prog):
    return {i: s.name for i, s in enumerate(prog.slots)}


def test_review_case_an_nmi_on_the_syscall_cpu_is_overwritten():
    """The review's trace: the syscall program loads the mask, an NMI on the same CPU clears
    slot 0's bit, the syscall program stores its stale copy and brings the bit back."""
    prog = load(MASK, {"OTHER_CPU_NMI": 0}, only=["live_mask_exact"])
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "live_mask_exact"
    assert len(r.trace) == 17
    steps = r.trace.steps
    last = steps[-1]
    assert last.thread_name == "syscall" and last.level == "task" and "live_mask" in last.text
    # the syscall program's load of the mask came before the NMI's steps, its store after
    nmi = [s.index for s in steps if s.level == "nmi"]
    load_step = max(s.index for s in steps
                    if s.thread_name == "syscall" and s.index < min(nmi) and "let m = live_mask" in s.text)
    assert load_step < min(nmi) and max(nmi) < last.index
    assert {s.cpu for s in steps} == {0}


def test_with_an_nmi_on_the_other_cpu_the_nmi_overwrites_the_syscall_bit():
    r = search(load(MASK, only=["live_mask_exact"]))
    assert r.verdict == "violated" and len(r.trace) == 14
    last = r.trace.steps[-1]
    assert last.thread_name == "nmi1" and last.cpu == 1 and last.level == "nmi"


def test_two_nmis_both_see_a_live_bit_and_the_second_hits_enoent():
    """Not a lost update: a check-then-act race of the NMI program with itself on two CPUs
    (the tool's own finding; the review describes -ENOENT only after the mask race)."""
    r = search(load(MASK, only=["assert"]))
    assert r.verdict == "violated" and r.trace.violation.prop == "assert" and len(r.trace) == 13
    assert {s.thread_name for s in r.trace.steps if s.level == "nmi"} == {"nmi0", "nmi1"}


def test_on_one_cpu_the_stale_bit_still_makes_the_nmi_hit_enoent():
    r = search(load(MASK, {"OTHER_CPU_NMI": 0}, only=["assert"]))
    assert r.verdict == "violated" and len(r.trace) == 23


def test_deleted_counter_loses_updates_only_across_cpus():
    r = search(load(MASK, only=["deleted_exact"]))
    assert r.verdict == "violated" and len(r.trace) == 25
    r = search(load(MASK, {"OTHER_CPU_NMI": 0}, only=["deleted_exact"]))
    assert r.verdict == "holds" and r.complete


def test_release_calls_lose_an_increment_across_cpus():
    prog = load(CALLS, only=["release_calls_exact"])
    r = search(prog)
    assert r.verdict == "violated" and r.trace.violation.prop == "release_calls_exact"
    assert len(r.trace) == 6
    steps = r.trace.steps
    assert {s.cpu for s in steps} == {0, 1}
    # both loaded 0 before either stored
    loads = [s for s in steps if "let v = release_calls" in s.text]
    assert len(loads) == 2 and all(v == 0 for s in loads for _, v in s.reads)
    name = names(prog)
    assert r.trace.states[-1][[i for i, n in name.items() if n == "release_calls"][0]] == 1


def test_the_trampoline_guard_skips_a_nested_run_on_one_cpu():
    r = search(load(CALLS, only=["no_fentry_miss"]))
    assert r.verdict == "violated" and len(r.trace) == 2
    first, second = r.trace.steps
    assert (first.level, first.cpu) == ("task", 0)
    assert (second.level, second.cpu, second.thread_name) == ("hardirq", 0, "dtor_irq_work")


def test_without_the_guard_no_run_is_skipped_but_updates_are_lost():
    r = search(load(CALLS, {"FENTRY_GUARD": 0}, only=["no_fentry_miss"]))
    assert r.verdict == "holds" and r.complete
    r = search(load(CALLS, {"FENTRY_GUARD": 0}, only=["release_calls_exact"]))
    assert r.verdict == "violated" and len(r.trace) == 4
