"""Rewrite the slot numbers an IR fragment refers to (register allocation, compaction)."""
from __future__ import annotations

from typing import Callable

from .model import (Assign, Binop, Branch, Check, Const, Elem, Expr, Goto, Instr, Invariant, Ite,
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


def effect(e, f: Map):
    if isinstance(e, Assign):
        return Assign(expr(e.target, f), expr(e.value, f), e.line)
    return Check(expr(e.cond, f), e.prop, e.message, e.line)


def instr(i: Instr, f: Map) -> Instr:
    if isinstance(i, Op):
        return Op(tuple(effect(e, f) for e in i.effects), i.visible,
                  expr(i.guard, f) if i.guard is not None else None, i.line, i.text)
    if isinstance(i, Branch):
        return Branch(expr(i.cond, f), i.target)
    if isinstance(i, RunStart):
        return RunStart(i.run, expr(i.when, f) if i.when is not None else None,
                        tuple(dict.fromkeys(f(r) for r in i.reset)), i.line, i.text)
    assert isinstance(i, (Goto, RunEnd))
    return i


def invariant(inv: Invariant, f: Map) -> Invariant:
    return Invariant(inv.name, expr(inv.expr, f), inv.line, inv.text)
