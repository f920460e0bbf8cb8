"""Breadth-first search: shortest counterexamples, exhaustion, limits; simulation by seed."""
from __future__ import annotations

from refine.engines.explicit import search, simulate
from refine.engines.limits import Limits

from tests.conftest import ROOT, program
from refine.load import load

LOST = ROOT / "tests/examples/bugs/lost_update.kspec"


def test_counterexample_is_a_shortest_one():
    # two loads then two stores: no interleaving shorter than 4 steps loses an update
    r = search(load(str(LOST)))
    assert r.verdict == "violated" and r.depth == 4 == len(r.trace)


def test_depth_bound_below_the_counterexample_reports_holds_up_to_that_depth():
    r = search(load(str(LOST)), max_depth=3)
    assert r.verdict == "holds" and not r.complete and r.depth == 3


def test_exhausted_state_space_is_reported_as_complete():
    r = search(load(str(ROOT / "tests/examples/correct/atomic_counter.kspec")))
    assert r.verdict == "holds" and r.complete


def test_state_limit_is_inconclusive_not_holds():
    r = search(load(str(ROOT / "specs/v2_aba.kspec")), limits=Limits(max_states=100))
    assert r.verdict == "inconclusive" and "state limit" in r.reason


def test_time_limit_is_inconclusive():
    r = search(load(str(ROOT / "specs/v2_aba.kspec")), limits=Limits(timeout=0.0))
    assert r.verdict == "inconclusive" and "time limit" in r.reason


def test_loop_bound_reached_is_inconclusive():
    r = search(load(str(ROOT / "tests/examples/bugs/loop_bound.kspec")))
    assert r.verdict == "inconclusive" and "needs more than its bound" in r.reason


def test_simulation_with_a_seed_is_reproducible():
    p = load(str(LOST))
    a = simulate(p, runs=50, max_steps=20, seed=7)
    b = simulate(p, runs=50, max_steps=20, seed=7)
    assert a.verdict == b.verdict == "violated"
    assert a.trace.actions == b.trace.actions


def test_simulation_finding_nothing_says_it_is_not_a_proof():
    r = simulate(load(str(ROOT / "tests/examples/correct/atomic_counter.kspec")), 20, 20, 1)
    assert r.verdict == "holds" and "not a proof" in r.reason


def test_deadlock_is_found():
    r = search(program("""spec d; var l: int[0..1] = 0;
        handler h() { atomic { await (l == 0); l = 1; } l = 0; }
        scenario { cpus = 1; run h on cpu 0 in task as t; run h on cpu 0 in nmi as n; }"""))
    assert r.verdict == "violated" and r.trace.violation.prop == "deadlock"


def test_disabled_deadlock_check_is_not_reported():
    r = search(program("""spec d; var l: int[0..1] = 0;
        disable deadlock "the NMI spins by design in this test";
        handler h() { atomic { await (l == 0); l = 1; } l = 0; }
        scenario { cpus = 1; run h on cpu 0 in task as t; run h on cpu 0 in nmi as n; }"""))
    assert r.verdict == "holds"
