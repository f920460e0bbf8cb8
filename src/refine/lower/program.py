"""Assemble the IR Program: initial state, one thread per scenario entry, invariants, and the
per-CPU context stack the scheduler reads.
"""
from __future__ import annotations

from dataclasses import replace

from ..check.imports import expand, library_source
from ..check.symbols import Symbols, collect
from ..check.types import compatible, flatten, int_type, show_type
from ..engines.compile import Violated, compile_effect, compile_expr
from ..errors import SpecError, at
from ..ir.model import (BOOL, END, LEVEL_NAMES, Assign, Binop, Branch, Check, Const, Goto,
                        Invariant, Op, Program, RunEnd, RunStart, Slot, Thread, Type)
from ..ir import rename
from ..syntax import ast as A
from .emit import Label
from .exprs import ExprLowerer
from ..refinement.merge import product
from .leaks import leak_invariants
from .refinement import REFINEMENT, Refinement, mapped_state
from .liveness import insert_kills
from .registers import allocate
from .stmts import ThreadLowerer

# Checks the kernel library states with `check NAME(cond, "why")` where a primitive forbids
# something: work that is not NMI-safe run in NMI, and lockdep's invalid wait context.
LIBRARY_CHECKS = ("nmi-unsafe", "wait-context")
# The lifecycle of pool objects: touching or freeing a freed object, and an allocated object
# that nothing references any more once every handler has finished.
LIFECYCLE_CHECKS = ("use-after-free", "double-free", "leak")
KNOWN_CHECKS = {"deadlock", "assert", "WARN", "BUG", "range", "null-deref", "bounds",
                "div-zero", "context", *LIBRARY_CHECKS, *LIFECYCLE_CHECKS}
MAX_RUNS = 100


# Violations after which an execution cannot go on (the step has no result): with --only, those
# not selected end the execution without a report instead of being switched off.
CRASHES = ("range", "null-deref", "bounds", "div-zero")


def lower(spec: A.Spec, overrides: dict[str, int] | None = None,
          only: list[str] | None = None, unroll_cap: int | None = None,
          refines: bool = False) -> Program:
    """only: check just these properties (named invariants, assert, WARN, BUG); the memory and
    context checks and loop bounds stay on whatever is chosen. unroll_cap: unroll every loop at
    most this often and leave the longer paths out (only to look for violations faster).
    refines: the product of the design with the abstract spec its `refines` names, checking the
    property `refinement` alone (the design's own are checked by a run of its own)."""
    try:
        prod = None
        if refines:
            prod = product(spec)
            spec, only = prod.spec, [REFINEMENT]
        return _lower(expand(spec), overrides, only, unroll_cap, prod)
    except SpecError as e:
        if not e.path:
            e.path = spec.path
        if not e.source:
            e.source = spec.source if e.path == spec.path else library_source(e.path)
        raise


def _lower(spec: A.Spec, overrides, only, unroll_cap=None, prod=None) -> Program:
    sym = collect(spec, overrides)
    sym.unroll_cap = unroll_cap
    if prod is not None:
        sym.refinement = Refinement(prod, sym)
    if unroll_cap is not None:
        sym.checks_off["deadlock"] = "loops cut short: a cut path is not a deadlock"
    inv_names = [d.name for d in spec.decls if isinstance(d, A.InvariantDecl)]
    silent: set[str] = set()
    if only:
        choices = list(dict.fromkeys(inv_names)) + sorted(KNOWN_CHECKS) + \
            ([REFINEMENT] if prod is not None else [])
        for name in only:
            if name not in choices:
                raise SpecError("E400", f"--only {name}: no such property", spec.path,
                                expected="one of: " + ", ".join(choices))
        for name in inv_names:
            if name in only:
                sym.checks_off.pop(name, None)  # a disabled invariant asked for by name: on
        for name in KNOWN_CHECKS:
            if name in only:
                sym.checks_off.pop(name, None)  # asked for by name: on, even if the spec disables it
            elif name in CRASHES:
                silent.add(name)
                sym.checks_off.setdefault(name, "not selected with --only: an execution that "
                                          "reaches it ends there, unreported")
            else:
                sym.checks_off.setdefault(name, "not selected with --only")
    for d in spec.decls:
        if isinstance(d, A.DisableDecl) and d.check not in KNOWN_CHECKS \
                and d.check not in inv_names:
            raise at("E100", f"unknown check `{d.check}`", d.span,
                     "one of: " + ", ".join(sorted(KNOWN_CHECKS)))
    scen = next((d for d in spec.decls if isinstance(d, A.ScenarioDecl)), None)
    if scen is None or not scen.runs:
        raise SpecError("E300", "the spec has no scenario: nothing would run", spec.path,
                        expected="scenario { cpus = N; run HANDLER on cpu 0 in task; }")
    init_state(sym)
    if prod is not None and prod.decl.start:
        start_state(sym)
    default_int = _default_int(sym)
    occ = []
    for c in range(sym.cpus):
        occ.append([sym.add_slots(int_type(0, len(scen.runs)), f"cpu{c}.{LEVEL_NAMES[lvl]}",
                                  "sched") for lvl in range(4)])
    threads = []
    names: set[str] = set()
    for t, run in enumerate(scen.runs):
        threads.append(_thread(sym, t, run, names, default_int))
    threads = [replace(th, code=_drop_unfreed(th.code, sym.freed)) for th in threads]
    invariants = [_invariant(sym, d) for d in spec.decls if isinstance(d, A.InvariantDecl)
                  and (not only or d.name in only) and d.name not in sym.checks_off]
    if "leak" not in sym.checks_off:
        invariants += leak_invariants(sym, threads)
    mapped: list = []
    if prod is not None:
        mapped = mapped_state(sym.refinement) + sym.refinement.observed
        invariants += [Invariant(REFINEMENT, m.expr, m.line, m.label,
                                 f"{m.label} differs") for m in mapped]
    prog = Program(spec.name or spec.path, spec.path, sym.cpus, sym.slots, threads, invariants,
                   occ, dict(sym.consts), spec.source, dict(sym.checks_off), frozenset(silent),
                   tuple(mapped), prod.decl.spec if prod is not None else "")
    return compact(prog, sym.unused)


