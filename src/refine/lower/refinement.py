"""Lowering the refinement product: the abstract action a `maps` step runs, the observations it
compares, and the invariant that compares the mapped concrete state with the abstract state.

The abstract spec is deterministic per action (an action with its arguments has one outcome;
`nondet()` is refused in an action), so running it alongside the design builds the one
abstract behaviour the mapping allows: when that behaviour cannot follow, no abstract
behaviour can, and the failure is a real one.
"""
from __future__ import annotations

from dataclasses import replace
from itertools import product

from ..check.types import Array, compatible, show_type, size_of
from ..errors import at
from ..ir.crash import elem_offset, never_raises
from ..ir.fold import balanced
from ..ir.model import (BOOL, CUT, Assign, Binop, Branch, Check, Const, Elem, Goto, Ite, Mapped,
                        Op, Slot, Type, Unop)
from ..syntax import ast as A
from .emit import Label

REFINEMENT = "refinement"  # the property a product checks
KINDS = {
    "enabled": "abstract step not enabled",
    "state": "mapped state differs",
    "stutter": "stutter changed the mapped state",
    "observation": "observation differs",
    "initial": "the initial state maps to no initial abstract state",
}


class Refinement:
    """What the lowering of a product needs: the pool correspondence and the mapping."""

    def __init__(self, prod, sym):
        self.prod = prod
        self.sym = sym
        self.prefix = prod.prefix
        self.name = prod.decl.spec
        self.pools: dict[str, str] = {}  # abstract pool (product name) -> concrete pool
        self.observed: list[Mapped] = []
        self._pairs: dict[tuple, tuple[int, int]] = {}
        for a, c, span in prod.decl.pools:
            ap = prod.renamed.get(a)
            if ap is None or ap not in sym.pools:
                raise at("E501", f"the abstract spec {self.name} has no pool `{a}`", span,
                         "one of: " + ", ".join(n for n in prod.renamed
                                                if prod.renamed[n] in sym.pools))
            if c not in sym.pools or c in prod.renamed.values():
                raise at("E501", f"the design has no pool `{c}`", span, "a pool of the design")
            if sym.pools[ap].hi != sym.pools[c].hi:
                raise at("E501", f"pool {a} has {sym.pools[ap].hi} objects in {self.name} and "
                         f"{c} has {sym.pools[c].hi}: a pool maps onto one of the same size",
                         span, "equal sizes")
            self.pools[ap] = c
        for i, info in enumerate(sym.slots):  # kept out of the design's trace lines
            if info.name.startswith(self.prefix):
                sym.slots[i] = replace(info, kind="abstract")
        for a, ap in prod.renamed.items():
            if ap in sym.pools and ap not in self.pools:
                raise at("E502", f"the abstract pool `{a}` is not mapped", prod.decl.span,
                         f"pool {a} = POOL_OF_THE_DESIGN;")

    # ------------------------------------------------------------------ types

    def same(self, at_: Type, ct: Type) -> bool | None:
        """Whether values compare as they are (True), are never equal unless both are NULL
        (False: a pointer into a pool the abstract spec does not have), or cannot be compared
        (None)."""
        if at_.kind == "ref" and ct.kind == "ref":
            if ct.name == "NULL" or self.pools.get(at_.name) == ct.name or at_.name == ct.name:
                return True
            return False if ct.name not in self.pools.values() else None
        return True if compatible(at_, ct) else None

    def equal(self, a, at_: Type, c, ct: Type, span, what: str):
        mode = self.same(at_, ct)
        if mode is None:
            raise at("E503", f"{what} is {show_type(at_)} in {self.name}, the design gives "
                     f"{show_type(ct)}", span, show_type(at_))
        if mode:
            return Binop("==", a, c)
        return Binop("==", a, Ite(Binop("==", c, Const(0)), Const(0), Const(-1)))

    def as_abstract(self, v, vt: Type, pt: Type, span, what: str):
        """A concrete argument given to an abstract action, typed as the action's parameter."""
        mode = self.same(pt, vt)
        if mode is None or (mode is False and vt.kind == "ref"):
            raise at("E503", f"{what} is {show_type(pt)} in {self.name}; the design gives "
                     f"{show_type(vt)}", span, f"a value of the design that maps to "
                     f"{show_type(pt)}")
        if vt.kind == "ref":
            return v, Type("ref", vt.lo, vt.hi, pt.name, nullable=vt.nullable)
        return v, vt

    def _chooses(self, fn, seen: set) -> bool:
        """Whether fn, or a function it calls, makes a nondeterministic choice."""
        seen.add(fn.name)
        for name in _calls(fn.body):
            if name == "nondet":
                return True
            callee = self.sym.fns.get(name)
            if callee is not None and name not in seen and self._chooses(callee, seen):
                return True
        return False

    # ------------------------------------------------------------------ steps

    def step(self, low, s, first: int) -> None:
        """After statement s was lowered from code index `first`: run its abstract actions in
        the same step (ghost code: invisible operations after the step's own)."""
        maps = s.maps
        visible = _most_steps(low.out.code, first)
        if visible > 1:
            raise at("E504", f"this statement maps to {maps.actions[0].name}() but is "
                     f"{visible} steps; map a statement that is one step (a load, an xchg, "
                     "an atomic block)", s.span, "one step")
        low.direct += 1
        text = low.snippet(maps.span)
        skip = None
        if maps.when is not None:
            cv, ct = low.expr(maps.when)
            skip = Label()
            low.out.branch(Unop("not", low.as_bool(cv, ct, maps.when.span)), skip)
        low.out.emit(Op((), False, None, maps.span.line, text, maps=text))  # step_actions
        for k, act in enumerate(maps.actions):
            self._action(low, act, k, text)
        if skip is not None:
            low.out.place(skip)
        low.direct -= 1

    def _abstract(self, low, fn, act, given, text: str):
        """Inline the abstract action. Its checks, the library's included (a destructor's
        nmi-unsafe), are all on, whatever the design switches off: a failing one means the
        abstract spec cannot take the step."""
        sym = self.sym
        saved_off, sym.checks_off = sym.checks_off, {}
        saved_tenv, sym.tenv = sym.tenv, {}
        start = len(low.out.code)
        try:
            r = low._inline_body(fn, A.Call(fn.name, act.args, span=act.span), given)
        finally:
            sym.checks_off, sym.tenv = saved_off, saved_tenv
        code = low.out.code
        for i in range(start, len(code)):
            if isinstance(code[i], Op):
                code[i] = replace(code[i], effects=tuple(
                    x for e in code[i].effects for x in self._guarded(_enabled(e, text), text)))
        return r

    def _guarded(self, e, text: str):
        """e with explicit checks before it. A product run checks only `refinement` and loop
        bounds, so a crash inside the abstract action (a NULL or out-of-range index, a division
        by zero) would end the execution unseen: it is the abstract step not being enabled. A
        value written outside its type is a bound of the abstract spec: inconclusive."""
        if isinstance(e, Check):
            exprs = [e.cond]
        else:
            exprs = [e.value] + ([e.target] if isinstance(e.target, Elem) else [])  # its index too
        out = []
        safe = balanced("and", [c for x in exprs if (c := never_raises(x)) is not None], 1)
        if safe != Const(1):
            out.append(Check(safe, "refinement", f"{KINDS['enabled']}: `{text}`: the abstract "
                             "action reads through NULL or outside an array", e.line))
        if isinstance(e, Assign):
            out.append(self._in_type(e))
        return tuple(out) + (e,)

    def _in_type(self, e: Assign) -> Check:
        slots = self.sym.slots
        if isinstance(e.target, Slot):
            offsets, where = [e.target.index], None
        else:
            t = e.target
            offsets = sorted({t.base + sum(k * st for k, st in zip(ks, t.strides))
                              for ks in product(*(range(n) for n in t.sizes))})
            where = balanced("+", [Const(t.base)] + [Binop("*", elem_offset(x, ref), Const(st))
                                                     for x, st, ref in zip(t.indices, t.strides,
                                                                            t.null_based)], 0)
        terms = []
        for o in (o for o in offsets if o < len(slots)):
            ty = slots[o].type
            ok = Binop("and", Binop(">=", e.value, Const(ty.lo)),
                       Binop("<=", e.value, Const(ty.hi)))
            terms.append(ok if where is None else Binop("or", Binop("!=", where, Const(o)), ok))
        name = slots[offsets[0]].name.removeprefix(self.prefix)
        return Check(balanced("and", terms, 1), "unwind", f"the abstract spec's bound: a value "
                     f"written to {name} is outside its type; raise it (refines "
                     f"{self.name}(...) sets its constants)", e.line)

    def _action(self, low, act: A.MapAction, k: int, text: str, start: bool = False) -> None:
        fn = self.sym.fns.get(self.prefix + act.name)
        if fn is None:
            names = [n for n in self.prod.renamed if self.prod.renamed[n] in self.sym.fns]
            raise at("E505", f"{self.name} has no action `{act.name}`", act.span,
                     "one of: " + ", ".join(names))
        if self._chooses(fn, set()):
            raise at("E505", f"{act.name}() makes a nondeterministic choice; an abstract "
                     "action must have one outcome for its arguments", act.span,
                     "the choice as a parameter")
        if len(act.args) != len(fn.params):
            raise at("E201", f"{act.name}() takes {len(fn.params)} arguments, got "
                     f"{len(act.args)}", act.span, ", ".join(p.name for p in fn.params))
        given = []
        for p, a in zip(fn.params, act.args):
            if p.by_ref or p.type is None:
                raise at("E505", f"{act.name}(): abstract actions take values", p.span)
            pt = self.sym.resolve_type(p.type)
            v, vt = low.expr(a)
            given.append(self.as_abstract(v, vt, pt, a.span, f"{act.name}(): `{p.name}`"))
        r = self._abstract(low, fn, act, given, text)
        if start:
            if act.returns is not None:
                raise at("E506", "a `start` action is no program's step: it has no `returns`",
                         act.returns.span)
            return
        if (r is None) != (act.returns is None):
            what = "returns a value: say what the step makes the program see, `returns EXPR`" \
                if r is not None else "returns nothing: drop `returns`"
            raise at("E506", f"{act.name}() {what}", act.span, "returns EXPR" if r else "")
        if r is None:
            return
        rv, rt = r
        ov, ot = low.expr(act.returns)
        seen, required = self._pair(low, act, k, ot, rt)
        low.op([_assign(seen, ov, act), _assign(required, rv, act)], False, act.span)

    def start(self, low) -> None:
        """`start A(...), B(...);`: the abstract actions that lead from the abstract spec's
        initial state to where the design's scenario starts (an object installed before it),
        run in the initial state as if by the scenario's first entry. `when (c)` runs a line
        only if c holds in the design's initial state (a size the scenario chooses)."""
        low.direct += 1
        for line in self.prod.decl.start:
            skip = None
            if line.when is not None:
                cv, ct = low.expr(line.when)
                skip = Label()
                low.out.branch(Unop("not", low.as_bool(cv, ct, line.when.span)), skip)
            for k, act in enumerate(line.actions):
                self._action(low, act, k, low.snippet(act.span), start=True)
            if skip is not None:
                low.out.place(skip)
        low.direct -= 1

    def _pair(self, low, act, k, ot: Type, rt: Type) -> tuple[int, int]:
        """The ghost slots a thread's observation lands in: what the design's step made the
        program see, and what the abstract action returned (compared after the step)."""
        key = (low.owner, act.span, k)
        if key not in self._pairs:
            label = f"{act.name}() at line {act.span.line} in {low.thread_name}"
            if ot.kind == "ref":
                ot = Type("ref", 0, ot.hi, ot.name, nullable=True)
            if rt.kind == "ref":
                rt = Type("ref", 0, rt.hi, rt.name, nullable=True)
            seen = self.sym.add_slots(ot, f"{self.prefix}seen:{label}", "abstract")
            req = self.sym.add_slots(rt, f"{self.prefix}returns:{label}", "abstract")
            self._pairs[key] = (seen, req)
            expr = self.equal(Slot(req), rt, Slot(seen), ot, act.span, f"what {act.name}() "
                              "returns")
            self.observed.append(Mapped(f"what {act.name}() returns, in {low.thread_name}",
                                        "observation", expr, Slot(req), Slot(seen), rt, ot,
                                        act.span.line))
        return self._pairs[key]


