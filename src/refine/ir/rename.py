"""Rewrite the slot numbers an IR fragment refers to (register allocation, compaction)."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from .model import (Assign, Binop, Branch, Const, Elem, Expr, Goto, Instr, Invariant, Ite,
                    Op, RunEnd, RunStart, Slot, Unop)

Map = Callable[[int], int]


def expr(e: Expr, f: Map, memo: dict | None = None) -> Expr:
    """memo (by node identity) keeps a shared subexpression one node: lowering shares them
    (a library predicate used at every object of a pool), and walking such a DAG as a tree
    takes time and memory exponential in its sharing."""
    if isinstance(e, (Slot, Const)):
        return Slot(f(e.index)) if isinstance(e, Slot) else e
    if memo is None:
        memo = {}
    hit = memo.get(id(e))
    if hit is not None:
        return hit[1]
    if isinstance(e, Elem):
        out = Elem(f(e.base), tuple(expr(i, f, memo) for i in e.indices), e.sizes, e.strides,
                   e.null_based, e.line)
    elif isinstance(e, Unop):
        out = Unop(e.op, expr(e.a, f, memo))
    elif isinstance(e, Binop):
        out = Binop(e.op, expr(e.a, f, memo), expr(e.b, f, memo))
    elif isinstance(e, Ite):
        out = Ite(expr(e.cond, f, memo), expr(e.then, f, memo), expr(e.other, f, memo))
    else:
        raise TypeError(e)
    memo[id(e)] = (e, out)  # e kept alive: its id is not reused while the memo lives
    return out


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


def effect(e, f: Map, memo: dict | None = None):
    if isinstance(e, Assign):
        return Assign(expr(e.target, f, memo), expr(e.value, f, memo), e.line)
    return replace(e, cond=expr(e.cond, f, memo))


def instr(i: Instr, f: Map, memo: dict | None = None) -> Instr:
    """memo: shared by every call of one renaming, so shared nodes stay shared."""
    memo = {} if memo is None else memo
    if isinstance(i, Op):
        return replace(i, effects=tuple(effect(e, f, memo) for e in i.effects),
                       guard=expr(i.guard, f, memo) if i.guard is not None else None,
                       choose=(f(i.choose[0]), i.choose[1]) if i.choose else None)
    if isinstance(i, Branch):
        return Branch(expr(i.cond, f, memo), i.target)
    if isinstance(i, RunStart):
        return RunStart(i.run, expr(i.when, f, memo) if i.when is not None else None,
                        tuple(dict.fromkeys(f(r) for r in i.reset)), i.line, i.text)
    assert isinstance(i, (Goto, RunEnd))
    return i


def invariant(inv: Invariant, f: Map, memo: dict | None = None) -> Invariant:
    return replace(inv, expr=expr(inv.expr, f, memo))
