"""The step semantics of the IR: which actions are enabled in a state and what each one does.

This is the reference semantics. The explicit engine searches with it, and every trace, whichever
engine found it, is replayed through it before it is shown.

An action is (thread, cpu, choice): cpu matters only when the thread stands at the start of a
run on any CPU, where each CPU it could start on is a separate action; choice only when it
stands at a nondeterministic choice (`nondet()`), where each value is a separate action.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir.model import (CUT, END, NMI, TASK, Branch, Goto, Op, Program, RunEnd, RunStart, is_resting)
from .compile import Violated, compile_effect, compile_expr

Action = tuple[int, int, int]


@dataclass(frozen=True)
class Violation:
    prop: str
    message: str
    line: int
    thread: int = -1  # -1: a state invariant or deadlock, not one thread's check
    file: str = ""  # the library module of a check written there

    @property
    def where(self) -> str:
        """'line 42' in the spec, 'kptr.kspec:42' in the library."""
        if not self.line:
            return ""
        return f"{self.file.rsplit('/', 1)[-1]}:{self.line}" if self.file else f"line {self.line}"

    @property
    def inconclusive(self) -> bool:
        return self.prop == "unwind"


class Machine:
    def __init__(self, prog: Program, record: bool = False):
        """record: failed checks that do not end a step are collected in self.found (cleared by
        each step) and the step goes on; the survey engine reads every property at once."""
        self.prog = prog
        self.found: list = [] if record else None
        slots = prog.slots
        self.ncpu = prog.cpus
        self.occ = prog.occ
        self.threads = prog.threads
        self.code = []
        memo: dict = {}  # shared subexpressions compiled once (compile.compile_expr)
        for t in prog.threads:
            compiled = []
            for ins in t.code:
                if isinstance(ins, Op):
                    effs = tuple(compile_effect(e, slots, self.found, memo) for e in ins.effects)
                    guard = compile_expr(ins.guard, memo) if ins.guard is not None else None
                    compiled.append(("op", ins.visible, guard, effs, ins.choose))
                elif isinstance(ins, Branch):
                    compiled.append(("br", compile_expr(ins.cond, memo), ins.target))
                elif isinstance(ins, Goto):
                    compiled.append(("goto", ins.target))
                elif isinstance(ins, RunStart):
                    when = compile_expr(ins.when, memo) if ins.when is not None else None
                    compiled.append(("start", when, ins.reset))
                elif isinstance(ins, RunEnd):
                    compiled.append(("end",))
            self.code.append(compiled)
        self.resting = [[is_resting(i) for i in t.code] for t in prog.threads]
        # a choice always begins a step of its own: the action that runs it names the value
        self.choice = [[i.choose[1] if isinstance(i, Op) and i.choose else 0 for i in t.code]
                       for t in prog.threads]
        self.invariants = [(inv.name, compile_expr(inv.expr, memo), inv.line,
                            inv.message or f"invariant {inv.name} is false")
                           for inv in prog.invariants]

    # ------------------------------------------------------------------ context rules

    def _top(self, s, c: int) -> tuple[int, int]:
        """(level, thread) of the top context on cpu c; thread -1 when the CPU is idle."""
        row = self.occ[c]
        for lvl in (3, 2, 1, 0):
            v = s[row[lvl]]
            if v:
                return lvl, v - 1
        return TASK, -1

    def _preemptible(self, s, t: int) -> bool:
        th = self.threads[t]
        return s[th.irq_slot] == 0 and s[th.preempt_slot] == 0

    def can_start(self, s, t: int, c: int) -> bool:
        th = self.threads[t]
        row = self.occ[c]
        lvl = th.level
        if lvl == TASK:
            if s[row[1]] or s[row[2]] or s[row[3]]:
                return False
            cur = s[row[0]]
            return cur == 0 or self._preemptible(s, cur - 1)
        if s[row[lvl]]:
            return False
        top_lvl, top_t = self._top(s, c)
        if top_lvl >= lvl:
            return False
        if lvl == NMI or top_t < 0:
            return True
        return s[self.threads[top_t].irq_slot] == 0

    def can_run(self, s, t: int) -> bool:
        """Whether thread t, mid-run, is the context that executes on its CPU."""
        th = self.threads[t]
        row = self.occ[s[th.cpu_slot]]
        if th.level == TASK:
            if s[row[1]] or s[row[2]] or s[row[3]]:
                return False
            cur = s[row[0]]
            return cur in (0, t + 1) or self._preemptible(s, cur - 1)
        for lvl in range(th.level + 1, 4):
            if s[row[lvl]]:
                return False
        return s[row[th.level]] == t + 1

    # ------------------------------------------------------------------ actions

    def candidates(self, s) -> list[Action]:
        """Actions whose context rule allows them; the step itself may still be blocked."""
        out = []
        for t, th in enumerate(self.threads):
            pc = s[th.pc_slot]
            if pc == END:
                continue
            if self.code[t][pc][0] == "start":
                cpus = range(self.ncpu) if th.cpu is None else (th.cpu,)
                out.extend((t, c, 0) for c in cpus if self.can_start(s, t, c))
            elif self.can_run(s, t):
                n = self.choice[t][pc]
                out.extend((t, s[th.cpu_slot], k) for k in range(n or 1))
        return out

    def step(self, state: tuple, action: Action, seen: list | None = None):
        """Run one step: (new_state, violation or None, pc of the operation that ran, or -1).

        seen: when given (trace replay), each operation the step runs is appended with the
        state it started from, so a trace can show what every load of the step read.

        None when the action is blocked: the await it stands at is false, or the `when` of the run
        it would start. A run that starts and meets a false await at once has started: it stays
        on its CPU's context stack, waiting there (an NMI spinning on a lock).
        """
        t, c, k = action
        if self.found is not None:
            self.found.clear()
        th = self.threads[t]
        code = self.code[t]
        resting = self.resting[t]
        choice = self.choice[t]
        s = list(state)
        pc = start = s[th.pc_slot]
        counted = False
        ran = -1  # the first visible operation this step executed, for traces
        n = len(code)
        try:
            while True:
                if pc >= n:
                    pc = END
                    break
                ins = code[pc]
                kind = ins[0]
                if pc != start and resting[pc] and (counted or kind == "start" or choice[pc]):
                    break
                if kind == "op":
                    _, visible, guard, effs, choose = ins
                    if choose is not None:
                        s[choose[0]] = k
                    if guard is not None and not guard(s):
                        if pc == start:
                            return None  # blocked where it stands
                        break  # a run that just started waits here, on its CPU's stack
                    if visible and ran < 0:
                        ran = pc
                    if seen is not None:
                        seen.append((pc, tuple(s)))
                    for f in effs:
                        f(s)
                    counted = counted or visible
                    pc += 1
                elif kind == "br":
                    pc = ins[2] if ins[1](s) else pc + 1
                elif kind == "goto":
                    pc = ins[1]
                elif kind == "start":
                    s[th.cpu_slot] = c
                    for r in ins[2]:
                        s[r] = 0
                    if ins[1] is not None and not ins[1](s):
                        return None
                    s[self.occ[c][th.level]] = t + 1
                    pc += 1
                else:  # end of a run
                    cpu = s[th.cpu_slot]
                    s[self.occ[cpu][th.level]] = 0
                    s[th.irq_slot] = 0
                    s[th.preempt_slot] = 0
                    pc += 1
        except Violated as v:
            if v.prop == CUT:
                return None  # past a loop cut short: this path is left out
            s[th.pc_slot] = pc
            return tuple(s), Violation(v.prop, v.message, v.line, t, v.file), ran
        if th.level == TASK and pc != END and code[pc][0] != "start":
            s[self.occ[s[th.cpu_slot]][TASK]] = t + 1
        s[th.pc_slot] = pc
        new = tuple(s)
        if self.found is not None:
            self.found.extend(self.invariant_violations(new))
            return new, None, ran
        return new, self.check_invariants(new), ran

    def check_invariants(self, s) -> Violation | None:
        try:
            for name, f, line, message in self.invariants:
                if not f(s):
                    return Violation(name, message, line)
        except Violated as v:
            return Violation(v.prop, v.message, v.line)
        return None

    def invariant_violations(self, s) -> list[Violation]:
        """Every invariant false in s (an invariant that cannot be evaluated counts as false)."""
        out = []
        for name, f, line, message in self.invariants:
            try:
                if not f(s):
                    out.append(Violation(name, message, line))
            except Violated as v:
                out.append(Violation(name, v.message, v.line))
        return out

    def successors(self, s):
        """Yield (action, new_state, violation) for every enabled action; a step that violates a
        property not under check (--only) ends its execution there and is not yielded."""
        silent = self.prog.silent
        for a in self.candidates(s):
            r = self.step(s, a)
            if r is not None and not (r[1] is not None and r[1].prop in silent):
                yield a, r[0], r[1]

    def deadlocked(self, s) -> bool:
        """No action is enabled while some thread is in the middle of a run."""
        if "deadlock" in self.prog.checks_off:
            return False
        mid = False
        for t, th in enumerate(self.threads):
            pc = s[th.pc_slot]
            if pc != END and self.code[t][pc][0] != "start":
                mid = True
                break
        if not mid:
            return False
        return not any(self.step(s, a) is not None for a in self.candidates(s))
