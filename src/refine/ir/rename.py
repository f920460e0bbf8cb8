"""Rewrite the slot numbers an IR fragment refers to (register allocation, compaction)."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from .model import (Assign, Binop, Branch, Const, Elem, Expr, Goto, Instr, Invariant, Ite,
                    Op, RunEnd, RunStart, Slot, Unop)

Map = Callable[[int], int]


def expr(e: Expr, f: Map) -> Expr:
    if isinstance(e, Slot):
        return Slot(f(e.index))
    if isinstance(e, Const):
        return e
    if isinstance(e, Elem):
        return Elem(f(e.base), tuple(expr(i, f) for i in e.indices), e.sizes, e.strides,
                    e.null_based, e.line)
    if isinstance(e, Unop):
        return Unop(e.op, expr(e.a, f))
    if isinstance(e, Binop):
        return Binop(e.op, expr(e.a, f), expr(e.b, f))
    if isinstance(e, Ite):
        return Ite(expr(e.cond, f), expr(e.then, f), expr(e.other, f))
    raise TypeError(e)


def substitute(e: Expr, slot: int, value: Expr) -> Expr:
    """e with every read of `slot` replaced by value (a `when` evaluated for one CPU)."""
    if isinstance(e, Slot):
        return value if e.index == slot else e
    if isinstance(e, Const):
        return e
    if isinstance(e, Elem):
        return replace(e, indices=tuple(substitute(i, slot, value) for i in e.indices))
    if isinstance(e, Unop):
        return Unop(e.op, substitute(e.a, slot, value))
    if isinstance(e, Binop):
        return Binop(e.op, substitute(e.a, slot, value), substitute(e.b, slot, value))
    if isinstance(e, Ite):
        return Ite(substitute(e.cond, slot, value), substitute(e.then, slot, value),
                   substitute(e.other, slot, value))
    raise TypeError(e)


def effect(e, f: Map):
    if isinstance(e, Assign):
        return Assign(expr(e.target, f), expr(e.value, f), e.line)
    return replace(e, cond=expr(e.cond, f))


def instr(i: Instr, f: Map) -> Instr:
    if isinstance(i, Op):
        return replace(i, effects=tuple(effect(e, f) for e in i.effects),
                       guard=expr(i.guard, f) if i.guard is not None else None,
                       choose=(f(i.choose[0]), i.choose[1]) if i.choose else None)
    if isinstance(i, Branch):
        return Branch(expr(i.cond, f), i.target)
    if isinstance(i, RunStart):
        return RunStart(i.run, expr(i.when, f) if i.when is not None else None,
                        tuple(dict.fromkeys(f(r) for r in i.reset)), i.line, i.text)
    assert isinstance(i, (Goto, RunEnd))
    return i


def invariant(inv: Invariant, f: Map) -> Invariant:
    return replace(inv, expr=expr(inv.expr, f))
