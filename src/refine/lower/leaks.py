"""The built-in `leak` check: once every handler has finished, each allocated object of a dynamic
pool must still be pointed to by shared state: a state variable, or a field of an allocated
object (preallocated pools are the system's own memory and always count).

Counting references rather than computing reachability keeps the check a small expression that
both engines evaluate as an invariant. It never reports a false leak: an object that nothing
points to is lost. It does miss a garbage cycle (two lost objects that point to each other).
"""
from __future__ import annotations

from ..check.symbols import Symbols
from ..errors import SpecError
from ..check.types import size_of
from ..ir.fold import balanced
from ..ir.model import END, Binop, Const, Expr, Invariant, RunStart, Slot, Thread, Unop
from ..ir.rename import substitute

MAX_LEAK_TERMS = 200_000


def _or(terms: list[Expr]) -> Expr:
    return balanced("or", terms, 0)


def _and(terms: list[Expr]) -> Expr:
    return balanced("and", terms, 1)


def quiescent(threads: list[Thread], ncpus: int) -> Expr:
    """No handler is mid-run and none can start: each thread has finished, or waits at the start
    of a run whose `when` is false on every CPU it could take (all CPUs are idle then, so the
    context rules allow every start)."""
    parts = []
    for th in threads:
        waiting = []
        for pc, ins in enumerate(th.code):
            if not isinstance(ins, RunStart):
                continue
            if ins.when is None:
                continue
            cpus = [th.cpu] if th.cpu is not None else range(ncpus)
            blocked = _and([Unop("not", substitute(ins.when, th.cpu_slot, Const(c)))
                            for c in cpus])
            waiting.append(Binop("and", Binop("==", Slot(th.pc_slot), Const(pc)), blocked))
        parts.append(_or([Binop("==", Slot(th.pc_slot), Const(END))] + waiting))
    return _and(parts)


def leak_invariants(sym: Symbols, threads: list[Thread]) -> list[Invariant]:
    dynamic = sorted(sym.dynamic)
    if not dynamic:
        return []
    field_slots: dict[int, tuple[str, int]] = {}  # slot -> (pool, object index) owning it
    for pool in sym.pools:
        for name, var in sym.vars.items():
            if not name.startswith(pool + "."):
                continue
            width = size_of(var.type.elem)
            for i in range(var.type.dom.size):
                for k in range(width):
                    field_slots[var.base + i * width + k] = (pool, i)
    holders: dict[str, list[tuple[int, tuple[str, int] | None]]] = {p: [] for p in dynamic}
    for idx, info in enumerate(sym.slots):
        if info.kind != "state" or info.type.kind != "ref" or info.type.name not in holders:
            continue
        holders[info.type.name].append((idx, field_slots.get(idx)))
    for pool in dynamic:  # one term per object and reference: refuse what cannot be built
        terms = sym.pools[pool].hi * len(holders[pool])
        if terms > MAX_LEAK_TERMS:
            raise SpecError("E013", f"the leak check of dynamic pool {pool} compares "
                            f"{sym.pools[pool].hi} objects with {len(holders[pool])} references "
                            f"to them: {terms} terms, more than {MAX_LEAK_TERMS}",
                            expected=f"a smaller pool, or `disable leak \"...\";`")
    quiet = quiescent(threads, sym.cpus)
    out = []
    for pool in dynamic:
        n = sym.pools[pool].hi
        for i in range(n):
            pointed = []
            for idx, owner in holders[pool]:
                at = Binop("==", Slot(idx), Const(i + 1))
                if owner is not None:
                    at = Binop("and", Slot(sym.live[owner[0]] + owner[1]), at)
                pointed.append(at)
            live = Slot(sym.live[pool] + i)
            ok = Binop("or", Unop("not", quiet), Binop("or", Unop("not", live), _or(pointed)))
            out.append(Invariant("leak", ok, 0, f"{pool}#{i}", f"{pool}#{i} is allocated but "
                                 "nothing points to it once every handler has finished"))
    return out
