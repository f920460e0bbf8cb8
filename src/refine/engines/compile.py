"""IR expressions and effects compiled once into Python closures over a state list.

The explicit engine evaluates millions of expressions; compiling each IR node to a closure once
per program, instead of walking the tree per state, is what keeps it fast.
"""
from __future__ import annotations

from typing import Callable

from ..ir.model import Assign, Binop, Check, Const, Elem, Expr, Ite, Slot, SlotInfo, Unop


class Violated(Exception):
    """Raised inside a step when a property or a built-in check fails."""

    def __init__(self, prop: str, message: str, line: int, file: str = ""):
        super().__init__(message)
        self.prop, self.message, self.line, self.file = prop, message, line, file


def c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def c_mod(a: int, b: int) -> int:
    return a - b * c_div(a, b)


Fn = Callable[[list], int]


def compile_expr(e: Expr, memo: dict | None = None) -> Fn:
    """memo (by node identity): a subexpression lowering shared is compiled once, not once per
    path to it, which for a library predicate over a pool is exponentially many."""
    if isinstance(e, Const):
        v = e.value
        return lambda s: v
    if isinstance(e, Slot):
        i = e.index
        return lambda s: s[i]
    if memo is None:
        memo = {}
    hit = memo.get(id(e))
    if hit is not None:
        return hit[1]
    if isinstance(e, Elem):
        off = compile_offset(e, memo)
        out = lambda s: s[off(s)]  # noqa: E731
    elif isinstance(e, Unop):
        a = compile_expr(e.a, memo)
        if e.op == "not":
            out = lambda s: 0 if a(s) else 1  # noqa: E731
        else:
            out = lambda s: -a(s)  # noqa: E731
    elif isinstance(e, Ite):
        c, t, o = compile_expr(e.cond, memo), compile_expr(e.then, memo), \
            compile_expr(e.other, memo)
        out = lambda s: t(s) if c(s) else o(s)  # noqa: E731
    elif isinstance(e, Binop):
        out = _binop(e.op, compile_expr(e.a, memo), compile_expr(e.b, memo))
    else:
        raise TypeError(f"not an IR expression: {e!r}")
    memo[id(e)] = (e, out)  # e kept alive: its id is not reused while the memo lives
    return out


def _binop(op: str, a: Fn, b: Fn) -> Fn:
    if op == "+":
        return lambda s: a(s) + b(s)
    if op == "-":
        return lambda s: a(s) - b(s)
    if op == "*":
        return lambda s: a(s) * b(s)
    if op in ("/", "%"):
        f = c_div if op == "/" else c_mod

        def div(s):
            d = b(s)
            if d == 0:
                raise Violated("div-zero", "division by zero", 0)
            return f(a(s), d)

        return div
    if op == "==":
        return lambda s: 1 if a(s) == b(s) else 0
    if op == "!=":
        return lambda s: 1 if a(s) != b(s) else 0
    if op == "<":
        return lambda s: 1 if a(s) < b(s) else 0
    if op == "<=":
        return lambda s: 1 if a(s) <= b(s) else 0
    if op == ">":
        return lambda s: 1 if a(s) > b(s) else 0
    if op == ">=":
        return lambda s: 1 if a(s) >= b(s) else 0
    if op == "and":
        return lambda s: 1 if (a(s) and b(s)) else 0
    if op == "or":
        return lambda s: 1 if (a(s) or b(s)) else 0
    raise ValueError(f"unknown operator {op}")


def compile_offset(e: Elem, memo: dict | None = None) -> Fn:
    """The slot index of an array element, checking every index against its dimension."""
    parts = []
    for idx, size, stride, is_ref in zip(e.indices, e.sizes, e.strides, e.null_based):
        parts.append((compile_expr(idx, memo), size, stride, is_ref))
    base, line = e.base, e.line

    def off(s):
        o = base
        for f, size, stride, is_ref in parts:
            v = f(s)
            if is_ref:
                if v == 0:
                    raise Violated("null-deref", "dereference of NULL", line)
                v -= 1
            if not 0 <= v < size:
                raise Violated("bounds", f"index {v} out of range 0..{size - 1}", line)
            o += v * stride
        return o

    return off


# Checks after which the step cannot go on: a loop past its bound, a path cut short, and the
# built-in violations that leave no result (compile raises those itself).
ENDS_STEP = frozenset({"unwind", "cut", "range", "null-deref", "bounds", "div-zero"})


def compile_effect(eff, slots: list[SlotInfo], record: list | None = None,
                   memo: dict | None = None) -> Callable[[list], None]:
    """record: a list that failed checks are appended to, the step going on, instead of
    raising (a survey of every property at once); checks in ENDS_STEP still raise."""
    if isinstance(eff, Check):
        c, prop, msg, line, file = (compile_expr(eff.cond, memo), eff.prop, eff.message, eff.line,
                                    eff.file)
        if record is not None and prop not in ENDS_STEP:
            def note(s):
                if not c(s):
                    record.append(Violated(prop, msg, line, file))

            return note

        def check(s):
            if not c(s):
                raise Violated(prop, msg, line, file)

        return check
    assert isinstance(eff, Assign)
    val, line = compile_expr(eff.value, memo), eff.line
    if isinstance(eff.target, Slot):
        i = eff.target.index
        t = slots[i].type
        lo, hi, name = t.lo, t.hi, slots[i].name

        def assign(s):
            v = val(s)
            if not lo <= v <= hi:
                raise Violated("range", f"{name} = {v} is outside its type {lo}..{hi}", line)
            s[i] = v

        return assign
    off = compile_offset(eff.target, memo)
    ranges = _ranges_of(eff.target, slots)

    def assign_elem(s):
        v = val(s)
        o = off(s)
        lo, hi, name = ranges[o]
        if not lo <= v <= hi:
            raise Violated("range", f"{name} = {v} is outside its type {lo}..{hi}", line)
        s[o] = v

    return assign_elem


def _ranges_of(e: Elem, slots: list[SlotInfo]) -> dict[int, tuple[int, int, str]]:
    """The type range of every slot an element assignment could land in."""
    span = max((sz - 1) * st for sz, st in zip(e.sizes, e.strides)) if e.sizes else 0
    out = {}
    for o in range(e.base, e.base + span + 1):
        if o < len(slots):
            out[o] = (slots[o].type.lo, slots[o].type.hi, slots[o].name)
    return out
