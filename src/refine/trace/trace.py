"""A counterexample: the actions that fired, replayed through the reference semantics.

Every engine hands back only the list of actions; the states and what each step did are
recomputed here by the explicit machine, so a trace shown to a user is always a real execution.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engines.machine import Action, Machine, Violation
from ..engines.compile import Violated, compile_offset
from ..ir.model import END, LEVEL_NAMES, Assign, Elem, Op, Slot
from ..lower.liveness import DEAD


class ReplayError(Exception):
    """A trace that the reference semantics cannot execute: an internal error of an engine, or a
    trace file that does not belong to the spec."""

    def __init__(self, step: int, message: str):
        super().__init__(f"step {step}: {message}")
        self.step = step


@dataclass
class TraceStep:
    index: int  # 1-based
    thread: int
    thread_name: str
    cpu: int
    level: str
    line: int
    text: str
    changes: list[tuple[int, int, int]]  # (slot, before, after)
    reads: list[tuple[int, int]] = field(default_factory=list)  # shared values loaded: (slot, value)
    file: str = ""  # the library module of the operation ("" for the spec itself)

    @property
    def where(self) -> str:
        """The line as a reader finds it: '42' in the spec, 'llist.kspec:38' in the library."""
        if not self.line:
            return ""
        return f"{self.file.rsplit('/', 1)[-1]}:{self.line}" if self.file else str(self.line)


@dataclass
class Trace:
    actions: list[Action]
    states: list[tuple]  # states[0] is the initial state; states[i] follows step i
    steps: list[TraceStep] = field(default_factory=list)
    violation: Violation | None = None

    def __len__(self) -> int:
        return len(self.actions)


def _reset_here(code, pc: int) -> set[int]:
    """Locals the step reset because they are dead where it stopped: not worth showing."""
    before = code[pc - 1] if pc > 0 else (code[-1] if pc == END and code else None)
    if isinstance(before, Op) and before.text == DEAD:
        return {e.target.index for e in before.effects}
    return set()


def _reads(prog, code, seen) -> list[tuple[int, int]]:
    """The shared values the step's operations copied into registers, each read in the state
    that operation started from (an `atomic` block's loads included), so a trace says what
    was seen."""
    out = []
    for pc, before in seen:
        for r in _op_reads(prog, code[pc], before):
            if r not in out:
                out.append(r)
    return out


def _op_reads(prog, op: Op, before: tuple) -> list[tuple[int, int]]:
    out = []
    for eff in op.effects:
        if not isinstance(eff, Assign) or not isinstance(eff.target, Slot):
            continue
        if prog.slots[eff.target.index].kind not in ("temp", "local"):
            continue
        src = eff.value
        try:
            where = src.index if isinstance(src, Slot) else (
                compile_offset(src)(list(before)) if isinstance(src, Elem) else None)
        except Violated:
            where = None
        if where is not None and prog.slots[where].kind == "state":
            out.append((where, before[where]))
    return out


def replay(machine: Machine, actions: list[Action], expect: Violation | None = None) -> Trace:
    """Execute actions from the initial state; fail loudly on any step the semantics forbids."""
    prog = machine.prog
    s = prog.initial()
    trace = Trace(list(actions), [s])
    violation = machine.check_invariants(s)
    for i, a in enumerate(actions, 1):
        if violation is not None:
            raise ReplayError(i, f"the trace goes on after {violation.prop} was violated")
        t, c, _ = a
        if not 0 <= t < len(prog.threads):
            raise ReplayError(i, f"no thread {t}")
        if a not in machine.candidates(s):
            th = prog.threads[t]
            raise ReplayError(i, f"{th.name} cannot run on cpu {c} here (finished, not on top "
                                 f"of its CPU's context stack, or not allowed to interrupt)")
        seen: list = []
        r = machine.step(s, a, seen)
        if r is None:
            raise ReplayError(i, f"{prog.threads[t].name} is blocked here (await or `when` false)")
        new, violation, ran = r
        th = prog.threads[t]
        code = th.code
        op = code[ran] if ran >= 0 else None
        pc = s[th.pc_slot]
        if isinstance(op, Op):
            line, text, file = op.line, op.text, op.file
        else:
            first = code[pc] if pc != END else None
            line, text, file = getattr(first, "line", 0), getattr(first, "text", ""), ""
        hidden = _reset_here(code, new[th.pc_slot])
        changes = [(k, s[k], new[k]) for k in range(len(s))
                   if s[k] != new[k] and k not in hidden]
        cpu = new[th.cpu_slot]
        trace.steps.append(TraceStep(i, t, th.name, cpu, LEVEL_NAMES[th.level], line, text, changes,
                                     _reads(prog, code, seen), file))
        trace.states.append(new)
        s = new
    if expect is not None:
        if violation is None or violation.prop != expect.prop:
            got = violation.prop if violation else "no violation"
            raise ReplayError(len(actions), f"expected {expect.prop} to be violated, got {got}")
    trace.violation = violation
    return trace
