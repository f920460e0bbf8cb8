"""Run both engines on one generated spec and say whether they disagree.

The explicit engine's breadth-first search is the reference: on these tiny specs it explores
everything, so its verdict is complete, and a violation it reports is a shortest one in steps.
Two runs of the symbolic engine are held against it:

- steps (a frame is one step, the explicit engine's unit): same verdict, and the same
  counterexample length. A symbolic "holds" is only claimed up to its bound, so it is compared
  within that bound: the explicit engine must have no violation of at most that many steps.
- rounds, loops cut first (what `refine verify --engine symbolic` runs): same verdict wherever
  both are decided; its counterexample is no shorter in steps than the explicit one.

A symbolic "holds" that claims completeness must be matched by a complete explicit "holds", and
an "inconclusive" of either engine (loop bound, solver) is counted, never silently passed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from refine.engines.cut_first import CUT_AT, check_cut_first
from refine.engines.explicit import search
from refine.engines.limits import Limits
from refine.engines.symbolic import check
from refine.lower.program import lower
from refine.syntax.parser import parse_text

from .specgen import generate

STEP_DEPTH = 14  # frames of the steps run; most specs end well within it
ROUNDS = 4
MAX_STATES = 20_000  # the explicit search is the reference: it must finish


@dataclass
class Outcome:
    seed: int
    text: str
    problems: list[str] = field(default_factory=list)
    inconclusive: list[str] = field(default_factory=list)
    skipped: str = ""
    verdicts: tuple = ()


def _unwind(res) -> bool:
    return res.verdict == "inconclusive" and "bound of the model" in res.reason


def compare_steps(explicit, sym, bound: int) -> list[str]:
    """Disagreements of the steps run (bound frames) with the complete explicit result."""
    e, s = explicit, sym
    out = []
    if s.verdict == "violated":
        if e.verdict != "violated":
            out.append(f"steps: symbolic violated at {s.depth}, explicit {e.verdict}")
        elif s.depth != e.depth:
            out.append(f"steps: counterexample of {s.depth} steps, explicit {e.depth}")
    elif e.verdict == "violated" and e.depth <= bound:
        out.append(f"steps: explicit violated at {e.depth} steps, symbolic {s.verdict} "
                   f"within {bound}")
    if s.verdict == "holds" and s.complete and not (e.verdict == "holds" and e.complete):
        out.append(f"steps: symbolic holds for every execution, explicit {e.verdict}")
    if _unwind(s) and not (_unwind(e) or e.verdict == "violated"):
        out.append(f"steps: symbolic reached a loop bound, explicit {e.verdict}")
    if _unwind(e) and s.verdict == "holds" and s.complete:
        out.append("steps: explicit reached a loop bound, symbolic holds completely")
    return out


def compare_rounds(explicit, sym) -> list[str]:
    e, s = explicit, sym
    out = []
    if s.verdict == "violated":
        if e.verdict != "violated":
            out.append(f"rounds: symbolic violated, explicit {e.verdict}")
        elif len(s.trace) < e.depth:
            out.append(f"rounds: counterexample of {len(s.trace)} steps, shorter than the "
                       f"explicit shortest {e.depth}")
    if s.verdict == "holds" and s.complete and not (e.verdict == "holds" and e.complete):
        out.append(f"rounds: symbolic holds for every execution, explicit {e.verdict}")
    if e.verdict == "violated" and e.depth <= ROUNDS and s.verdict != "violated" \
            and not _solver_gave_up(s):
        # a violation of d steps fits in d rounds (each round is at least one step)
        out.append(f"rounds: explicit violated at {e.depth} steps, symbolic {s.verdict} "
                   f"within {ROUNDS} rounds")
    return out


def _solver_gave_up(res) -> bool:
    return res.verdict == "inconclusive" and not _unwind(res)


def run_one(seed: int, query_timeout: float = 20.0, rounds: bool = True,
            max_states: int | None = None) -> Outcome:
    """max_states: skip the symbolic runs on a spec of more explicit states (quick runs)."""
    text = generate(seed)
    o = Outcome(seed, text)
    spec = parse_text(text, f"<generated {seed}>")
    prog = lower(spec)
    e = search(prog, 500, Limits(max_states=MAX_STATES))
    if e.verdict == "inconclusive" and not _unwind(e):
        o.skipped = f"explicit: {e.reason}"
        return o
    if e.verdict == "holds" and not e.complete:
        o.skipped = "explicit: depth bound"
        return o
    if max_states is not None and e.stats["states"] > max_states:
        o.skipped = f"{e.stats['states']} states, more than {max_states}"
        return o
    s = check(prog, STEP_DEPTH, "steps", query_timeout=query_timeout)
    o.problems += compare_steps(e, s, STEP_DEPTH)
    if _solver_gave_up(s):
        o.inconclusive.append(f"steps: {s.reason}")
    vs = [e.verdict, s.verdict]
    if rounds:
        cut = lower(parse_text(text, f"<generated {seed}>"), unroll_cap=CUT_AT)
        r = check_cut_first(prog, cut, ROUNDS, "rounds", query_timeout=query_timeout)
        o.problems += compare_rounds(e, r)
        if _solver_gave_up(r):
            o.inconclusive.append(f"rounds: {r.reason}")
        vs.append(r.verdict)
    o.verdicts = tuple(vs)
    return o