def _most_steps(code, first: int) -> int:
    """The most visible operations one path through code[first:] runs (jumps go forward; a
    jump out of the segment, to a label not placed yet, leaves it)."""
    n = len(code)
    most = [0] * (n + 1)
    for i in range(n - 1, first - 1, -1):
        ins = code[i]
        if isinstance(ins, Op):
            most[i] = int(ins.visible) + most[i + 1]
        elif isinstance(ins, Branch):
            most[i] = max(most[i + 1], most[ins.target] if first <= ins.target <= n else 0)
        elif isinstance(ins, Goto):
            most[i] = most[ins.target] if first <= ins.target <= n else 0
        else:
            most[i] = most[i + 1]
    return most[first] if first < n else 0


def _assign(slot: int, v, act):
    return Assign(Slot(slot), v, act.span.line)


def _enabled(e, text: str):
    """A check inside an abstract action: a failure means the abstract spec cannot take the
    step. A range error of the abstract spec's bookkeeping is a bound of the model."""
    if not isinstance(e, Check) or e.prop in (CUT, "unwind"):
        return e
    if e.prop == "range":
        return replace(e, prop="unwind", message=f"the abstract spec's bound: {e.message}")
    return replace(e, prop="refinement", message=f"{KINDS['enabled']}: `{text}`: {e.message}")


