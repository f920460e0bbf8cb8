"""Share slots between a thread's locals whose lifetimes never overlap.

Unrolled loops, inlined calls and repeated runs give each `let` and each temporary a slot of its
own, hundreds per thread; every one of them is part of every state. Locals that are never live
at the same time can share a slot (register allocation by greedy colouring of the interference
graph). Named locals share only with locals of the same name and type, so traces still read
`worker0.entry`; compiler temporaries share freely.
"""
from __future__ import annotations

from dataclasses import replace

from ..ir import rename
from ..ir.model import Assign, Branch, Goto, Instr, Op, SlotInfo, Slot, Type
from .liveness import _uses, live_in, written


def _live_out(code: list[Instr], live: list[set[int]], i: int) -> set[int]:
    ins = code[i]
    if isinstance(ins, Goto):
        return live[ins.target]
    if isinstance(ins, Branch):
        return live[i + 1] | live[ins.target]
    return live[i + 1]


def interference(code: list[Instr], local: set[int]) -> dict[int, set[int]]:
    live = live_in(code, local)
    graph: dict[int, set[int]] = {s: set() for s in local}
    for i, ins in enumerate(code):
        together = live[i]
        for a in together:
            graph[a] |= together
        if isinstance(ins, Op):
            out = _live_out(code, live, i)
            # every slot written here must not clobber one that stays live
            for d in written(ins):
                if d in local:
                    graph[d] |= out
                    for o in out:
                        graph[o].add(d)
            # effects run in order: a slot written by one must not clobber a slot a later
            # effect of the same operation still reads (an xchg's result and the pinned index
            # of the location it stores to)
            for k, eff in enumerate(ins.effects):
                if not (isinstance(eff, Assign) and isinstance(eff.target, Slot)
                        and eff.target.index in local):
                    continue
                d = eff.target.index
                later: set[int] = set()
                for e2 in ins.effects[k + 1:]:
                    if isinstance(e2, Assign):
                        if not isinstance(e2.target, Slot):
                            _uses(e2.target, later)
                        _uses(e2.value, later)
                    else:
                        _uses(e2.cond, later)
                for u in later & local:
                    if u != d:
                        graph[d].add(u)
                        graph[u].add(d)
    for s in graph:
        graph[s].discard(s)
    return graph


def allocate(code: list[Instr], slots: list[SlotInfo], local: list[int]) -> tuple[list[Instr], set[int]]:
    """Recolour the thread's locals; returns the new code and the slots no longer used."""
    local_set = set(local)
    graph = interference(code, local_set)
    colour: dict[int, int] = {}  # slot -> representative slot
    members: dict[int, list[int]] = {}  # representative -> the slots it stands for
    groups: dict[tuple, list[int]] = {}
    for s in local:
        info = slots[s]
        key = ("temp",) if info.kind == "temp" else (info.name, info.type)
        reps = groups.setdefault(key, [])
        for r in reps:
            if not graph[s].intersection(members[r]):
                colour[s] = r
                members[r].append(s)
                break
        else:
            colour[s] = s
            members[s] = [s]
            reps.append(s)
    for key, reps in groups.items():
        if key == ("temp",):
            for r in reps:
                lo = min(slots[m].type.lo for m in members[r])
                hi = max(slots[m].type.hi for m in members[r])
                slots[r] = replace(slots[r], type=Type("int", min(lo, 0), max(hi, 0), "int"))
    memo: dict = {}  # one renaming: shared subexpressions stay shared
    new_code = [rename.instr(i, lambda k: colour.get(k, k), memo) for i in code]
    unused = {s for s, c in colour.items() if c != s}
    return new_code, unused
