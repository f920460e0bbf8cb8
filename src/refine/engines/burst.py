"""Symbolic execution of one thread's code: one step, or a burst of consecutive steps.

A thread's code is a DAG (every jump goes forward), so one pass over the instructions in order,
merging the states that reach each instruction with If, covers every path. A token enters at the
symbolic pc; at each resting instruction reached afterwards the current step ends (as in
machine.step) and `decide(k)` says whether the thread starts another step there. With
decide = False the pass is exactly one step of machine.step, from any resting pc at once.

A false await blocks a step that starts at it, but a run that has just started in this step
stops in front of it and waits there (machine.step), so each Op entry is either "fresh" (a step
starts at it) or a pass-through from a RunStart.

Nothing is asserted here: the caller gets the conditions (context rules, blocked guards) and
either asserts them (a burst is a choice) or folds them into an `enabled` formula (one step).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..lower.liveness import DEAD
from ..ir.model import CUT, TASK, Branch, Check, Goto, Op, RunEnd, RunStart, is_resting
from .encode import AND, FALSE, ITE, NOT, OR, TRUE, Encoder, guarded, no_error


@dataclass
class Pass:
    final: list  # the state where the burst stopped (the start state if it took no step)
    errors: list = field(default_factory=list)  # (condition, prop code): a step violated
    blocked: list = field(default_factory=list)  # conditions under which a step is blocked
    ctx: list = field(default_factory=list)  # (a step starts here, its context rule)
    starts: list = field(default_factory=list)  # (node, a step starts here, cpu, choice)
    stopped: list = field(default_factory=list)  # conditions under which the burst stopped

    def violated(self):
        return OR(*[c for c, _ in self.errors])

    def code(self, enc: Encoder):
        v = enc.bv(0)
        for c, k in reversed(self.errors):
            v = ITE(c, enc.bv(k), v)
        return v

    def enabled(self):
        """For a single step: the action is a candidate and not blocked."""
        return AND(OR(*[AND(c, ok) for c, ok in self.ctx]), NOT(OR(*self.blocked)))


def _merge(flows, nslots):
    """Join the (condition, state, counted) flows that reach one instruction."""
    if len(flows) == 1:
        c, st, cnt = flows[0]
        return c, list(st), cnt
    cond = OR(*[f[0] for f in flows])
    st = []
    for i in range(nslots):
        v = flows[-1][1][i]
        for c, s, _ in reversed(flows[:-1]):
            v = ITE(c, s[i], v)
        st.append(v)
    cnt = flows[-1][2]
    for c, _, k in reversed(flows[:-1]):
        cnt = ITE(c, k, cnt)
    return cond, st, cnt


def run(enc: Encoder, t: int, S: list, start_cond, cpu_at, decide, choice_at=None,
        tick=None) -> Pass:
    """Execute thread t from state S.

    start_cond(k): the first step starts at resting instruction k; cpu_at(k): the cpu a run
    starting at RunStart k takes (int or term); decide(k): start another step at k;
    choice_at(k): the value chosen by a step that starts at the choice op k (a term);
    tick(): called every few instructions, may raise to stop (time limits).
    """
    th = enc.prog.threads[t]
    code = th.code
    n = len(code)
    nslots = len(S)
    inbox = [[] for _ in range(n + 1)]
    out = Pass(final=S)
    stops = []

    def send(target, cond, st, cnt):
        if not FALSE.eq(cond):
            inbox[min(target, n)].append((cond, st, cnt))

    def step_end(arrive, k):
        """Steps that end before instruction k (k == n: fell off the end): the step-end writes,
        then the invariants. Returns (condition, state) of a step-end without violation."""
        rb, B, _ = _merge(arrive, nslots)
        if k < n and th.level == TASK and not isinstance(code[k], RunStart):
            enc.set_occ(B, B[th.cpu_slot], TASK, t + 1)
        B[th.pc_slot] = enc.bv(-1 if k == n else k)
        errs = enc.invariant_errors(B)
        out.errors += guarded(rb, errs)
        return AND(rb, no_error(errs)), B

    for k in range(n + 1):
        if tick is not None and k % 8 == 0:
            tick()
        flows, inbox[k] = inbox[k], None
        if k == n:
            if flows:
                ok, B = step_end(flows, k)
                stops.append((ok, B))
            break
        ins = code[k]
        execs = []
        fresh = FALSE  # a step starts at k (else the token passes through, after a RunStart)
        if is_resting(ins):
            is_start = isinstance(ins, RunStart)
            arrive, news = [], []
            for c, st, cnt in flows:
                if is_start or ins.choose is not None:  # a choice begins a step of its own
                    arrive.append((c, st, cnt))
                    continue
                a, p = AND(c, cnt), AND(c, NOT(cnt))
                if not FALSE.eq(a):
                    arrive.append((a, st, cnt))
                if not FALSE.eq(p):
                    execs.append((p, st, FALSE))
            s0 = start_cond(k)
            if not FALSE.eq(s0):
                news.append((s0, S))
            if arrive:
                ok, B = step_end(arrive, k)
                d = decide(k)
                stops.append((AND(ok, NOT(d)), B))
                nb = AND(ok, d)
                if not FALSE.eq(nb):
                    news.append((nb, B))
            for c, st in news:
                cpu = cpu_at(k) if is_start else st[th.cpu_slot]
                rule = enc.can_start(st, t, cpu) if is_start else enc.can_run(st, t)
                out.ctx.append((c, rule))
                pick = choice_at(k) if isinstance(ins, Op) and ins.choose else enc.bv(0)
                out.starts.append((k, c, enc.bv(cpu) if isinstance(cpu, int) else cpu, pick))
                execs.append((c, st, FALSE))
                fresh = OR(fresh, c)
        else:
            execs = flows
        if not execs:
            continue
        alive, E, cnt = _merge(execs, nslots)
        if isinstance(ins, Op):
            if ins.choose is not None:  # every step through here starts here (see above)
                E[ins.choose[0]] = choice_at(k)
            if ins.guard is not None:
                g, ge = enc.cond(ins.guard, E)
                out.errors += guarded(alive, ge)
                alive = AND(alive, no_error(ge))
                # A false await blocks a step that starts at it; a run that has just started
                # stops there instead and waits on its CPU's stack (machine.step).
                out.blocked.append(AND(alive, fresh, NOT(g)))
                wait = AND(alive, NOT(fresh), NOT(g))
                if not FALSE.eq(wait):
                    ok, B = step_end([(wait, E, FALSE)], k)
                    stops.append((ok, B))
                alive = AND(alive, g)
            # Resets of dead locals change nothing a violation depends on; left out here they
            # keep the formula small (the replay through the machine still performs them).
            for eff in (() if ins.text == DEAD else ins.effects):
                if isinstance(eff, Check) and eff.prop == CUT:  # a path left out: assumed away
                    c, ce = enc.cond(eff.cond, E)
                    out.blocked.append(AND(alive, NOT(c)))
                    alive = AND(alive, c)
                    continue
                errs = enc.effect(eff, E)
                out.errors += guarded(alive, errs)
                alive = AND(alive, no_error(errs))
            send(k + 1, alive, E, TRUE if ins.visible else cnt)
        elif isinstance(ins, Branch):
            c, ce = enc.cond(ins.cond, E)
            out.errors += guarded(alive, ce)
            alive = AND(alive, no_error(ce))
            send(ins.target, AND(alive, c), E, cnt)
            send(k + 1, AND(alive, NOT(c)), E, cnt)
        elif isinstance(ins, Goto):
            send(ins.target, alive, E, cnt)
        elif isinstance(ins, RunStart):
            cpu = cpu_at(k)
            E[th.cpu_slot] = enc.bv(cpu) if isinstance(cpu, int) else cpu
            for r in ins.reset:
                E[r] = enc.bv(0)
            if ins.when is not None:
                w, we = enc.cond(ins.when, E)
                out.errors += guarded(alive, we)
                alive = AND(alive, no_error(we))
                out.blocked.append(AND(alive, NOT(w)))
                alive = AND(alive, w)
            enc.set_occ(E, cpu, th.level, t + 1)
            send(k + 1, alive, E, FALSE)
        elif isinstance(ins, RunEnd):
            enc.set_occ(E, E[th.cpu_slot], th.level, 0)
            E[th.irq_slot] = enc.bv(0)
            E[th.preempt_slot] = enc.bv(0)
            send(k + 1, alive, E, cnt)
    final = S
    for c, st in reversed(stops):
        if FALSE.eq(c):
            continue
        final = [ITE(c, a, b) for a, b in zip(st, final)]
    out.final = final
    out.stopped = [c for c, _ in stops]
    return out