def _calls(n) -> list[str]:
    """The names of every function the syntax tree n calls."""
    if isinstance(n, A.Call):
        return [n.name] + _calls(n.args)
    if isinstance(n, tuple):
        return [c for x in n for c in _calls(x)]
    if hasattr(n, "__dataclass_fields__"):
        return [c for f in n.__dataclass_fields__ if f != "span" for c in _calls(getattr(n, f))]
    return []


def mapped_state(ref: Refinement) -> list[Mapped]:
    """The mapping, one entry per abstract scalar: pool liveness, then every variable element
    mapped or hidden; an abstract variable left unmapped is an error, never a default."""
    from .exprs import ExprLowerer
    sym, prod = ref.sym, ref.prod
    out: list[Mapped] = []
    for ap, cp in ref.pools.items():
        for i in range(sym.pools[ap].hi):
            a, c = Slot(sym.live[ap] + i), Slot(sym.live[cp] + i)
            out.append(Mapped(f"{ap[len(ref.prefix):]}#{i} allocated", "state",
                              Binop("==", a, c), a, c, BOOL, BOOL, prod.decl.span.line))
    hidden = {}
    for name, span in prod.decl.hidden:
        if ref.prefix + name not in sym.vars:
            raise at("E507", f"`hidden {name}`: {ref.name} has no variable `{name}`", span,
                     "an abstract variable")
        hidden[ref.prefix + name] = span
    covered: dict[int, A.Span] = {}
    for m in prod.decl.maps:
        var = sym.vars.get(ref.prefix + m.var)
        if var is None:
            raise at("E507", f"{ref.name} has no variable `{m.var}`", m.span,
                     "an abstract variable")
        if var.name in hidden:
            raise at("E508", f"`{m.var}` is both mapped and hidden", m.span)
        for slot, scope in _elements(ref, var, m):
            label = sym.slots[slot].name[len(ref.prefix):]
            if slot in covered:
                raise at("E508", f"{label} is mapped twice (first at line "
                         f"{covered[slot].line})", m.span)
            covered[slot] = m.span
            low = ExprLowerer(sym)
            low.direct = 1
            low.scopes.append(scope)
            cv, ct = low.expr(m.value)
            if low.out.code:
                raise at("E102", "a mapping cannot call functions that run steps",
                         m.value.span, "an expression over the design's state")
            at_ = sym.slots[slot].type
            out.append(Mapped(label, "state", ref.equal(Slot(slot), at_, cv, ct, m.value.span,
                                                         label), Slot(slot), cv, at_, ct,
                              m.span.line))
    missing = []
    for var in sym.vars.values():
        if not var.name.startswith(ref.prefix) or var.name in hidden:
            continue
        left = [k for k in range(size_of(var.type)) if var.base + k not in covered]
        if left:
            short = var.name[len(ref.prefix):]
            missing.append(short if len(left) == size_of(var.type) else
                           ", ".join(sym.slots[var.base + k].name[len(ref.prefix):]
                                     for k in left))
    if missing:
        raise at("E502", f"abstract variables left unmapped: {', '.join(missing)}",
                 prod.decl.span, "map each one (`VAR[i] = EXPR;`) or hide it (`hidden VAR;`)")
    return out


