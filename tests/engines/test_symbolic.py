"""The symbolic engine against the explicit one on small hand-built IR programs.

Each scenario is checked by explicit BFS and by the symbolic engine in both units: the verdicts
must agree, and in steps mode the counterexample must be as short as the explicit one.
"""
from __future__ import annotations

import pytest

from refine.engines import explicit, symbolic
from refine.engines.result import HOLDS, INCONCLUSIVE, VIOLATED
from refine.ir.model import (BOOL, HARDIRQ, NMI, SOFTIRQ, TASK, Assign, Binop, Branch, Check,
                             Const, Elem, Goto, Invariant, Op, Program, RunEnd, RunStart, Slot,
                             SlotInfo, Thread, Type)


# ----------------------------------------------------------------------------- IR builder

def I(v):
    return Type("int", 0, v, "int")


class Builder:
    def __init__(self, cpus=1):
        self.cpus = cpus
        self.slots: list[SlotInfo] = []
        self.threads: list[Thread] = []
        self.invariants: list[Invariant] = []

    def var(self, name, typ=None, init=0, kind="state"):
        self.slots.append(SlotInfo(name, typ or I(7), init, kind))
        return len(self.slots) - 1

    def thread(self, name, level, cpu, body, runs=1, when=None, reset=()):
        """body: (slots of this thread) -> instructions, jump targets relative to the body."""
        t = len(self.threads)
        pc = self.var(f"{name}.pc", Type("int", -1, 255), 0, "pc")
        cs = self.var(f"{name}.cpu", I(self.cpus - 1), cpu or 0, "cpu")
        irq = self.var(f"{name}.irq", BOOL, 0, "ctx")
        pre = self.var(f"{name}.preempt", I(3), 0, "ctx")
        ids = {"irq": irq, "preempt": pre, "cpu": cs, "t": t}
        code = []
        for r in range(runs):
            code.append(RunStart(r, when, tuple(reset)))
            base = len(code)
            for ins in body(ids):
                if isinstance(ins, Branch):
                    ins = Branch(ins.cond, ins.target + base)
                elif isinstance(ins, Goto):
                    ins = Goto(ins.target + base)
                code.append(ins)
            code.append(RunEnd(r))
        self.threads.append(Thread(name, name, level, cpu, runs, tuple(code), pc, cs, irq, pre))
        return t

    def inv(self, name, expr):
        self.invariants.append(Invariant(name, expr))

    def build(self) -> Program:
        occ = [[self.var(f"cpu{c}.{lvl}", I(len(self.threads)), 0, "sched") for lvl in range(4)]
               for c in range(self.cpus)]
        return Program("t", "t.kspec", self.cpus, self.slots, self.threads, self.invariants, occ)


def S(i):
    return Slot(i)


def C(v):
    return Const(v)


def op(*effects, guard=None):
    return Op(tuple(effects), True, guard)


def hidden(*effects):
    return Op(tuple(effects), False)


def set_(slot, e):
    return Assign(Slot(slot), e)


def add(a, b):
    return Binop("+", a, b)


def eq(a, b):
    return Binop("==", a, b)


def ne(a, b):
    return Binop("!=", a, b)


def implies(a, b):
    return Binop("or", Binop("==", a, C(0)), b)


def check(cond, prop="assert"):
    return Check(cond, prop, f"{prop} failed")


# ----------------------------------------------------------------------------- harness

def run_all(prog, max_depth=40):
    ex = explicit.search(prog, max_depth=200)
    st = symbolic.check(prog, max_depth=max_depth, unit="steps")
    rd = symbolic.check(prog, max_depth=max_depth, unit="rounds")
    assert st.verdict == ex.verdict, (st.summary(), ex.summary())
    assert rd.verdict == ex.verdict, (rd.summary(), ex.summary())
    if ex.verdict == VIOLATED:
        assert st.depth == ex.depth == len(st.trace) == len(ex.trace)
        assert st.trace.violation.prop == ex.trace.violation.prop
        assert rd.trace.violation.prop == ex.trace.violation.prop
        assert len(rd.trace) >= ex.depth
        assert rd.depth <= st.depth
    if ex.verdict == HOLDS and ex.complete:
        assert st.complete and rd.complete
    return ex, st, rd


def increments(atomic, cpu0=0, cpu1=0, level1=TASK):
    """Two threads add 1 to x; done counts finished increments; x == done must hold at 2."""
    b = Builder(cpus=max(cpu0, cpu1) + 1)
    x, done = b.var("x"), b.var("done")
    for name, cpu, lvl in (("a", cpu0, TASK), ("b", cpu1, level1)):
        r = b.var(f"{name}.r", kind="local")
        if atomic:
            b.thread(name, lvl, cpu, lambda ids: [
                op(set_(x, add(S(x), C(1))), set_(done, add(S(done), C(1))))])
        else:
            b.thread(name, lvl, cpu, lambda ids, r=r: [
                op(set_(r, S(x))),
                op(set_(x, add(S(r), C(1))), set_(done, add(S(done), C(1))))])
    b.inv("sum", implies(eq(S(done), C(2)), eq(S(x), C(2))))
    return b.build()


