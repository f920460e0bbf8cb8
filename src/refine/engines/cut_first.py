"""Look for violations with loops cut short first, then on the spec as written.

Unrolled retry loops make most of a thread's code, and the symbolic formula grows with it; the
bugs this tool hunts rarely need many retries. Z3 first gets the spec with every loop cut after
a few iterations (paths past the cut are left out, never reported); a violation found there is
a real execution of the full spec, and is replayed on it before it is shown. When the cut spec
has none, the full spec is checked, so a "holds" always comes from the full one.
"""
from __future__ import annotations

from ..ir.model import Program
from ..trace.trace import replay
from .limits import Limits
from .machine import Machine
from .result import VIOLATED, Result
from .symbolic import check

CUT_AT = 2  # loop iterations tried first


def size(prog: Program) -> int:
    return sum(len(t.code) for t in prog.threads)


def check_cut_first(full: Program, cut: Program, max_depth: int, unit: str,
                    limits: Limits | None = None, query_timeout: float = 60.0,
                    progress=None) -> Result:
    if size(cut) < size(full):
        first = check(cut, max_depth, unit, limits, query_timeout, progress=progress)
        if first.verdict == VIOLATED:
            first.trace = replay(Machine(full), first.trace.actions, expect=first.trace.violation)
            first.bounds = full.bounds()
            first.stats["loops_cut_at"] = CUT_AT
            return first
    return check(full, max_depth, unit, limits, query_timeout, progress=progress)
