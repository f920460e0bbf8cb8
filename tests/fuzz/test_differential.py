"""Quick differential run: the two engines on a few hundred generated specs must agree. The long
run (tests/long/run_differential.py, 10,000 specs) uses the same generator and comparison."""
from __future__ import annotations

import collections
import re

from refine.engines.result import Result

from .differential import compare_rounds, compare_steps, run_one
from .specgen import generate

SEEDS = range(240)
ROUNDS_EVERY = 4  # the rounds run costs more: every 4th spec
MAX_STATES = 40  # the tiniest specs only; the long run takes them all


def test_engines_agree_on_generated_specs():
    verdicts = collections.Counter()
    problems, inconclusive, compared = [], [], 0
    for seed in SEEDS:
        o = run_one(seed, rounds=seed % ROUNDS_EVERY == 0, max_states=MAX_STATES)
        if o.skipped:
            continue
        compared += 1
        verdicts[o.verdicts[0]] += 1
        if o.problems:
            problems.append((seed, o.problems, o.text))
        inconclusive += o.inconclusive
    assert not problems, problems[:3]
    assert not inconclusive, inconclusive[:3]  # tiny specs: the solver must decide them
    # not a vacuous pass: most specs were compared, with both outcomes well represented
    assert compared >= 0.9 * len(SEEDS)
    assert verdicts["holds"] >= 50 and verdicts["violated"] >= 50, verdicts


def test_generator_is_deterministic_and_covers_the_language():
    assert generate(12345) == generate(12345)
    texts = "\n".join(generate(s) for s in SEEDS)
    for feature in ("import llist", "import irq_work", "import spinlock", "on any cpu",
                    "times 2", "when (", "in nmi", "in softirq", "in hardirq", "atomic {",
                    "await (", "while (", "cmpxchg(", "xchg(", "atomic_inc(", "READ_ONCE(",
                    "WRITE_ONCE(", "assert(", "WARN_ON(", "nondet()", "local_irq_disable()",
                    "preempt_disable()", "invariant ", "raw_spin_lock(", "llist_add(",
                    "irq_work_queue(", "cpus = 2", "ghost var", ".val"):
        assert feature in texts, feature
    assert len(set(re.findall(r"spec fuzz_\d+;", texts))) == len(SEEDS)


def _res(verdict, depth, complete=False, unit="steps", reason=""):
    return Result(verdict, "x", "", unit, depth, complete=complete, reason=reason)


def test_the_comparison_catches_each_kind_of_disagreement():
    """The checks above could pass by comparing nothing: each rule must fire on a bad pair."""
    holds = _res("holds", 5, complete=True)
    viol3 = _res("violated", 3)
    assert compare_steps(holds, _res("holds", 14), 14) == []
    assert compare_steps(viol3, _res("violated", 3), 14) == []
    assert compare_steps(viol3, _res("holds", 14), 14)  # missed violation
    assert compare_steps(viol3, _res("violated", 4), 14)  # not a shortest one
    assert compare_steps(holds, _res("violated", 2), 14)  # spurious violation
    assert compare_steps(_res("violated", 9), _res("holds", 8, complete=True), 8)
    assert compare_steps(viol3, _res("holds", 2), 2) == []  # beyond the bound: no claim
    unwind = _res("inconclusive", 4, reason="a bound of the model was reached at line 3")
    assert compare_steps(holds, unwind, 14)
    assert compare_steps(unwind, _res("holds", 6, complete=True), 14)
    assert compare_rounds(holds, _res("holds", 4, complete=True, unit="rounds")) == []
    assert compare_rounds(viol3, _res("holds", 4, unit="rounds"))  # 3 steps fit in 4 rounds
    assert compare_rounds(_res("violated", 6), _res("holds", 4, unit="rounds")) == []