# ----------------------------------------------------------------------------- scenarios

def test_lost_update_same_cpu_tasks():
    ex, st, rd = run_all(increments(atomic=False))
    assert ex.verdict == VIOLATED and ex.depth == 4
    assert rd.depth == 2  # a loads; b loads and stores; a stores


def test_lost_update_two_cpus():
    ex, st, rd = run_all(increments(atomic=False, cpu1=1))
    assert ex.verdict == VIOLATED and st.depth == 4


def test_lost_update_hardirq_interrupts_task():
    ex, st, rd = run_all(increments(atomic=False, level1=HARDIRQ))
    assert ex.verdict == VIOLATED
    assert rd.depth == 2


def test_atomic_increment_holds_completely():
    ex, st, rd = run_all(increments(atomic=True))
    assert ex.verdict == HOLDS and ex.complete
    assert st.complete and rd.complete
    assert rd.depth <= 2


def irq_disabled_task(level, cpus=1, task_cpu=0, irq_cpu=0):
    """The task sets x = 1 only with IRQs off; an interrupt on cpu irq_cpu asserts x == 0."""
    b = Builder(cpus=cpus)
    x = b.var("x", BOOL)
    b.thread("task", TASK, task_cpu, lambda ids: [
        op(set_(ids["irq"], C(1))), op(set_(x, C(1))),
        op(set_(x, C(0)), set_(ids["irq"], C(0)))])
    b.thread("irq", level, irq_cpu, lambda ids: [op(check(eq(S(x), C(0))))])
    return b.build()


def test_hardirq_cannot_interrupt_irq_disabled_task():
    ex, st, rd = run_all(irq_disabled_task(HARDIRQ))
    assert ex.verdict == HOLDS and ex.complete


def test_softirq_cannot_interrupt_irq_disabled_task():
    ex, st, rd = run_all(irq_disabled_task(SOFTIRQ))
    assert ex.verdict == HOLDS and ex.complete


def test_nmi_interrupts_irq_disabled_task():
    ex, st, rd = run_all(irq_disabled_task(NMI))
    assert ex.verdict == VIOLATED and ex.depth == 3


def test_any_cpu_task_must_pick_the_other_cpu():
    # the task may run on cpu 0 or 1; the hardirq on cpu 1 only sees x == 1 if the task is on 0
    prog = irq_disabled_task(HARDIRQ, cpus=2, task_cpu=None, irq_cpu=1)
    ex, st, rd = run_all(prog)
    assert ex.verdict == VIOLATED
    assert st.trace.actions[0] == (0, 0, 0) and rd.trace.actions[0] == (0, 0, 0)


def flag_protocol(correct):
    """b publishes x then flag; a awaits flag and asserts x. Wrong order breaks it."""
    b = Builder()
    x, flag = b.var("x", BOOL), b.var("flag", BOOL)
    b.thread("a", TASK, 0, lambda ids: [op(check(eq(S(x), C(1))), guard=eq(S(flag), C(1)))])
    pub = [op(set_(x, C(1))), op(set_(flag, C(1)))]
    b.thread("b", TASK, 0, lambda ids: pub if correct else pub[::-1])
    return b.build()


def test_await_blocks_until_published():
    ex, st, rd = run_all(flag_protocol(correct=True))
    assert ex.verdict == HOLDS and ex.complete


def test_await_with_wrong_publication_order():
    ex, st, rd = run_all(flag_protocol(correct=False))
    assert ex.verdict == VIOLATED and ex.depth == 2


def test_unwind_is_inconclusive():
    b = Builder()
    x = b.var("x", BOOL)
    b.thread("a", TASK, 0, lambda ids: [op(set_(x, C(1)))])
    b.thread("b", TASK, 0, lambda ids: [op(check(eq(S(x), C(0)), "unwind"))])
    ex, st, rd = run_all(b.build())
    assert ex.verdict == INCONCLUSIVE
    assert "bound of the model" in st.reason and "bound of the model" in rd.reason


def abba(ordered):
    b = Builder(cpus=2)
    m, n = b.var("m", BOOL), b.var("n", BOOL)

    def locker(first, second):
        return lambda ids: [
            op(set_(first, C(1)), guard=eq(S(first), C(0))),
            op(set_(second, C(1)), guard=eq(S(second), C(0))),
            op(set_(second, C(0)), set_(first, C(0)))]

    b.thread("a", TASK, 0, locker(m, n))
    b.thread("b", TASK, 1, locker(m, n) if ordered else locker(n, m))
    return b.build()


