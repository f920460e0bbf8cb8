"""The built-in operations: kernel atomics (each one atomic step), context queries and control,
and the WARN/BUG checks. Their names are the kernel's, so a spec reads like the code it models.
"""
from __future__ import annotations

from ..check.types import compatible, int_type, show_type
from ..errors import at
from ..ir.fold import first_true
from ..ir.model import (BOOL, HARDIRQ, NMI, SOFTIRQ, TASK, Assign, Binop, Check, Const, Elem, Ite,
                        Slot, Type, Unop)
from ..syntax import ast as A

# name -> (arity, what it does to the location, what it returns)
#   effect: None (no write), 'set' (arg), 'add' (+arg), 'sub' (-arg), 'cas' (cmpxchg)
#   returns: 'old', 'new' or None
ATOMICS = {
    "load": (1, None, "old"),
    "READ_ONCE": (1, None, "old"),
    "atomic_read": (1, None, "old"),
    "store": (2, "set", None),
    "WRITE_ONCE": (2, "set", None),
    "atomic_set": (2, "set", None),
    "xchg": (2, "set", "old"),
    "atomic_xchg": (2, "set", "old"),
    "cmpxchg": (3, "cas", "old"),
    "atomic_cmpxchg": (3, "cas", "old"),
    "atomic_inc": (1, "add", None),
    "atomic_dec": (1, "sub", None),
    "atomic_add": (2, "add", None),
    "atomic_sub": (2, "sub", None),
    "atomic_inc_return": (1, "add", "new"),
    "atomic_dec_return": (1, "sub", "new"),
    "atomic_add_return": (2, "add", "new"),
    "atomic_sub_return": (2, "sub", "new"),
    "atomic_fetch_add": (2, "add", "old"),
    "atomic_fetch_sub": (2, "sub", "old"),
    "atomic_fetch_inc": (1, "add", "old"),
    "atomic_fetch_dec": (1, "sub", "old"),
}

CONTEXT_QUERIES = {
    "in_nmi": lambda lvl: lvl == NMI,
    "in_hardirq": lambda lvl: lvl == HARDIRQ,
    "in_softirq": lambda lvl: lvl == SOFTIRQ,
    "in_interrupt": lambda lvl: lvl > TASK,
    "in_task": lambda lvl: lvl == TASK,
}

CONTROL = {"local_irq_disable", "local_irq_enable", "preempt_disable", "preempt_enable",
           "local_irq_save", "local_irq_restore"}
# Ghost operations on an object's lifecycle: no step of their own (the kernel library puts them
# inside the step that hands the object out or takes it back).
LIFECYCLE = {"object_alloc", "object_free", "object_live"}
WARNS = {"WARN_ON": "WARN", "WARN_ON_ONCE": "WARN", "BUG_ON": "BUG"}


def canonical(name: str) -> str:
    """atomic_long_* and atomic64_* behave like atomic_* in the model."""
    for prefix in ("atomic_long_", "atomic64_"):
        if name.startswith(prefix):
            return "atomic_" + name[len(prefix):]
    return name


def _arity(e: A.Call, n: int) -> None:
    if len(e.args) != n:
        raise at("E201", f"{e.name}() takes {n} argument{'s' * (n != 1)}, got {len(e.args)}",
                 e.span, f"{n} argument{'s' * (n != 1)}")


def pure_call(low, e: A.Call):
    """Calls allowed everywhere, invariants included."""
    if e.name in CONTEXT_QUERIES:
        _arity(e, 0)
        return Const(int(CONTEXT_QUERIES[e.name](low.level))), BOOL
    if e.name == "object_live":
        _arity(e, 1)
        v, t = _object(low, e)
        return Binop("==", Ite(Binop("==", v, Const(0)), Const(0),
                               _live(low, t.name, v, e.span.line)), Const(1)), BOOL
    if e.name in ("min", "max"):
        _arity(e, 2)
        a, at_ = low.expr(e.args[0])
        b, bt = low.expr(e.args[1])
        low._want_int(at_, e.args[0].span)
        low._want_int(bt, e.args[1].span)
        cmp = Binop("<=", a, b) if e.name == "min" else Binop(">=", a, b)
        return Ite(cmp, a, b), int_type(min(at_.lo, bt.lo), max(at_.hi, bt.hi))
    raise at("E100", f"unknown function `{e.name}`", e.span, "a function declared with `fn`, "
             "or a built-in such as xchg, cmpxchg, atomic_inc_return, WARN_ON")