def _drop_unfreed(code, freed: set[str]):
    """use-after-free checks on pools that no code frees can never fail: leave them out."""
    out = []
    for ins in code:
        if isinstance(ins, Op) and any(isinstance(e, Check) and e.prop == "use-after-free"
                                       and e.subject not in freed for e in ins.effects):
            ins = replace(ins, effects=tuple(e for e in ins.effects if not (
                isinstance(e, Check) and e.prop == "use-after-free" and e.subject not in freed)))
        out.append(ins)
    return tuple(out)


def compact(prog: Program, unused: set[int]) -> Program:
    """Drop the slots register allocation freed and renumber the rest."""
    if not unused:
        return prog
    new_index = {}
    slots = []
    for i, s in enumerate(prog.slots):
        if i not in unused:
            new_index[i] = len(slots)
            slots.append(s)
    f = new_index.__getitem__
    memo: dict = {}  # one renaming: shared subexpressions stay shared
    threads = [replace(t, code=tuple(rename.instr(i, f, memo) for i in t.code),
                       pc_slot=f(t.pc_slot),
                       cpu_slot=f(t.cpu_slot), irq_slot=f(t.irq_slot),
                       preempt_slot=f(t.preempt_slot)) for t in prog.threads]
    mapped = tuple(replace(m, expr=rename.expr(m.expr, f), abstract=rename.expr(m.abstract, f),
                           concrete=rename.expr(m.concrete, f)) for m in prog.mapped)
    return Program(prog.spec_name, prog.path, prog.cpus, slots, threads,
                   [rename.invariant(i, f, memo) for i in prog.invariants],
                   [[f(s) for s in row] for row in prog.occ], prog.constants, prog.source,
                   prog.checks_off, prog.silent, mapped, prog.abstract)


def _default_int(sym: Symbols) -> Type:
    """The range of numbers held in locals: twice the largest magnitude the spec mentions."""
    m = max([1, sym.cpus] + [abs(v) for v in sym.consts.values()]
            + [max(abs(s.type.lo), abs(s.type.hi)) for s in sym.slots if s.type.kind == "int"])
    return int_type(-2 * m, 2 * m)


def init_state(sym: Symbols) -> None:
    """Apply variable initialisers and the `init` block to the slots' initial values."""
    low = ThreadLowerer(sym, "init", 0, {}, _default_int(sym))
    low.direct = 1
    keep = len(sym.slots)
    for d in sym.spec.decls:
        if isinstance(d, A.VarDecl) and d.init is not None:
            v = sym.vars[d.name]
            val, vt = low.expr(d.init)
            for k, (name, st) in enumerate(flatten(v.type, d.name)):
                if not compatible(st, vt):
                    raise at("E200", f"`{d.name}` holds {show_type(st)}, the initial value is "
                             f"{show_type(vt)}", d.init.span, show_type(st))
                low.op([Assign(Slot(v.base + k), val, d.span.line)], False, d.span)
    for d in sym.spec.decls:
        if isinstance(d, A.InitDecl):
            low.block(d.body)
    state = [s.init for s in sym.slots]
    _run_straight(low.out.code, sym.slots, state)
    del sym.slots[keep:]
    for i in range(keep):
        sym.slots[i] = replace(sym.slots[i], init=state[i])


def start_state(sym: Symbols) -> None:
    """The refinement's `start` actions applied to the initial state (lower/refinement.py)."""
    low = ThreadLowerer(sym, "start", 0, {}, _default_int(sym))
    low.owner = 0
    keep = len(sym.slots)
    sym.refinement.start(low)
    state = [s.init for s in sym.slots]
    try:
        _run_straight(low.out.code, sym.slots, state)
    except SpecError as e:
        why = e.message.removeprefix("in the initial state: ")
        raise at("E509", f"the `start` actions cannot run: {why}",
                 sym.refinement.prod.decl.start[0].span) from None
    del sym.slots[keep:]
    for i in range(keep):
        sym.slots[i] = replace(sym.slots[i], init=state[i])