def test_abba_deadlock():
    ex, st, rd = run_all(abba(ordered=False))
    assert ex.verdict == VIOLATED and ex.trace.violation.prop == "deadlock"
    assert st.depth == 2 and rd.depth == 1
    assert st.trace.violation.prop == rd.trace.violation.prop == "deadlock"


def test_ordered_locks_no_deadlock():
    ex, st, rd = run_all(abba(ordered=True))
    assert ex.verdict == HOLDS and ex.complete


def test_long_counterexample_needs_few_rounds():
    b = Builder()
    x, y = b.var("x", I(20)), b.var("y", I(20))
    b.thread("a", TASK, 0, lambda ids: [op(set_(x, add(S(x), C(1)))) for _ in range(15)])
    b.thread("b", TASK, 0, lambda ids: [op(guard=eq(S(x), C(15)))] +
             [op(set_(y, add(S(y), C(1)))) for _ in range(15)])
    b.thread("c", HARDIRQ, 0, lambda ids: [op(check(ne(S(y), C(15))))])
    ex, st, rd = run_all(b.build(), max_depth=40)
    assert ex.verdict == VIOLATED and ex.depth == st.depth == 32  # 15 + await + 15 + check
    assert rd.depth == 1 and len(rd.trace) == 32


def test_branches_runs_and_builtin_checks():
    # a loop unrolled into branches, two runs, an array indexed by a computed value, division
    b = Builder()
    arr = [b.var(f"arr{i}", I(3)) for i in range(3)]
    i, d, n = b.var("i", I(3)), b.var("d", Type("int", 0, 2)), b.var("n")
    el = Elem(arr[0], (S(i),), (3,), (1,), (False,))
    b.thread("w", TASK, 0, runs=2, body=lambda ids: [
        Branch(eq(S(i), C(3)), 3),
        op(Assign(el, add(el, C(1)))),
        hidden(set_(i, add(S(i), C(1)))),
        op(set_(n, add(S(n), C(1))), set_(d, Binop("/", C(2), Binop("-", C(2), S(i)))))])
    ex, st, rd = run_all(b.build())
    assert ex.verdict == VIOLATED
    assert ex.trace.violation.prop == "div-zero"


def test_range_violation():
    b = Builder()
    x = b.var("x", I(2))
    b.thread("w", TASK, 0, runs=3, body=lambda ids: [op(set_(x, add(S(x), C(1))))])
    ex, st, rd = run_all(b.build())
    assert ex.verdict == VIOLATED and ex.trace.violation.prop == "range" and ex.depth == 3
    assert rd.depth == 1


def test_max_depth_bound_is_not_complete():
    prog = increments(atomic=True)
    r = symbolic.check(prog, max_depth=1, unit="steps")
    assert r.verdict == HOLDS and not r.complete and r.depth == 1


def test_progress_is_reported():
    seen = []
    symbolic.check(increments(atomic=False), unit="rounds",
                   progress=lambda d, s, c: seen.append((d, c)))
    assert seen and seen[0][0] == 1


def unchanged_state_violation():
    """The failing check is the first effect of a step, so the violating state equals the state
    before the step."""
    b = Builder()
    x = b.var("x", BOOL)
    b.thread("w", TASK, 0, lambda ids: [op(set_(x, C(1))), op(check(eq(S(x), C(0))))])
    return b.build()


def test_violation_that_leaves_state_unchanged():
    prog = unchanged_state_violation()
    st = symbolic.check(prog, unit="steps")
    rd = symbolic.check(prog, unit="rounds")
    assert st.verdict == rd.verdict == VIOLATED  # both replayed through the machine
    assert st.depth == 2 and rd.depth == 1
    assert st.trace.violation.prop == "assert"


def test_explicit_agrees_on_unchanged_state_violation():
    # regression: explicit search once skipped a violating step whose end state was already seen
    r = explicit.search(unchanged_state_violation())
    assert r.verdict == VIOLATED and r.depth == 2


# ----------------------------------------------------------------------------- random programs

