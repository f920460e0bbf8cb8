"""Where evaluating an IR expression would raise (a NULL or out-of-range index, a division by
zero), as a condition over the state: the refinement product checks it before an abstract
action's effects, since its runs end such executions without a report (lower/refinement.py)."""
from __future__ import annotations

from .fold import balanced
from .model import Binop, Const, Elem, Ite, Unop


def elem_offset(x, is_ref: bool):
    """An Elem index as an offset: a reference index counts from 1 (0 is NULL)."""
    return Binop("-", x, Const(1)) if is_ref else x


def never_raises(e):
    """The condition under which evaluating e raises nothing (None: always), with the
    evaluator's short-circuits: `and`, `or` and ?: evaluate their right side only when needed."""
    if isinstance(e, Elem):
        terms = []
        for x, size, ref in zip(e.indices, e.sizes, e.null_based):
            inner = never_raises(x)
            if inner is not None:
                terms.append(inner)
            lo, hi = (1, size) if ref else (0, size - 1)
            terms += [Binop(">=", x, Const(lo)), Binop("<=", x, Const(hi))]
        return balanced("and", terms, 1)
    if isinstance(e, Unop):
        return never_raises(e.a)
    if isinstance(e, Ite):
        c, t, o = never_raises(e.cond), never_raises(e.then), never_raises(e.other)
        if t is None and o is None:
            return c
        branch = Ite(e.cond, t or Const(1), o or Const(1))
        return branch if c is None else Binop("and", c, branch)
    if isinstance(e, Binop):
        a, b = never_raises(e.a), never_raises(e.b)
        if e.op in ("/", "%"):
            b = Binop("!=", e.b, Const(0)) if b is None else Binop("and", b,
                                                                    Binop("!=", e.b, Const(0)))
        if b is not None and e.op in ("and", "or"):  # b runs only when a does not decide
            b = Binop("or", e.a if e.op == "or" else Unop("not", e.a), b)
        parts = [x for x in (a, b) if x is not None]
        return balanced("and", parts, 1) if parts else None
    return None
