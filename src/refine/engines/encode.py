"""Bit-vector meaning of IR expressions, effects, invariants and the context rules.

Every term here is a pure function of a symbolic state (a list of bit-vectors, one per slot), and
mirrors compile.py and machine.py exactly, including the order in which errors are raised: an
evaluation yields its value and an ordered list of (condition, prop code) errors, where the first
error whose condition holds is the one Python would raise.
"""
from __future__ import annotations

import itertools

import z3

from ..ir.model import (NMI, TASK, Assign, Check, Const, Elem, Expr, Ite, Op, Program,
                        RunStart, Slot, Unop, Branch)

TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
UNWIND = "unwind"


# ----------------------------------------------------------------------------- folding helpers
# Conditions are built with constant folding so that straight-line paths stay small terms.

def AND(*xs):
    out = []
    for x in xs:
        if z3.is_false(x):
            return FALSE
        if not z3.is_true(x):
            out.append(x)
    return TRUE if not out else out[0] if len(out) == 1 else z3.And(*out)


def OR(*xs):
    out = []
    for x in xs:
        if z3.is_true(x):
            return TRUE
        if not z3.is_false(x):
            out.append(x)
    return FALSE if not out else out[0] if len(out) == 1 else z3.Or(*out)


def NOT(x):
    if z3.is_true(x):
        return FALSE
    if z3.is_false(x):
        return TRUE
    return z3.Not(x)


def ITE(c, a, b):
    if z3.is_true(c) or a.get_id() == b.get_id():
        return a
    if z3.is_false(c):
        return b
    return z3.If(c, a, b)


def no_error(errs):
    return NOT(OR(*[c for c, _ in errs]))


def guarded(cond, errs):
    return [(AND(cond, c), k) for c, k in errs]


# ----------------------------------------------------------------------------- widths

_CMP = ("==", "!=", "<", "<=", ">", ">=", "and", "or")


def _walk_exprs(prog: Program):
    for th in prog.threads:
        for ins in th.code:
            if isinstance(ins, Op):
                if ins.guard is not None:
                    yield ins.guard
                for eff in ins.effects:
                    if isinstance(eff, Assign):
                        yield eff.value
                        if isinstance(eff.target, Elem):
                            yield eff.target
                    else:
                        yield eff.cond
            elif isinstance(ins, Branch):
                yield ins.cond
            elif isinstance(ins, RunStart) and ins.when is not None:
                yield ins.when
    for inv in prog.invariants:
        yield inv.expr


def elem_slots(e: Elem, nslots: int):
    """Every (index tuple, slot) an element can name; indices are 0-based offsets."""
    out = []
    for combo in itertools.product(*(range(s) for s in e.sizes)):
        slot = e.base + sum(i * st for i, st in zip(combo, e.strides))
        if slot < nslots:
            out.append((combo, slot))
    return out


class Widths:
    """Interval analysis: the largest magnitude any slot or intermediate value can take, so the
    bit-vectors are wide enough that no term wraps where Python's integers would not."""

    def __init__(self, prog: Program):
        n = len(prog.slots)
        big = max([prog.cpus, len(prog.threads) + 1] + [len(t.code) + 1 for t in prog.threads])
        self.iv = [(min(s.type.lo, s.init, -1), max(s.type.hi, s.init, big)) for s in prog.slots]
        self.n = n
        self.maxabs = big
        for e in _walk_exprs(prog):
            self.interval(e)
        self.width = max(8, self.maxabs.bit_length()) + 2  # sign bit plus one bit of headroom

    def _note(self, lo, hi):
        self.maxabs = max(self.maxabs, abs(lo), abs(hi))
        return lo, hi

    def interval(self, e: Expr):
        if isinstance(e, Const):
            return self._note(e.value, e.value)
        if isinstance(e, Slot):
            return self._note(*self.iv[e.index])
        if isinstance(e, Elem):
            for idx in e.indices:
                lo, hi = self.interval(idx)
                self._note(lo - 1, hi + 1)
            ivs = [self.iv[s] for _, s in elem_slots(e, self.n)] or [(0, 0)]
            return self._note(min(a for a, _ in ivs), max(b for _, b in ivs))
        if isinstance(e, Unop):
            lo, hi = self.interval(e.a)
            return (0, 1) if e.op == "not" else self._note(-hi, -lo)
        if isinstance(e, Ite):
            self.interval(e.cond)
            a, b = self.interval(e.then), self.interval(e.other)
            return min(a[0], b[0]), max(a[1], b[1])
        a, b = self.interval(e.a), self.interval(e.b)
        if e.op in _CMP:
            return 0, 1
        if e.op == "+":
            return self._note(a[0] + b[0], a[1] + b[1])
        if e.op == "-":
            return self._note(a[0] - b[1], a[1] - b[0])
        if e.op == "*":
            ps = [x * y for x in a for y in b]
            return self._note(min(ps), max(ps))
        m = max(abs(a[0]), abs(a[1]))
        if e.op == "%":
            m = min(m, max(abs(b[0]), abs(b[1])))
        return self._note(-m, m)