def atomic_call(low, e: A.Call):
    """One kernel atomic on a shared location: a single visible step (inside `atomic`, part of
    the enclosing step)."""
    name = canonical(e.name)
    arity, effect, returns = ATOMICS[name]
    _arity(e, arity)
    loc = low.location(e.args[0])
    if not isinstance(loc.type, Type):
        raise at("E200", f"{e.name}() works on a single value, not {show_type(loc.type)}",
                 e.args[0].span, "a scalar variable, field or element")
    if loc.kind == "local":
        raise at("E203", f"{e.name}() on the local `{loc.name}`: atomics work on shared state",
                 e.args[0].span, "a state variable")
    t = loc.type
    args = []
    for a in e.args[1:]:
        v, vt = low.expr(a)
        want = t if effect in ("set", "cas") else int_type(0, 0)
        if not compatible(want, vt):
            raise at("E200", f"{e.name}() on {show_type(t)} given {show_type(vt)}", a.span,
                     show_type(want))
        args.append(v)
    if effect in ("add", "sub") and t.kind != "int":
        raise at("E200", f"{e.name}() needs an int, `{loc.name}` is {show_type(t)}",
                 e.args[0].span, "int")
    cur = loc.ir()
    effects = list(low.lifecycle(loc, e.span))  # an atomic on a freed object's field
    result = None
    if returns == "old":
        result = low.temp(t)
        effects.append(Assign(Slot(result), cur, e.span.line))
    if effect == "set":
        effects.append(Assign(cur, args[0], e.span.line))
    elif effect == "cas":
        effects.append(Assign(cur, Ite(Binop("==", cur, args[0]), args[1], cur), e.span.line))
    elif effect in ("add", "sub"):
        delta = args[0] if args else Const(1)
        effects.append(Assign(cur, Binop("+" if effect == "add" else "-", cur, delta),
                              e.span.line))
    if returns == "new":
        result = low.temp(t)
        effects.append(Assign(Slot(result), cur, e.span.line))
    low.op(effects, loc.kind == "state", e.span)
    return (Slot(result), t) if result is not None else None


def control_call(low, e: A.Call):
    """IRQ and preemption control of the running context: a step of its own, since an
    interrupt may arrive just before it. local_irq_save() returns whether IRQs were already
    off; local_irq_restore(flags) puts that back."""
    th = low.thread_slots
    if e.name == "local_irq_save":
        _arity(e, 0)
        flags = low.temp(BOOL)
        low.op([Assign(Slot(flags), Slot(th["irq"]), e.span.line),
                Assign(Slot(th["irq"]), Const(1), e.span.line)], True, e.span)
        return Slot(flags), BOOL
    if e.name == "local_irq_restore":
        _arity(e, 1)
        v, t = low.expr(e.args[0])
        low.op([Assign(Slot(th["irq"]), low.as_bool(v, t, e.args[0].span), e.span.line)], True,
               e.span)
        return None
    _arity(e, 0)
    if e.name == "local_irq_disable":
        eff = Assign(Slot(th["irq"]), Const(1), e.span.line)
    elif e.name == "local_irq_enable":
        eff = Assign(Slot(th["irq"]), Const(0), e.span.line)
    elif e.name == "preempt_disable":
        eff = Assign(Slot(th["preempt"]), Binop("+", Slot(th["preempt"]), Const(1)), e.span.line)
    else:
        eff = Assign(Slot(th["preempt"]), Binop("-", Slot(th["preempt"]), Const(1)), e.span.line)
    low.op([eff], True, e.span)
    return None


