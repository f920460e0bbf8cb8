"""Explicit-state engine: exhaustive breadth-first search and random simulation.

Breadth-first order makes the first violation found a shortest one (in steps). States are tuples
of ints kept in one dict that maps each state to its parent and the action that reached it.
"""
from __future__ import annotations

import random
import time

from ..ir.model import Program
from ..trace.trace import replay
from .limits import Limits
from .machine import Machine, Violation
from .result import HOLDS, INCONCLUSIVE, VIOLATED, Result


def _path(parents: dict, state) -> list:
    actions = []
    while True:
        parent, action = parents[state]
        if parent is None:
            break
        actions.append(action)
        state = parent
    actions.reverse()
    return actions


def search(prog: Program, max_depth: int = 200, limits: Limits | None = None,
           progress=None) -> Result:
    limits = limits or Limits()
    m = Machine(prog)
    t0 = time.monotonic()
    init = prog.initial()
    parents: dict = {init: (None, None)}
    bounds = prog.bounds()

    def finish(verdict, depth, **kw):
        stats = {"states": len(parents), "seconds": round(time.monotonic() - t0, 3)}
        return Result(verdict, "explicit", bounds, "steps", depth, stats=stats, **kw)

    def found(state, violation: Violation, depth, last=None):
        actions = _path(parents, state) + ([last] if last is not None else [])
        trace = replay(m, actions, expect=violation)
        return finish(VIOLATED, depth, trace=trace, reason=violation.message)

    v = m.check_invariants(init)
    if v is not None:
        return found(init, v, 0)
    frontier = [init]
    unwind: Violation | None = None
    depth = 0
    while frontier and depth < max_depth:
        best = None  # first violation at depth + 1; the layer is finished for shorter deadlocks
        nxt = []
        for n, s in enumerate(frontier):
            if n & 1023 == 0:
                stop = limits.exceeded(len(parents))
                if stop:
                    return finish(INCONCLUSIVE, depth, reason=f"{stop}; no violation within "
                                  f"{depth} steps ({len(parents)} states)")
            any_succ = False
            for action, new, violation in m.successors(s):
                any_succ = True
                # A violation belongs to the step, not to the state it ends in: it is recorded
                # with its step and its end state is never explored (nor marked as seen).
                if violation is not None:
                    if violation.inconclusive:
                        unwind = unwind or violation
                    elif best is None:
                        best = (s, action, violation)
                    continue
                if new in parents:
                    continue
                parents[new] = (s, action)
                if best is None:
                    nxt.append(new)
            if not any_succ and m.deadlocked(s):
                return found_deadlock(m, parents, s, depth, finish)
        depth += 1
        if best is not None:
            return found(best[0], best[2], depth, last=best[1])
        frontier = nxt
        if progress:
            progress(depth, len(parents), time.monotonic() - t0)
    if unwind is not None:
        return finish(INCONCLUSIVE, depth if frontier else max(depth - 1, 0),
                      reason=f"a bound of the model was reached at line {unwind.line}: "
                      f"{unwind.message}")
    if frontier:
        return finish(HOLDS, depth)
    # the last layer had no successors: every state is reachable within one step fewer
    return finish(HOLDS, max(depth - 1, 0), complete=True)


def found_deadlock(m: Machine, parents, s, depth, finish) -> Result:
    v = Violation("deadlock", "no thread can make progress while some are mid-run", 0)
    trace = replay(m, _path(parents, s))
    trace.violation = v
    return finish(VIOLATED, depth, trace=trace, reason=v.message)


def simulate(prog: Program, runs: int, max_steps: int, seed: int,
             limits: Limits | None = None) -> Result:
    """Random walks; a violation is a real trace, but finding none proves nothing."""
    limits = limits or Limits()
    m = Machine(prog)
    rng = random.Random(seed)
    t0 = time.monotonic()
    bounds = prog.bounds()
    init = prog.initial()
    longest = 0
    for run in range(runs):
        s, actions = init, []
        for _ in range(max_steps):
            succ = list(m.successors(s))
            if not succ:
                if m.deadlocked(s):
                    trace = replay(m, actions)
                    trace.violation = Violation("deadlock", "no thread can make progress "
                                                "while some are mid-run", 0)
                    return Result(VIOLATED, "simulate", bounds, "steps", len(actions),
                                  trace=trace, reason="deadlock",
                                  stats={"runs": run + 1, "seed": seed})
                break
            action, s, violation = succ[rng.randrange(len(succ))]
            actions.append(action)
            if violation is not None and not violation.inconclusive:
                trace = replay(m, actions, expect=violation)
                return Result(VIOLATED, "simulate", bounds, "steps", len(actions), trace=trace,
                              reason=violation.message, stats={"runs": run + 1, "seed": seed})
            if violation is not None:
                break
        longest = max(longest, len(actions))
        stop = limits.exceeded(0)
        if stop:
            return Result(INCONCLUSIVE, "simulate", bounds, "steps", longest,
                          reason=f"{stop} after {run + 1} runs", stats={"seed": seed})
    return Result(HOLDS, "simulate", bounds, "steps", longest,
                  reason=f"no violation in {runs} random runs (seed {seed}); not a proof",
                  stats={"runs": runs, "seed": seed,
                         "seconds": round(time.monotonic() - t0, 3)})
