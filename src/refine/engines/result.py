"""What an engine reports: a verdict, the bounds it holds within, and the evidence."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..trace.trace import Trace

HOLDS, VIOLATED, INCONCLUSIVE = "holds", "violated", "inconclusive"
EXIT_CODES = {HOLDS: 0, VIOLATED: 1, INCONCLUSIVE: 3}


@dataclass
class Result:
    verdict: str
    engine: str
    bounds: str  # the scenario: CPUs, threads, contexts, runs
    unit: str  # what depth counts: 'steps' or 'rounds'
    depth: int  # the depth explored (holds) or of the counterexample (violated)
    complete: bool = False  # every execution of the scenario was covered, not just up to depth
    trace: Trace | None = None
    reason: str = ""  # why inconclusive, or what was violated
    stats: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def amount(self) -> str:
        """The depth with its unit: '1 step', '28 steps', '3 rounds'."""
        unit = self.unit[:-1] if self.depth == 1 and self.unit.endswith("s") else self.unit
        return f"{self.depth} {unit}"

    def summary(self) -> str:
        if self.verdict == VIOLATED:
            v = self.trace.violation if self.trace else None
            what = f"{v.prop}: {v.message}" if v else self.reason
            cut = self.stats.get("loops_cut_at")
            how = f"; found with loops cut after {cut} iterations" if cut else ""
            return f"VIOLATED {what} (counterexample of {self.amount()}, {self.engine}{how})"
        if self.verdict == HOLDS and self.engine == "simulate":
            return f"NO VIOLATION FOUND: {self.reason} (longest run {self.amount()})"
        if self.verdict == HOLDS:
            scope = (f"for every execution of the scenario (explored to the end: {self.amount()})"
                     if self.complete else f"up to {self.amount()}")
            return f"HOLDS {scope}, {self.engine}"
        return f"INCONCLUSIVE: {self.reason} ({self.engine}, reached {self.depth} {self.unit})"