def _run_straight(code, slots, state) -> None:
    pc = 0
    while pc < len(code):
        ins = code[pc]
        if isinstance(ins, Branch):
            pc = ins.target if compile_expr(ins.cond)(state) else pc + 1
            continue
        if isinstance(ins, Goto):
            pc = ins.target
            continue
        for eff in ins.effects:
            try:
                compile_effect(eff, slots)(state)
            except Violated as v:
                line = getattr(eff, "line", 0) or ins.line
                raise SpecError("E200", f"in the initial state: {v.message}", line=line, col=1) \
                    from None
        pc += 1


def _thread(sym: Symbols, t: int, run: A.RunDecl, names: set[str], default_int) -> Thread:
    handler = sym.handlers.get(run.handler)
    if handler is None:
        hint = "a handler" + (" (this is a fn)" if run.handler in sym.fns else "")
        raise at("E100", f"unknown handler `{run.handler}`", run.span, hint)
    if run.context not in LEVEL_NAMES:
        raise at("E300", f"unknown context `{run.context}`", run.span,
                 "one of: " + ", ".join(LEVEL_NAMES))
    level = LEVEL_NAMES.index(run.context)
    cpu = None
    if run.cpu is not None:
        cpu = sym.const_eval(run.cpu, "a CPU number")
        if not 0 <= cpu < sym.cpus:
            raise at("E300", f"cpu {cpu} does not exist: the scenario has {sym.cpus} CPUs "
                     f"(0..{sym.cpus - 1})", run.cpu.span)
    runs = sym.const_eval(run.times, "a number of runs") if run.times is not None else 1
    if not 1 <= runs <= MAX_RUNS:
        raise at("E300", f"times {runs}; a handler runs 1 to {MAX_RUNS} times", run.times.span)
    name = run.alias or (run.handler if cpu is None else f"{run.handler}@{cpu}")
    if name in names:
        raise at("E300", f"two scenario entries are called `{name}`", run.span,
                 "`as NAME` to tell them apart")
    names.add(name)
    pc = sym.add_slots(int_type(END, 0), f"{name}.pc", "pc", t)
    cpu_slot = sym.add_slots(int_type(0, sym.cpus - 1), f"{name}.cpu", "cpu", t)
    if cpu is not None:
        sym.slots[cpu_slot] = replace(sym.slots[cpu_slot], init=cpu)
    irq = sym.add_slots(BOOL, f"{name}.irqs_off", "ctx", t)
    preempt = sym.add_slots(int_type(0, 8), f"{name}.preempt", "ctx", t)
    low = ThreadLowerer(sym, name, level, {"irq": irq, "preempt": preempt}, default_int)
    low.owner = t
    low.cpu_expr = Const(cpu) if cpu is not None else Slot(cpu_slot)
    when = None
    if run.when is not None:  # read directly when the run would start: no steps of its own
        wlow = ExprLowerer(sym, name, level)
        wlow.direct, wlow.owner, wlow.cpu_expr = 1, t, low.cpu_expr
        wv, wt = wlow.expr(run.when)
        if wlow.out.code:
            raise at("E102", "a `when` cannot call functions that run steps", run.when.span,
                     "an expression over state")
        when = wlow.as_bool(wv, wt, run.when.span)
    starts = []
    text = f"{run.handler}() starts in {run.context}"
    for r in range(runs):
        starts.append(low.out.emit(RunStart(r, when, (), handler.span.line, text)))
        end = Label()
        low.frames.append((None, None, end))
        low.block(handler.body)
        low.frames.pop()
        low.out.place(end)
        if "context" not in sym.checks_off:
            low.out.emit(Op((Check(Binop("and", Binop("==", Slot(irq), Const(0)),
                                             Binop("==", Slot(preempt), Const(0))),
                                   "context", f"{run.handler}() returns with IRQs or "
                                   "preemption still disabled", handler.span.line),), False))
        low.out.emit(RunEnd(r))
    reset = tuple(low.locals_) + (irq, preempt)
    code = [replace(ins, reset=reset) if i in starts else ins
            for i, ins in enumerate(low.out.code)]
    code, unused = allocate(code, sym.slots, low.locals_)
    sym.unused |= unused
    code = insert_kills(code, {s: 0 for s in low.locals_ if s not in unused})
    sym.slots[pc] = replace(sym.slots[pc], type=int_type(END, len(code)))
    return Thread(name, run.handler, level, cpu, runs, tuple(code), pc, cpu_slot, irq, preempt,
                  run.span.line)


def _invariant(sym: Symbols, d: A.InvariantDecl) -> Invariant:
    low = ExprLowerer(sym)
    low.direct = 1
    v, t = low.expr(d.expr)
    if low.out.code:
        raise at("E102", "an invariant cannot call functions that run steps", d.expr.span,
                 "an expression over state")
    e = low.as_bool(v, t, d.expr.span)
    return Invariant(d.name, e, d.span.line, low.snippet(d.expr.span))
