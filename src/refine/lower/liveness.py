"""Zero dead locals before every resting point.

A local that will never be read again still holds its last value; left alone, two states that
differ only in such a value count as different and the state space grows for nothing. Each
resting point gets an invisible operation, run at the end of the step that reaches it, that
resets the locals dead there. The check is unchanged: dead values cannot influence anything.
"""
from __future__ import annotations

from ..ir.model import (Assign, Binop, Branch, Const, Elem, Expr, Goto, Instr, Ite, Op,
                        RunEnd, RunStart, Slot, Unop, is_resting)


DEAD = "(reset dead locals)"  # the text of the operations inserted here; traces hide them


def _uses(e: Expr, out: set[int]) -> None:
    if isinstance(e, Slot):
        out.add(e.index)
    elif isinstance(e, Elem):
        for i in e.indices:
            _uses(i, out)
    elif isinstance(e, Unop):
        _uses(e.a, out)
    elif isinstance(e, Binop):
        _uses(e.a, out)
        _uses(e.b, out)
    elif isinstance(e, Ite):
        _uses(e.cond, out)
        _uses(e.then, out)
        _uses(e.other, out)


def written(ins: Op) -> list[int]:
    """The slots an operation writes directly: its choice, then its assignments to slots."""
    out = [ins.choose[0]] if ins.choose is not None else []
    return out + [e.target.index for e in ins.effects
                  if isinstance(e, Assign) and isinstance(e.target, Slot)]


def live_in(code: list[Instr], local: set[int]) -> list[set[int]]:
    """Locals live on entry to each instruction; every jump goes forward, so one backward pass."""
    n = len(code)
    live: list[set[int]] = [set() for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        ins = code[i]
        if isinstance(ins, Goto):
            cur = set(live[ins.target])
        elif isinstance(ins, Branch):
            cur = live[i + 1] | live[ins.target]
            _uses(ins.cond, cur)
        elif isinstance(ins, RunStart):
            cur = live[i + 1] - set(ins.reset)
            if ins.when is not None:
                _uses(ins.when, cur)
        elif isinstance(ins, RunEnd):
            cur = set(live[i + 1])
        else:
            cur = set(live[i + 1])
            for eff in reversed(ins.effects):
                if isinstance(eff, Assign):
                    if isinstance(eff.target, Slot):
                        cur.discard(eff.target.index)
                    else:
                        _uses(eff.target, cur)
                    _uses(eff.value, cur)
                else:
                    _uses(eff.cond, cur)
            if ins.guard is not None:
                _uses(ins.guard, cur)
            if ins.choose is not None:  # the choice is written first, before the guard
                cur.discard(ins.choose[0])
        live[i] = cur & local
    return live


def _dirty(code: list[Instr], local: set[int], kills: dict[int, set[int]]) -> list[set[int]]:
    """Locals that may hold a non-zero value on entry to each instruction (forward pass)."""
    n = len(code)
    dirty: list[set[int] | None] = [None] * (n + 1)
    dirty[0] = set()
    for i, ins in enumerate(code):
        cur = set(dirty[i] or ())
        if i in kills:
            cur -= kills[i]
        if isinstance(ins, RunStart):
            cur -= set(ins.reset)
        elif isinstance(ins, Op):
            cur |= set(written(ins)) & local
        succ = [ins.target] if isinstance(ins, Goto) else [i + 1]
        if isinstance(ins, Branch):
            succ.append(ins.target)
        for j in succ:
            dirty[j] = cur if dirty[j] is None else dirty[j] | cur
        dirty[i] = dirty[i] or set()
    return [d or set() for d in dirty]


def insert_kills(code: list[Instr], local: dict[int, int]) -> list[Instr]:
    """A copy of code with a reset of the dead locals (slot -> reset value) before each
    resting point; only locals that may have been written since their last reset."""
    live = live_in(code, set(local))
    dirty = _dirty(code, set(local), {})
    out: list[Instr] = []
    kills = {}
    for i, ins in enumerate(code):
        if is_resting(ins) and i > 0:
            dead = sorted(s for s in dirty[i] if s not in live[i])
            if dead:
                kills[i] = tuple(Assign(Slot(s), Const(local[s])) for s in dead)
    end = sorted(dirty[len(code)])  # a finished thread keeps nothing
    entry = {}
    for i, ins in enumerate(code):
        entry[i] = len(out)
        if i in kills:
            out.append(Op(kills[i], False, text=DEAD))
        out.append(ins)
    entry[len(code)] = len(out)
    if end:
        out.append(Op(tuple(Assign(Slot(s), Const(local[s])) for s in end), False, text=DEAD))
    final = []
    for ins in out:
        if isinstance(ins, Branch):
            final.append(Branch(ins.cond, entry[ins.target]))
        elif isinstance(ins, Goto):
            final.append(Goto(entry[ins.target]))
        else:
            final.append(ins)
    return final
