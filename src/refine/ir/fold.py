"""Long chains of one associative operator, built as balanced trees.

A quantifier over a pool of 4096 objects, or the leak check of such a pool, is a chain of
thousands of terms; folded left to right it is as deep as it is long, and every recursive walk
of the expression (renaming, evaluation, encoding) runs out of Python's stack. Balanced, its
depth is the logarithm of its length.
"""
from __future__ import annotations

from .model import Binop, Const, Expr, Ite


def balanced(op: str, terms: list[Expr], empty: int) -> Expr:
    """terms[0] op terms[1] op ...; Const(empty) when there are none. op: and, or, +."""
    if not terms:
        return Const(empty)
    if len(terms) == 1:
        return terms[0]
    mid = len(terms) // 2
    return Binop(op, balanced(op, terms[:mid], empty), balanced(op, terms[mid:], empty))


def first_true(conds: list[Expr], lo: int = 0) -> Expr:
    """i + 1 for the first i with conds[i] true, 0 when none is: a choice among halves, each
    asked with a balanced `or`, so that the depth stays logarithmic."""
    if len(conds) == 1:
        return Ite(conds[0], Const(lo + 1), Const(0))
    mid = len(conds) // 2
    return Ite(balanced("or", conds[:mid], 0), first_true(conds[:mid], lo),
               first_true(conds[mid:], lo + mid))
