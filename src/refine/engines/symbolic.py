"""Symbolic engine: incremental bounded model checking with Z3 over bit-vectors.

One solver holds the unrolled transition relation; frame k is added for good and the question
"is a violation reachable at exactly frame k" is asked under push/pop, so the first SAT answer
is a shortest counterexample in the engine's unit:

- steps: a frame is one step of one action (the explicit engine's unit);
- rounds: a frame is a round in which threads 0..n-1 each run a burst of zero or more steps
  (context-bounded checking), so depth grows with the interleavings that matter.

Every counterexample is read back as a list of actions from the model's choice variables and
replayed through the reference machine, which must agree.
"""
from __future__ import annotations

import time

import z3

from ..ir.model import Check, Op, Program, RunStart
from ..trace.trace import ReplayError, replay
from . import burst
from .encode import AND, FALSE, ITE, NOT, OR, UNWIND, Encoder
from .limits import Limits
from .machine import Machine, Violation
from .result import HOLDS, INCONCLUSIVE, VIOLATED, Result

DEADLOCK = Violation("deadlock", "no thread can make progress while some are mid-run", 0)


class _Unknown(Exception):
    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class _Frame:
    """The symbolic state at a frame boundary: slots, halted (a violation ended the run) and
    the code of that violation."""

    def __init__(self, st, halted, code):
        self.st, self.halted, self.code = st, halted, code
        self.passes = None  # single-step passes from this state, built on demand
        self.picks = None  # per pass: the (choice variable, number of values) it made
        self.choices = []  # steps: the selector; rounds: per thread, the burst's Pass
        self.stepped = []  # rounds: per thread, it took a step in the round ending here


