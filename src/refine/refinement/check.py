"""`refine refines DESIGN`: does every behaviour of the design, within its bounds, map to a
behaviour of the abstract spec it names?

Two runs. First the design's own properties (a plain verify): a design that violates them gets
no "refines", because executions cut short by a violation would not have been checked. Then the
product (merge.py, lower/refinement.py) with the one property `refinement`. A refinement failure
found there is a real one whatever the first run said: the trace is an execution of the design
that reaches no violation of its own, and the abstract spec cannot follow it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engines.machine import Machine
from ..engines.result import HOLDS, INCONCLUSIVE, VIOLATED, Result
from ..ir.model import Program
from ..lower.refinement import KINDS, REFINEMENT
from ..trace.trace import Trace

REFINES, FAILS, OWN, UNKNOWN = "refines", "does not refine", "own violation", "inconclusive"
EXIT = {REFINES: 0, FAILS: 1, OWN: 1, UNKNOWN: 3}


@dataclass
class Verdict:
    verdict: str
    abstract: str
    own: Result
    product: Result
    prog: Program  # the product
    kind: str = ""  # a key of KINDS when the refinement fails

    @property
    def exit_code(self) -> int:
        return EXIT[self.verdict]

    def summary(self) -> str:
        p, o = self.product, self.own
        if self.verdict == FAILS:
            return (f"DOES NOT REFINE {self.abstract}: {KINDS[self.kind]} at step "
                    f"{len(p.trace)} ({p.engine})")
        if self.verdict == OWN:
            v = o.trace.violation
            return (f"NO REFINEMENT VERDICT: the design violates its own property {v.prop} "
                    f"({o.amount()}); no mapped failure was found, but executions past a "
                    "violation were not checked")
        if self.verdict == REFINES:
            scope = ("for every execution of the scenario" if p.complete and o.complete
                     else f"up to {p.amount()} (its own properties: "
                     f"{'every execution' if o.complete else 'up to ' + o.amount()})")
            return f"REFINES {self.abstract} {scope} ({p.engine}; its own properties hold)"
        why = p.reason if p.verdict == INCONCLUSIVE else o.reason
        return f"INCONCLUSIVE: {why} ({p.engine})"


def run(search) -> Verdict:
    """search(refines) -> (program, Result): one engine with the caller's spec, bounds and
    limits, on the design alone (False) or on the product (True)."""
    _, own = search(False)
    prog, product = search(True)
    kind = ""
    if product.verdict == VIOLATED:
        verdict, kind = FAILS, classify(prog, product.trace)
    elif product.verdict == HOLDS and own.verdict == HOLDS:
        verdict = REFINES
    elif product.verdict == HOLDS and own.verdict == VIOLATED:
        verdict = OWN
    else:
        verdict = UNKNOWN
    return Verdict(verdict, prog.abstract, own, product, prog, kind)


def classify(prog: Program, trace: Trace) -> str:
    """Which way the design stopped being the abstract spec at the trace's last step."""
    v = trace.violation
    if v.prop != REFINEMENT:
        return "enabled"
    if not trace.actions:
        return "initial"
    if v.thread >= 0:
        return "enabled"  # a check inside an abstract action: it could not take the step
    after = trace.states[-1]
    failing = [m for m in prog.mapped if not _holds(m, after)]
    if any(m.kind == "state" for m in failing):  # the state first: it is what went wrong
        return "state" if step_actions(prog, trace) else "stutter"
    return "observation"


def step_actions(prog: Program, trace: Trace) -> list[tuple[int, str]]:
    """The `maps` clauses (line, text) the last step ran: none for a stutter."""
    if not trace.actions:
        return []
    seen: list = []
    Machine(prog).step(trace.states[-2], trace.actions[-1], seen)
    code = prog.threads[trace.actions[-1][0]].code
    return [(code[pc].line, code[pc].maps) for pc, _ in seen if getattr(code[pc], "maps", "")]


def _holds(m, state) -> bool:
    from ..engines.compile import compile_expr
    return bool(compile_expr(m.expr)(list(state)))