def nondet_value(low, e: A.Call, name: str = "") -> tuple[int, Type, int]:
    """nondet() chooses a bool, nondet(N) a number 0..N-1: (register, its type, N)."""
    if len(e.args) > 1:
        _arity(e, 1)
    n = low.sym.const_eval(e.args[0], "a number of choices") if e.args else 2
    if not 2 <= n <= 256:
        raise at("E204", f"nondet({n}): choose among 2 to 256 values", e.span, "2..256")
    t = BOOL if not e.args else int_type(0, n - 1)
    slot = low.new_slot(t, name or f"{e.name}@{e.span.line}")
    low.locals_.append(slot)
    return slot, t, n


def _object(low, e: A.Call):
    v, t = low.expr(e.args[0])
    if t.kind != "ref" or t.name not in low.sym.pools:
        raise at("E200", f"{e.name}() takes a pool object, not {show_type(t)}", e.args[0].span,
                 "a reference")
    return v, t


def _live(low, pool: str, ref, line: int):
    n = low.sym.pools[pool].hi
    return Elem(low.sym.live[pool], (ref,), (n,), (1,), (True,), line)


def lifecycle_call(low, e: A.Call):
    """object_alloc(T): the first unallocated object of pool T, now allocated, or NULL when
    none is left; object_free(p): p is no longer allocated (double-free if it was not);
    object_live(p): whether p is allocated."""
    _arity(e, 1)
    line = e.span.line
    if e.name == "object_alloc":
        if not isinstance(e.args[0], A.Name):
            raise at("E200", "object_alloc() takes a pool name", e.args[0].span, "a pool")
        t = low.sym.resolve_type(A.TNamed(e.args[0].name, span=e.args[0].span))
        if not isinstance(t, Type) or t.kind != "ref":
            raise at("E200", f"object_alloc() takes a pool, not {show_type(t)}", e.args[0].span,
                     "a pool")
        base = low.sym.live[t.name]
        pick = first_true([Binop("==", Slot(base + i), Const(0)) for i in range(t.hi)])
        res = low.temp(Type("ref", 0, t.hi, t.name, nullable=True))
        effs = [Assign(Slot(res), pick, line)]
        effs += [Assign(Slot(base + i), Ite(Binop("==", Slot(res), Const(i + 1)), Const(1),
                                            Slot(base + i)), line) for i in range(t.hi)]
        low.sym.freed.add(t.name)
        low.op(effs, False, e.span)
        return Slot(res), Type("ref", 0, t.hi, t.name, nullable=True)
    if e.name == "object_live":
        return pure_call(low, e)
    v, t = _object(low, e)
    low.sym.freed.add(t.name)
    effs = []
    if "double-free" not in low.sym.checks_off:
        effs.append(Check(Binop("or", Binop("==", v, Const(0)), _live(low, t.name, v, line)),
                          "double-free", f"{low.snippet(e.args[0].span)} freed twice", line))
    effs.append(Check(Binop("!=", v, Const(0)), "null-deref", "object_free(NULL)", line))
    effs.append(Assign(_live(low, t.name, v, line), Const(0), line))
    low.op(effs, False, e.span)
    return None


def warn_call(low, e: A.Call):
    """WARN_ON(c) reports c when it is true and returns it, as in the kernel."""
    _arity(e, 1)
    v, t = low.expr(e.args[0])
    c = low.as_bool(v, t, e.args[0].span)
    tmp = low.temp(BOOL)
    low.op([Assign(Slot(tmp), c)], False, e.span)
    prop = WARNS[e.name]
    low.check(Unop("not", Slot(tmp)), prop, f"{e.name}({low.snippet(e.args[0].span)})"
              f" fired", e.span)
    return Slot(tmp), BOOL