class _Engine:
    def __init__(self, prog: Program, unit: str, limits: Limits | None, query_timeout: float,
                 progress):
        if unit not in ("steps", "rounds"):
            raise ValueError(f"unknown unit {unit!r}: 'steps' or 'rounds'")
        self.prog, self.unit, self.progress = prog, unit, progress
        self.limits = limits or Limits()
        self.query_timeout = query_timeout
        self.m = Machine(prog)
        self.enc = Encoder(prog)
        # QF_FD is z3's incremental bit-blasting SAT solver: push/pop keep learnt clauses, where
        # the default solver falls back to its SMT core and slows down badly with depth.
        self.solver = z3.SolverFor("QF_FD")
        self.calls = 0
        self.t0 = time.monotonic()
        self.actions = [(t, c) for t, th in enumerate(prog.threads)
                        for c in (range(prog.cpus) if th.cpu is None else (th.cpu,))]
        enc = self.enc
        init = _Frame([enc.bv(v) for v in prog.initial()], FALSE, enc.bv(0))
        self.frames = [init]
        self.unwind_code = enc.code(UNWIND)
        # a halted execution is a violation unless it ended at a bound of the model (unwind,
        # inconclusive) or at a property not under check (--only): then it simply ends
        self.unreported = [self.unwind_code] + [enc.code(p) for p in sorted(prog.silent)]
        self.deadlock_on = "deadlock" not in prog.checks_off
        self.has_unwind = any(isinstance(e, Check) and e.prop == UNWIND
                              for th in prog.threads for ins in th.code if isinstance(ins, Op)
                              for e in ins.effects)

    # ------------------------------------------------------------------ solver

    def query(self, formula) -> bool:
        """SAT of the unrolling plus formula; the model is kept in self.model."""
        ms = self.query_timeout * 1000
        rem = self.limits.remaining()
        if rem is not None:
            ms = min(ms, rem * 1000)
        self.solver.set("timeout", max(1, int(ms)))
        self.solver.push()
        self.solver.add(formula)
        self.calls += 1
        r = self.solver.check()
        if r == z3.sat:
            self.model = self.solver.model()
        self.solver.pop()
        if r == z3.unknown:
            why = self.solver.reason_unknown()
            if "timeout" in why or "canceled" in why:
                why = f"a solver query timed out ({why})"
            raise _Unknown(f"the solver could not decide: {why}")
        return r == z3.sat

    def chooser(self, prefix: str, t: int, made: list | None = None):
        """choice_at for burst.run: one bounded variable per choice op a step may start at
        (each variable and its number of values is appended to `made`, if given)."""
        code = self.prog.threads[t].code

        def choice_at(k):
            v = z3.BitVec(f"{prefix}_{k}", self.enc.width)
            self.solver.add(v >= 0, v < self.enc.bv(code[k].choose[1]))
            if made is not None:
                made.append((v, code[k].choose[1]))
            return v
        return choice_at

    def in_time(self, where: str) -> None:
        """Encoding a frame of a large spec takes long too: the limits hold there as well."""
        stop = self.limits.exceeded(0)
        if stop:
            raise _Unknown(f"{stop} {where}")

    def _fresh(self, prefix: str, exprs):
        vs = [z3.BitVec(f"{prefix}_{i}", self.enc.width) for i in range(len(exprs))]
        self.solver.add(*[v == e for v, e in zip(vs, exprs)])
        return vs

    # ------------------------------------------------------------------ single steps

    def passes(self, fr: _Frame):
        """One pure single-step pass per action from fr's state: [(action, Pass)]."""
        if fr.passes is None:
            fr.passes = []
            fr.picks = []
            self.npass = getattr(self, "npass", 0) + 1
            for t, c in self.actions:
                th = self.prog.threads[t]
                pc = fr.st[th.pc_slot]
                code, enc, st = th.code, self.enc, fr.st

                def start(k, pc=pc, code=code, th=th, c=c, st=st):
                    at = pc == enc.bv(k)
                    if th.cpu is None and not isinstance(code[k], RunStart):
                        at = AND(at, st[th.cpu_slot] == enc.bv(c))
                    return at

                made = []
                p = burst.run(enc, t, st, start, lambda k, c=c: c, lambda k: FALSE,
                              self.chooser(f"pick{self.npass}_{t}_{c}", t, made),
                              lambda: self.in_time("while encoding a step"))
                fr.passes.append(((t, c), p))
                fr.picks.append(made)
        return fr.passes

    def any_enabled(self, fr):
        """Some action can take a step from fr's state. A step that begins at a choice is
        enabled if SOME value enables it (`atomic { let x = nondet(); await (x || c); }`), so
        the choice variables are not left free: in the deadlock query, which negates this,
        a free variable would let the solver pick the blocking value."""
        out = []
        for (_, p), made in zip(self.passes(fr), fr.picks):
            e = p.enabled()
            if made:
                n = max(m for _, m in made)
                # one step begins at one instruction: only one of these variables matters
                e = OR(*[z3.substitute(e, *[(v, self.enc.bv(min(i, m - 1))) for v, m in made])
                         for i in range(n)])
            out.append(e)
        return OR(*out)

    def add_step_frame(self, k: int):
        prev = self.frames[-1]
        enc = self.enc
        ps = self.passes(prev)
        sel = z3.BitVec(f"sel_{k}", 16)
        self.solver.add(NOT(prev.halted), z3.ULT(sel, len(ps)))
        st, halted, code = list(prev.st), FALSE, enc.bv(0)
        for i, (_, p) in reversed(list(enumerate(ps))):
            on = sel == i
            self.solver.add(z3.Implies(on, p.enabled()))
            st = [ITE(on, a, b) for a, b in zip(p.final, st)]
            halted = ITE(on, p.violated(), halted)
            code = ITE(on, p.code(enc), code)
        h = z3.Bool(f"halted_{k}")
        self.solver.add(h == halted)
        fr = _Frame(self._fresh(f"s{k}", st), h, self._fresh(f"code{k}", [code])[0])
        fr.choices = [sel, ps]
        self.frames.append(fr)

    # ------------------------------------------------------------------ rounds

    def add_round_frame(self, r: int):
        enc = self.enc
        cur = self.frames[-1]
        st, halted, code = cur.st, cur.halted, cur.code
        bursts = []
        for t, th in enumerate(self.prog.threads):
            go = z3.Bool(f"go_{r}_{t}")
            live = AND(go, NOT(halted))
            pc = st[th.pc_slot]
            cpus = {}

            def start(k, pc=pc, live=live):
                return AND(live, pc == enc.bv(k))

            def cpu_at(k, t=t, th=th, cpus=cpus):
                if th.cpu is not None:
                    return th.cpu
                if k not in cpus:
                    v = z3.BitVec(f"cpu_{r}_{t}_{k}", enc.width)
                    self.solver.add(v >= 0, v < enc.bv(self.prog.cpus))
                    cpus[k] = v
                return cpus[k]

            p = burst.run(enc, t, st, start, cpu_at,
                          lambda k, t=t: z3.Bool(f"cont_{r}_{t}_{k}"),
                          self.chooser(f"pick_{r}_{t}", t),
                          lambda r=r: self.in_time(f"while encoding round {r}"))
            for c, rule in p.ctx:
                self.solver.add(z3.Implies(c, rule))
            for b in p.blocked:
                self.solver.add(NOT(b))
            bad = p.violated()
            new_code = ITE(halted, code, p.code(enc))
            h = z3.Bool(f"halted_{r}_{t}")
            self.solver.add(h == OR(halted, bad))
            st = self._fresh(f"s{r}_{t}", p.final)
            code = self._fresh(f"code{r}_{t}", [new_code])[0]
            halted = h
            bursts.append(p)
        fr = _Frame(st, halted, code)
        fr.choices = bursts
        fr.stepped = [z3.Bool(f"stepped_{r}_{t}") for t in range(len(bursts))]
        for v, p in zip(fr.stepped, bursts):
            self.solver.add(v == OR(*[c for _, c, _, _ in p.starts]))
        if r > 1:  # only the greedy split of each execution: far fewer models to refute
            self.solver.add(z3.Implies(OR(*fr.stepped), self.follows(cur, fr)))
        self.frames.append(fr)

    def next_frame(self, fr: _Frame):
        """An execution can go on past fr into a new frame: steps, any action enabled; rounds,
        an action of a thread lower than the last one that stepped in fr (a higher one would
        only extend fr's round)."""
        if self.unit == "steps":
            return self.any_enabled(fr)
        n = len(fr.stepped)
        return OR(*[AND(p.enabled(), OR(*fr.stepped[t + 1:]))
                    for (t, _), p in self.passes(fr) if t < n - 1])

    def follows(self, prev: _Frame, nxt: _Frame):
        """Round nxt starts a new round of the greedy split after prev: prev took a step and
        nxt's first thread is lower than prev's last one (else nxt's steps would extend prev).

        Rounds are restricted to greedy splits (empty rounds only at the end), so each execution
        has one encoding, and an execution needing more than k rounds has a k-round prefix that
        ends where a lower thread than the last can step: when none exists (next_frame),
        every execution fits in k rounds."""
        n = len(prev.stepped)
        return OR(*[AND(nxt.stepped[a], prev.stepped[b])
                    for a in range(n) for b in range(a + 1, n)])

    # ------------------------------------------------------------------ counterexamples

    def actions_of_model(self, k: int):
        """The actions of frames 1..k, read from the selectors or the burst choices."""
        m = self.model
        out = []
        for fr in self.frames[1:k + 1]:
            if self.unit == "steps":
                sel, ps = fr.choices
                i = m.eval(sel, model_completion=True).as_long()
                t, c = self.actions[i]
                picks = [self._value(pick) for _, on, _, pick in ps[i][1].starts
                         if z3.is_true(m.eval(on, model_completion=True))]
                out.append((t, c, picks[0] if picks else 0))
                continue
            for t, p in enumerate(fr.choices):
                taken = [(node, self._value(cpu), self._value(pick))
                         for node, on, cpu, pick in p.starts
                         if z3.is_true(m.eval(on, model_completion=True))]
                out += [(t, cpu, pick) for _, cpu, pick in sorted(taken)]
        return out

    def _value(self, term) -> int:
        return self.model.eval(term, model_completion=True).as_signed_long()

    def violation_of_model(self, k: int) -> Violation:
        code = self.model.eval(self.frames[k].code, model_completion=True).as_long()
        return Violation(self.enc.props[code], "", 0)

    # ------------------------------------------------------------------ driver

    def result(self, verdict, depth, **kw):
        stats = {"solver_calls": self.calls, "seconds": round(time.monotonic() - self.t0, 3),
                 "bits": self.enc.width}
        return Result(verdict, "symbolic", self.prog.bounds(), self.unit, depth, stats=stats,
                      **kw)

    def run(self, max_depth: int) -> Result:
        m, init = self.m, self.prog.initial()
        v = m.check_invariants(init)
        if v is not None:
            trace = replay(m, [], expect=v)
            return self.result(VIOLATED, 0, trace=trace, reason=v.message)
        if m.deadlocked(init):
            return self.deadlock([], 0)
        if not any(True for _ in m.successors(init)):
            return self.result(HOLDS, 0, complete=True)
        unwind = None
        k = 0
        try:
            for k in range(1, max_depth + 1):
                stop = self.limits.exceeded(0)
                if stop:
                    return self.result(INCONCLUSIVE, k - 1, reason=f"{stop}; no violation "
                                       f"within {k - 1} {self.unit}")
                (self.add_step_frame if self.unit == "steps" else self.add_round_frame)(k)
                fr = self.frames[k]
                real = AND(*[fr.code != self.enc.bv(c) for c in self.unreported])
                if self.query(AND(fr.halted, real)):
                    viol = self.violation_of_model(k)
                    trace = replay(m, self.actions_of_model(k), expect=viol)
                    return self.result(VIOLATED, k, trace=trace,
                                       reason=trace.violation.message)
                enabled = self.any_enabled(fr)
                if self.deadlock_on and self.query(
                        AND(NOT(fr.halted), self.enc.mid_run(fr.st), NOT(enabled))):
                    return self.deadlock(self.actions_of_model(k), k)
                if unwind is None and self.has_unwind and self.query(
                        AND(fr.halted, fr.code == self.enc.bv(self.unwind_code))):
                    trace = replay(m, self.actions_of_model(k),
                                   expect=Violation(UNWIND, "", 0))
                    unwind = trace.violation
                if self.progress:
                    self.progress(k, time.monotonic() - self.t0, self.calls)
                if not self.query(AND(NOT(fr.halted), self.next_frame(fr))):
                    return self.finish(unwind, k, complete=True)
        except _Unknown as u:
            return self.result(INCONCLUSIVE, k - 1, reason=f"{u.why} at {self.unit} {k}; no "
                               f"violation within {k - 1} {self.unit}")
        return self.finish(unwind, max_depth, complete=False)

    def finish(self, unwind, depth, complete):
        if unwind is not None:
            return self.result(INCONCLUSIVE, depth, reason=f"a bound of the model was reached "
                               f"at line {unwind.line}: {unwind.message}")
        return self.result(HOLDS, depth, complete=complete)

    def deadlock(self, actions, depth):
        trace = replay(self.m, actions)
        if trace.violation is not None or not self.m.deadlocked(trace.states[-1]):
            raise ReplayError(len(actions), "the symbolic engine reported a deadlock that the "
                              "reference semantics does not confirm")
        trace.violation = DEADLOCK
        return self.result(VIOLATED, depth, trace=trace, reason=DEADLOCK.message)


def check(prog: Program, max_depth: int = 30, unit: str = "rounds", limits: Limits | None = None,
          query_timeout: float = 60.0, progress=None) -> Result:
    """Bounded model checking of prog up to max_depth frames of `unit` ('rounds' or 'steps')."""
    return _Engine(prog, unit, limits, query_timeout, progress).run(max_depth)