def oracle(prog):
    """A reference search over machine.py: (verdict, shortest violation in steps or None,
    longest execution in steps, most rounds any execution needs)."""
    from functools import lru_cache

    from refine.engines.machine import Machine
    m = Machine(prog)
    init = prog.initial()
    if m.check_invariants(init):
        return VIOLATED, 0, None, None
    seen, frontier, depth, unwind = {init}, [init], 0, False
    while frontier:
        if any(m.deadlocked(s) for s in frontier):
            return VIOLATED, depth, None, None
        nxt, bad = [], False
        for s in frontier:
            for _, new, v in m.successors(s):
                if v is not None:
                    unwind |= v.inconclusive
                    bad |= not v.inconclusive
                elif new not in seen:
                    seen.add(new)
                    nxt.append(new)
        depth += 1
        if bad:
            return VIOLATED, depth, None, None
        frontier = nxt

    @lru_cache(maxsize=None)
    def longest(s, last):  # (steps, new rounds) of the longest continuations
        best = (0, 0)
        for (t, _, _), new, v in m.successors(s):
            more = (0, 0) if v is not None else longest(new, t)
            best = (max(best[0], 1 + more[0]), max(best[1], (t < last) + more[1]))
        return best

    steps, rounds = longest(init, len(prog.threads))
    return (INCONCLUSIVE if unwind else HOLDS), None, steps, rounds


def random_program(rng):
    b = Builder(cpus=rng.choice((1, 1, 2)))
    xs = [b.var(f"v{i}", I(rng.choice((1, 2, 3)))) for i in range(rng.choice((2, 3)))]

    def expr():
        a = S(rng.choice(xs))
        return rng.choice((a, add(a, C(rng.randint(0, 1))), C(rng.randint(0, 2))))

    def body(ids):
        code = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            n = len(code)
            if kind < 0.4:
                code.append(op(set_(rng.choice(xs), expr())))
            elif kind < 0.5:
                code.append(op(set_(rng.choice(xs), expr()), guard=eq(expr(), expr())))
            elif kind < 0.6:
                code.append(op(check(Binop(rng.choice(("<=", "!=")), expr(), expr()),
                                     rng.choice(("assert", "assert", "unwind")))))
            elif kind < 0.7:
                code += [op(set_(ids["irq"], C(1))), op(set_(rng.choice(xs), expr())),
                         op(set_(ids["irq"], C(0)))]
            elif kind < 0.8:
                code += [Branch(eq(expr(), expr()), n + 2), hidden(set_(rng.choice(xs), expr()))]
            else:
                code.append(hidden(set_(rng.choice(xs), expr())))
        return code

    for k in range(rng.choice((2, 2, 3))):
        level = rng.choice((TASK, TASK, SOFTIRQ, HARDIRQ, NMI))
        cpu = rng.choice((None, 0)) if level == TASK else rng.randrange(b.cpus)
        when = eq(S(xs[0]), C(0)) if rng.random() < 0.15 else None
        b.thread(f"t{k}", level, cpu, body, runs=rng.choice((1, 1, 2)), when=when)
    if rng.random() < 0.3:
        b.inv("inv", Binop("<=", S(xs[0]), add(S(xs[1]), C(1))))
    return b.build()


def fewest_rounds_to_violation(prog):
    """0-1 BFS over (state, last thread): a step by a lower thread than the last starts a round."""
    from collections import deque

    from refine.engines.machine import Machine
    m = Machine(prog)
    n = len(prog.threads)
    start = (prog.initial(), n)
    dist, todo, best = {start: 0}, deque([start]), None
    while todo:
        node = todo.popleft()
        s, last = node
        d = dist[node]
        if m.deadlocked(s):
            best = d if best is None else min(best, d)
        for (t, _, _), new, v in m.successors(s):
            nd = d + (t < last)
            if v is not None:
                if not v.inconclusive:
                    best = nd if best is None else min(best, nd)
                continue
            key = (new, t)
            if key not in dist or dist[key] > nd:
                dist[key] = nd
                (todo.append if t < last else todo.appendleft)(key)
    return best


@pytest.mark.parametrize("seed", range(150))
def test_random_programs_agree_with_reference(seed):
    import random
    prog = random_program(random.Random(seed))
    verdict, depth, longest, rounds = oracle(prog)
    st = symbolic.check(prog, max_depth=60, unit="steps")
    rd = symbolic.check(prog, max_depth=60, unit="rounds")
    assert st.verdict == rd.verdict == verdict, (st.summary(), rd.summary(), verdict)
    if verdict == VIOLATED:
        assert st.depth == depth
        assert rd.depth <= st.depth
        assert rd.depth == fewest_rounds_to_violation(prog)
    if verdict == HOLDS:
        assert st.complete and st.depth == longest
        assert rd.complete and rd.depth == rounds


def test_the_time_limit_holds_while_a_large_frame_is_being_encoded():
    """Encoding one round of a large spec takes minutes; --timeout must end it all the same."""
    import time

    from refine.engines.limits import Limits
    from refine.load import load as load_spec
    from tests.conftest import ROOT
    prog = load_spec(str(ROOT / "specs/deferred_free.kspec"))
    t0 = time.monotonic()
    r = symbolic.check(prog, max_depth=4, unit="rounds", limits=Limits(timeout=2))
    assert r.verdict == INCONCLUSIVE and "time limit" in r.reason
    assert time.monotonic() - t0 < 20
