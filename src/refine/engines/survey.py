"""Every property at once: one breadth-first search that records, for each property, its
shortest violation, and goes on past violations that do not end an execution.

This is the design-review table's engine. For each property P its answer is the one
`--only P` gives (the explicit engine with every other property switched off, and executions
ending silently at violations after which they cannot go on), so one exploration of the
scenario serves every column; each counterexample is then replayed on the program focused on P.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..ir.model import Program
from .explicit import _path
from .limits import Limits
from .machine import Machine, Violation
from .result import HOLDS, INCONCLUSIVE, VIOLATED


@dataclass
class Finding:
    prop: str
    depth: int
    actions: list
    violation: Violation


@dataclass
class Survey:
    found: dict[str, Finding]  # property -> its shortest violation
    verdict_rest: str  # for every other property: holds or inconclusive
    depth: int  # steps explored (holds: up to here)
    complete: bool  # the whole scenario was explored
    reason: str  # why inconclusive
    states: int
    seconds: float

    def verdict(self, prop: str) -> str:
        return VIOLATED if prop in self.found else self.verdict_rest


def survey(prog: Program, max_depth: int = 500, limits: Limits | None = None) -> Survey:
    limits = limits or Limits()
    m = Machine(prog, record=True)
    t0 = time.monotonic()
    init = prog.initial()
    parents: dict = {init: (None, None)}
    found: dict[str, Finding] = {}

    def note(v, state, action, depth):
        if v.prop not in found and v.prop not in ("unwind", "cut"):
            acts = _path(parents, state) + ([action] if action is not None else [])
            found[v.prop] = Finding(v.prop, depth, acts,
                                    Violation(v.prop, v.message, v.line))

    for v in m.invariant_violations(init):
        note(v, init, None, 0)
    frontier, depth, unwind, stop = [init], 0, None, None
    while frontier and depth < max_depth:
        nxt = []
        for n, s in enumerate(frontier):
            if n & 1023 == 0:
                stop = limits.exceeded(len(parents))
                if stop:
                    break
            stepped = False
            for a in m.candidates(s):
                r = m.step(s, a)
                if r is None:
                    continue
                stepped = True
                new, ended, _ = r
                for v in m.found:
                    note(v, s, a, depth + 1)
                if ended is not None:  # the execution cannot go on past this step
                    if ended.prop == "unwind":
                        unwind = unwind or ended
                    else:
                        note(ended, s, a, depth + 1)
                    continue
                if new not in parents:
                    parents[new] = (s, a)
                    nxt.append(new)
            if not stepped and m.deadlocked(s):
                note(Violation("deadlock", "no thread can make progress while some are mid-run",
                               0), s, None, depth)
        if stop:
            break
        depth += 1
        frontier = nxt
    complete = not frontier and not stop
    if stop or unwind is not None:
        why = stop or (f"a bound of the model was reached at line {unwind.line}: "
                       f"{unwind.message}")
        rest = INCONCLUSIVE
    else:
        why, rest = "", HOLDS
    explored = max(depth - 1, 0) if complete else depth
    return Survey(found, rest, explored, complete, why, len(parents),
                  round(time.monotonic() - t0, 3))
