"""specs/v2.kspec: v2 as posted (seed 000, patch 1/2) and the five findings of its reviewers.
Every verdict here comes from a real run of the explicit engine; the long runs (holds or
inconclusive after minutes) are reported in docs/walkthroughs/03_v2.md instead."""
from __future__ import annotations


from tests.conftest import ROOT, explore

SPEC = str(ROOT / "specs/v2.kspec")


def run(only, **consts):
    return explore(SPEC, [only], **consts)


def changed(prog, step, name):
    """The value `name` took in this step, or None."""
    slot = {s.name: i for i, s in enumerate(prog.slots)}[name]
    for s, _before, after in step.changes:
        if s == slot:
            return after
    return None


def test_the_xchg_path_is_not_one_atomic():
    _, r = run("xchg_single_atomic", SCENARIO=2)
    assert r.verdict == "violated" and r.trace.violation.prop == "xchg_single_atomic"
    assert len(r.trace) == 3
    # the second shared access of bpf_ref_kptr_xchg is offload_inc's inc_return(refs)
    assert "atomic_inc_return" in r.trace.steps[-1].text
    assert r.trace.steps[-1].thread_name == "prog"


def test_finding_1_aba_installs_a_job_in_use_as_the_idle_head():
    _, r = run("idle_head_is_idle", SCENARIO=1)
    assert r.verdict == "violated" and r.trace.violation.prop == "idle_head_is_idle"
    assert len(r.trace) == 38
    last = r.trace.steps[-1]
    assert "llist_del_first" in last.text and "cmpxchg" in last.text
    assert {s.cpu for s in r.trace.steps} == {0, 1}


def test_finding_2_two_nmi_frees_inside_offload_inc_leave_the_pool_short():
    prog, r = run("total_covers_refs_and_active", SCENARIO=2)
    assert r.verdict == "violated" and len(r.trace) == 26
    steps = r.trace.steps
    # the install read active (step 2) before two NMI teardowns, then raised refs
    assert steps[1].thread_name == "prog" and "atomic_read(active)" in steps[1].text
    nmis = {s.thread_name for s in steps[2:24]}
    assert nmis == {"nmi_a", "nmi_b"} and all(s.level == "nmi" for s in steps[2:24])
    assert "atomic_inc_return" in steps[24].text and changed(prog, steps[24], "refs") == 1
    # reserve finds total = 2 >= target 2 and allocates nothing: refs 1 + active 2 > total 2
    assert steps[-1].thread_name == "prog" and "atomic_read(total)" in steps[-1].text


def test_finding_3_trim_race_needs_the_headroom_gone():
    """With finding 2 fixed (FIX_INC_ORDER) and HEADROOM = 0 the stale trim snapshot shrinks
    the pool below refs + active: the trim's cmpxchg succeeds after the install raised refs."""
    prog, r = run("total_covers_refs_and_active", SCENARIO=3, FIX_INC_ORDER=1, HEADROOM=0)
    assert r.verdict == "violated" and len(r.trace) == 34
    last = r.trace.steps[-1]
    assert last.level == "hardirq" and "cmpxchg(total" in last.text
    inc = [i for i, s in enumerate(r.trace.steps) if "atomic_inc_return(refs)" in s.text]
    reads = [i for i, s in enumerate(r.trace.steps) if "trim: let t = atomic_read(total)" in s.text]
    assert inc and reads and reads[-1] < inc[0]   # the snapshot was taken before refs rose


def test_finding_4_a_task_teardown_leaves_the_pool_above_demand():
    prog, r = run("pool_returns_to_demand", SCENARIO=4)
    assert r.verdict == "violated" and len(r.trace) == 66
    last = r.trace.steps[-1]
    assert last.thread_name == "sys_del" and last.level == "task"
    slot = {s.name: i for i, s in enumerate(prog.slots)}
    end = r.trace.states[-1]
    assert end[slot["total"]] == 1 and end[slot["refs"]] == 0


def test_finding_5_the_last_verifier_pass_patches_a_dtor_site_to_the_plain_xchg():
    prog, r = run("WARN", SCENARIO=5)
    assert r.verdict == "violated" and r.trace.violation.prop == "WARN" and len(r.trace) == 7
    steps = r.trace.steps
    assert changed(prog, steps[1], "patched_plain") == 1
    assert "bpf_kptr_xchg" in steps[3].text            # the install took the plain xchg
    assert steps[-1].level == "nmi" and "llist_del_first" in steps[-1].text