# ----------------------------------------------------------------------------- encoder

class Encoder:
    def __init__(self, prog: Program):
        self.prog = prog
        self.width = Widths(prog).width
        self.props: list[str] = []
        self._codes: dict[str, int] = {}
        self.nslots = len(prog.slots)

    def bv(self, v: int):
        return z3.BitVecVal(v, self.width)

    def code(self, prop: str) -> int:
        if prop not in self._codes:
            self._codes[prop] = len(self.props)
            self.props.append(prop)
        return self._codes[prop]

    def as_bv(self, x, isbool):
        return z3.If(x, self.bv(1), self.bv(0)) if isbool else x

    def as_bool(self, x, isbool):
        return x if isbool else x != self.bv(0)

    def val(self, e, st):
        x, b, errs = self.ev(e, st)
        return self.as_bv(x, b), errs

    def cond(self, e, st):
        x, b, errs = self.ev(e, st)
        return self.as_bool(x, b), errs

    def ev(self, e, st):
        """(term, is_bool, errors) of expression e in state st, as compile.compile_expr."""
        if isinstance(e, Const):
            return self.bv(e.value), False, []
        if isinstance(e, Slot):
            return st[e.index], False, []
        if isinstance(e, Elem):
            cases, errs = self.elem(e, st)
            v = self.bv(0)
            for c, slot in reversed(cases):
                v = ITE(c, st[slot], v)
            return v, False, errs
        if isinstance(e, Unop):
            if e.op == "not":
                c, errs = self.cond(e.a, st)
                return NOT(c), True, errs
            a, errs = self.val(e.a, st)
            return -a, False, errs
        if isinstance(e, Ite):
            c, ce = self.cond(e.cond, st)
            t, tb, te = self.ev(e.then, st)
            o, ob, oe = self.ev(e.other, st)
            errs = ce + guarded(c, te) + guarded(NOT(c), oe)
            if tb and ob:
                return ITE(c, t, o), True, errs
            return ITE(c, self.as_bv(t, tb), self.as_bv(o, ob)), False, errs
        op = e.op
        if op in ("and", "or"):
            a, ae = self.cond(e.a, st)
            b, be = self.cond(e.b, st)
            if op == "and":
                return AND(a, b), True, ae + guarded(a, be)
            return OR(a, b), True, ae + guarded(NOT(a), be)
        if op in ("/", "%"):
            b, be = self.val(e.b, st)  # compile.py evaluates the divisor first
            a, ae = self.val(e.a, st)
            errs = be + [(b == self.bv(0), self.code("div-zero"))] + ae
            return (a / b if op == "/" else z3.SRem(a, b)), False, errs
        a, ae = self.val(e.a, st)
        b, be = self.val(e.b, st)
        errs = ae + be
        f = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}.get(op)
        if f is not None:
            return f(), False, errs
        rel = {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b,
               "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}.get(op)
        if rel is None:
            raise ValueError(f"unknown operator {op}")
        return rel(), True, errs

    def elem(self, e: Elem, st):
        """[(condition, slot)] for the slots e may name, and the index errors in order."""
        vals, errs = [], []
        for idx, size, is_ref in zip(e.indices, e.sizes, e.null_based):
            v, ve = self.val(idx, st)
            errs += ve
            if is_ref:
                errs.append((v == self.bv(0), self.code("null-deref")))
                v = v - self.bv(1)
            errs.append((OR(v < self.bv(0), v >= self.bv(size)), self.code("bounds")))
            vals.append(v)
        cases = [(AND(*[v == self.bv(i) for v, i in zip(vals, combo)]), slot)
                 for combo, slot in elem_slots(e, self.nslots)]
        return cases, errs

    # ------------------------------------------------------------------ effects

    def effect(self, eff, st):
        """Apply an effect to st in place; return its errors (judged before the write)."""
        if isinstance(eff, Check):
            c, errs = self.cond(eff.cond, st)
            return errs + [(NOT(c), self.code(eff.prop))]
        v, errs = self.val(eff.value, st)
        rng = self.code("range")

        def out_of(slot):
            t = self.prog.slots[slot].type
            return OR(v < self.bv(t.lo), v > self.bv(t.hi))

        if isinstance(eff.target, Slot):
            i = eff.target.index
            errs = errs + [(out_of(i), rng)]
            st[i] = v
            return errs
        cases, oe = self.elem(eff.target, st)
        errs = errs + oe + [(OR(*[AND(c, out_of(s)) for c, s in cases]), rng)]
        for c, s in cases:
            st[s] = ITE(c, v, st[s])
        return errs

    def invariant_errors(self, st):
        errs = []
        for inv in self.prog.invariants:
            c, ce = self.cond(inv.expr, st)
            errs += ce + [(NOT(c), self.code(inv.name))]
        return errs

    # ------------------------------------------------------------------ context rules

    def _cpus(self, cpu):
        """[(condition, concrete cpu)] for an int or a symbolic cpu."""
        if isinstance(cpu, int):
            return [(TRUE, cpu)]
        return [(cpu == self.bv(c), c) for c in range(self.prog.cpus)]

    def set_occ(self, st, cpu, level, value):
        v = self.bv(value)
        for c, k in self._cpus(cpu):
            slot = self.prog.occ[k][level]
            st[slot] = ITE(c, v, st[slot])

    def _nz(self, st, slot):
        return st[slot] != self.bv(0)

    def _irq_clear(self, st, occ_val):
        """The thread occupying (1 + index in occ_val) has IRQs enabled."""
        return OR(*[AND(occ_val == self.bv(u + 1), st[th.irq_slot] == self.bv(0))
                    for u, th in enumerate(self.prog.threads)])

    def _preemptible(self, st, occ_val):
        return OR(*[AND(occ_val == self.bv(u + 1), st[th.irq_slot] == self.bv(0),
                        st[th.preempt_slot] == self.bv(0))
                    for u, th in enumerate(self.prog.threads)])

    def can_start(self, st, t: int, cpu):
        return OR(*[AND(c, self._can_start(st, t, k)) for c, k in self._cpus(cpu)])

    def _can_start(self, st, t, c):
        lvl = self.prog.threads[t].level
        row = self.prog.occ[c]
        if lvl == TASK:
            cur = st[row[0]]
            return AND(*[NOT(self._nz(st, row[x])) for x in (1, 2, 3)],
                       OR(cur == self.bv(0), self._preemptible(st, cur)))
        free = AND(*[NOT(self._nz(st, row[x])) for x in range(lvl, 4)])
        if lvl == NMI:
            return free
        below = TRUE  # idle cpu: any context may start
        for x in range(lvl):  # the highest occupied level below lvl is the top
            below = ITE(self._nz(st, row[x]), self._irq_clear(st, st[row[x]]), below)
        return AND(free, below)

    def can_run(self, st, t: int):
        th = self.prog.threads[t]
        return OR(*[AND(c, self._can_run(st, t, k)) for c, k in self._cpus(st[th.cpu_slot])])

    def _can_run(self, st, t, c):
        lvl = self.prog.threads[t].level
        row = self.prog.occ[c]
        if lvl == TASK:
            cur = st[row[0]]
            return AND(*[NOT(self._nz(st, row[x])) for x in (1, 2, 3)],
                       OR(cur == self.bv(0), cur == self.bv(t + 1), self._preemptible(st, cur)))
        return AND(*[NOT(self._nz(st, row[x])) for x in range(lvl + 1, 4)],
                   st[row[lvl]] == self.bv(t + 1))

    def mid_run(self, st):
        """Some thread stands inside a run (machine.deadlocked's first condition)."""
        out = []
        for th in self.prog.threads:
            pc = st[th.pc_slot]
            starts = [k for k, ins in enumerate(th.code) if isinstance(ins, RunStart)]
            out.append(AND(pc != self.bv(-1), *[pc != self.bv(k) for k in starts]))
        return OR(*out)