def _elements(ref: Refinement, var, m: A.VarMap):
    """(slot, scope) for every element `m` maps: an index naming a constant picks one
    element, another name binds every value of the index set (in the scope of the value)."""
    sym = ref.sym
    picks = [(var.base, var.type, {})]
    for idx in m.indices:
        nxt = []
        for base, t, scope in picks:
            if not isinstance(t, Array):
                raise at("E507", f"`{m.var}` has fewer indices than this", idx.span)
            width = size_of(t.elem)
            if isinstance(idx, A.Name) and idx.name not in sym.consts \
                    and idx.name not in sym.members:
                for i in range(t.dom.size):
                    value = i + 1 if t.dom.kind == "pool" else i + t.dom.lo
                    vt = t.dom.elem
                    if t.dom.kind == "pool" and t.dom.name in ref.pools:  # the design's object
                        vt = sym.pools[ref.pools[t.dom.name]]
                    nxt.append((base + i * width, t.elem, {**scope, idx.name: ("const", value,
                                                                               vt)}))
                continue
            v = _index_value(sym, idx, t)
            nxt.append((base + v * width, t.elem, scope))
        picks = nxt
    for base, t, scope in picks:
        if not isinstance(t, Type):
            raise at("E507", f"`{m.var}` needs more indices: map each scalar element",
                     m.span, f"{m.var}[i]...")
        yield base, scope


def _index_value(sym, idx: A.Expr, t: Array) -> int:
    dom = t.dom
    if isinstance(idx, A.Object):
        if dom.kind != "pool" or idx.pool.split(".")[-1] != dom.name.split(".")[-1]:
            raise at("E507", "this index is not an object of the array's pool", idx.span)
        v = idx.index
    else:
        v = sym.const_eval(idx, "an index") - (0 if dom.kind == "pool" else dom.lo)
    if not 0 <= v < dom.size:
        raise at("E507", f"index {v} is outside {dom.name or 'the index set'}", idx.span)
    return v
