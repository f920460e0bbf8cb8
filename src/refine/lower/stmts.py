"""Lowering statements of one thread: loops unrolled to their bound, calls inlined, `atomic`
blocks turned into one visible operation followed by invisible ones (so they run as one step).
"""
from __future__ import annotations

from ..check.types import compatible, show_type
from ..errors import at
from ..ir.model import CUT, Assign, Binop, Check, Const, Elem, Op, Slot, Type, Unop
from ..syntax import ast as A
from .builtins import (ATOMICS, CONTROL, LIFECYCLE, WARNS, atomic_call, canonical, control_call,
                       lifecycle_call, nondet_value, warn_call)
from .emit import Label
from .exprs import ExprLowerer, Loc

MAX_INLINE_DEPTH = 32
MAX_INSTRUCTIONS = 200_000


class ThreadLowerer(ExprLowerer):
    def __init__(self, sym, thread_name, level, thread_slots, default_int):
        super().__init__(sym, thread_name, level)
        self.thread_slots = thread_slots
        self.default_int = default_int
        self.loops: list[tuple[Label, Label]] = []  # (break, continue) targets
        self.frames: list[tuple[int | None, Type | None, Label]] = []  # (ret slot, type, exit)
        self.calls: list[str] = []
        self.locals_: list[int] = []

    # ------------------------------------------------------------------ locals

    def declare(self, name: str, t: Type, span) -> int:
        if name in self.scopes[-1]:
            raise at("E101", f"`{name}` is already declared in this block", span, "a new name")
        slot = self.new_slot(t, name)
        self.locals_.append(slot)
        self.scopes[-1][name] = ("local", slot, t)
        return slot

    def new_slot(self, t: Type, name: str, kind: str = "local") -> int:
        """Thread registers always admit 0, the value they are reset to between uses."""
        if t.kind == "ref":
            t = Type("ref", 0, t.hi, t.name, nullable=True)
        elif t.lo > 0 or t.hi < 0:
            t = Type(t.kind, min(t.lo, 0), max(t.hi, 0), t.name, t.names)
        return super().new_slot(t, name, kind)

    def local_type(self, t: Type) -> Type:
        """Numbers in locals get the spec's working range; the declared one if given."""
        return self.default_int if t.kind == "int" else t

    def temp(self, t: Type) -> int:
        slot = super().temp(self.local_type(t))
        self.locals_.append(slot)
        return slot

    # ------------------------------------------------------------------ calls

    def call(self, e: A.Call):
        name = canonical(e.name)
        if name in ATOMICS:
            return atomic_call(self, e)
        if e.name in CONTROL:
            if self.direct:
                raise at("E102", f"{e.name}() inside atomic", e.span, "a statement of its own")
            return control_call(self, e)
        if e.name in WARNS:
            return warn_call(self, e)
        if e.name in LIFECYCLE:
            return lifecycle_call(self, e)
        if e.name == "nondet":
            if self.direct:
                raise at("E102", "nondet() inside atomic must be the block's first statement, "
                         "as `let x = nondet();`", e.span, "a statement of its own")
            slot, t, n = nondet_value(self, e)
            self.out.emit(Op((), True, None, e.span.line, self.where() + self.text(e.span),
                             (slot, n), e.span.file))
            return Slot(slot), t
        fn = self.sym.fns.get(e.name)
        if fn is None:
            if e.name in self.sym.handlers:
                raise at("E102", f"`{e.name}` is a handler; handlers run from the scenario",
                         e.span, "a fn")
            return super().call(e)
        return self.inline(fn, e)

    def inline(self, fn: A.FnDecl, e: A.Call):
        if fn.name in self.calls:
            raise at("E103", f"{fn.name}() calls itself (through "
                     f"{' -> '.join(self.calls + [fn.name])}); calls are inlined", e.span)
        if len(self.calls) >= MAX_INLINE_DEPTH:
            raise at("E013", "calls nest too deeply", e.span)
        if len(e.args) != len(fn.params):
            n = len(fn.params)
            raise at("E201", f"{fn.name}() takes {n} argument{'s' * (n != 1)}, got {len(e.args)}",
                     e.span, ", ".join(p.name for p in fn.params) or "no arguments")
        # Arguments are evaluated in order in the caller's type environment; the function's
        # type parameters are then bound from them (and from `type T` arguments).
        given = []
        for p, a in zip(fn.params, e.args):
            if p.type is None:
                given.append(self._type_arg(fn, p, a))
            elif p.by_ref:
                given.append(self._pin(self.location(a), a.span))
            else:
                given.append(self.expr(a))
        tenv = self._bind(fn, e, given)
        saved_tenv, self.sym.tenv = self.sym.tenv, tenv
        try:
            return self._inline_body(fn, e, given)
        finally:
            self.sym.tenv = saved_tenv

    def _inline_body(self, fn: A.FnDecl, e: A.Call, given):
        scope = {}
        for p, a, g in zip(fn.params, e.args, given):
            if p.type is None:
                continue
            pt = self.sym.resolve_type(p.type)
            if p.by_ref:
                loc = g
                if show_type(loc.type) != show_type(pt):
                    raise at("E200", f"{fn.name}(): `{p.name}` is &{show_type(pt)}, given "
                             f"{show_type(loc.type)}", a.span, show_type(pt))
                scope[p.name] = ("ref", loc)
                continue
            if not isinstance(pt, Type):
                raise at("E204", f"`{p.name}`: pass a struct or array by reference (&)", p.span)
            v, vt = g
            if not compatible(pt, vt):
                raise at("E200", f"{fn.name}(): `{p.name}` is {show_type(pt)}, given "
                         f"{show_type(vt)}", a.span, show_type(pt))
            slot = self.new_slot(pt, f"{fn.name}.{p.name}")
            self.locals_.append(slot)
            self.op([Assign(Slot(slot), v, a.span.line)], False, a.span)
            scope[p.name] = ("local", slot, pt)
        ret_t = self.sym.resolve_type(fn.ret) if fn.ret is not None else None
        if ret_t is not None and not isinstance(ret_t, Type):
            raise at("E204", "functions return single values", fn.ret.span)
        ret = None
        if ret_t is not None:
            ret = self.new_slot(self.local_type(ret_t), f"{fn.name}.ret")
            self.locals_.append(ret)
        exit_ = Label()
        saved_scopes, saved_loops = self.scopes, self.loops
        self.scopes, self.loops = [scope], []
        self.frames.append((ret, ret_t, exit_))
        self.calls.append(fn.name)
        self.block(fn.body, new_scope=False)
        self.calls.pop()
        self.frames.pop()
        self.scopes, self.loops = saved_scopes, saved_loops
        self.out.place(exit_)
        return (Slot(ret), ret_t) if ret is not None else None

    def lifecycle(self, loc: Loc, span) -> list[Check]:
        out = []
        if "use-after-free" in self.sym.checks_off:
            return out
        for pool, ref in loc.objects:
            n = self.sym.pools[pool].hi
            base = self.sym.live[pool]
            live = (Slot(base + ref.value - 1) if isinstance(ref, Const) and ref.value
                    else Elem(base, (ref,), (n,), (1,), (True,), span.line))
            out.append(Check(Binop("or", Binop("==", ref, Const(0)), live), "use-after-free",
                             f"`{self.snippet(span)}` touches a freed {pool} object",
                             span.line, pool))
        return out

    def _pin(self, loc: Loc, span) -> Loc:
        """Evaluate the run-time indices of a by-reference argument once, at the call."""
        parts = []
        pinned = {}
        for idx, size, stride, is_ref in loc.parts:
            t = self.temp(self.default_int if not is_ref else Type("ref", 0, size, "", ()))
            self.op([Assign(Slot(t), idx, span.line)], False, span)
            parts.append((Slot(t), size, stride, is_ref))
            pinned[idx] = Slot(t)
        objects = tuple((pool, pinned.get(ref, ref)) for pool, ref in loc.objects)
        return Loc(loc.base, tuple(parts), loc.type, loc.kind, loc.name, loc.line, objects)

    # ------------------------------------------------------------------ statements

    def block(self, b: A.Block, new_scope: bool = True) -> None:
        if new_scope:
            self.scopes.append({})
        for s in b.stmts:
            self.stmt(s)
            if len(self.out.code) > MAX_INSTRUCTIONS:
                raise at("E013", "the unrolled program is too large; lower a loop bound", s.span)
        if new_scope:
            self.scopes.pop()

    def stmt(self, s: A.Stmt) -> None:
        method = getattr(self, "s_" + type(s).__name__.lower())
        first = len(self.out.code)
        method(s)
        refinement = self.sym.refinement
        if refinement is not None and getattr(s, "maps", None) is not None:
            refinement.step(self, s, first)

    def s_block(self, s: A.Block) -> None:
        self.block(s)

    def s_let(self, s: A.Let) -> None:
        v, vt = self.expr(s.value)
        if s.type is not None:
            t = self.sym.resolve_type(s.type)
            if not isinstance(t, Type):
                raise at("E204", "locals hold single values", s.type.span)
            if not compatible(t, vt):
                raise at("E200", f"`{s.name}` is {show_type(t)} but the value is "
                         f"{show_type(vt)}", s.value.span, show_type(t))
        else:
            if vt.kind == "ref" and vt.name == "NULL":
                raise at("E200", f"the type of `{s.name}` cannot be inferred from NULL",
                         s.value.span, f"let {s.name}: Pool? = NULL;")
            t = self.local_type(vt)
            if t.kind == "ref":
                t = Type("ref", 0, t.hi, t.name, nullable=True)
        slot = self.declare(s.name, t, s.span)
        self.op([Assign(Slot(slot), v, s.span.line)], False, s.span)

    def s_assign(self, s: A.Assign) -> None:
        v, vt = self.expr(s.value)
        loc = self.location(s.target)
        if not isinstance(loc.type, Type):
            raise at("E203", f"`{loc.name}` is {show_type(loc.type)}; assign its fields",
                     s.target.span)
        if not compatible(loc.type, vt):
            raise at("E200", f"`{loc.name}` is {show_type(loc.type)}, the value is "
                     f"{show_type(vt)}", s.value.span, show_type(loc.type))
        self.op(self.lifecycle(loc, s.span) + [Assign(loc.ir(), v, s.span.line)],
                loc.kind == "state", s.span)

    def s_exprstmt(self, s: A.ExprStmt) -> None:
        if not isinstance(s.expr, A.Call):
            raise at("E102", "this expression does nothing", s.span, "a call or an assignment")
        self.call(s.expr)

    def s_if(self, s: A.If) -> None:
        cv, ct = self.expr(s.cond)
        c = self.as_bool(cv, ct, s.cond.span)
        other, end = Label(), Label()
        self.out.branch(Unop("not", c), other)
        self.block(s.then)
        if s.other is not None:
            self.out.goto(end)
        self.out.place(other)
        if s.other is not None:
            self.stmt(s.other)
            self.out.place(end)

    def s_while(self, s: A.While) -> None:
        bound = self.sym.const_eval(s.bound, "a loop bound")
        if not 0 <= bound <= 1000:
            raise at("E204", f"loop bound {bound}; use 0 to 1000", s.bound.span)
        done = Label()
        cap = self.sym.unroll_cap
        unrolled = bound if cap is None else min(bound, cap)
        for _ in range(unrolled):
            cv, ct = self.expr(s.cond)
            self.out.branch(Unop("not", self.as_bool(cv, ct, s.cond.span)), done)
            again = Label()
            self.loops.append((done, again))
            self.block(s.body)
            self.loops.pop()
            self.out.place(again)
        cv, ct = self.expr(s.cond)
        if unrolled < bound:  # a search with loops cut short: paths past the cut are not explored
            self.op([Check(Unop("not", self.as_bool(cv, ct, s.cond.span)), CUT,
                           "cut short", s.span.line)], False, s.span)
        else:
            self.check(Unop("not", self.as_bool(cv, ct, s.cond.span)), "unwind",
                       f"the loop at line {s.span.line} needs more than its bound of {bound} "
                       "iterations; raise the bound", s.span)
        self.out.place(done)

    def s_for(self, s: A.For) -> None:
        _, values = self.sym.domain_values(s.domain)
        done = Label()
        for v, vt in values:
            again = Label()
            self.scopes.append({s.var: ("const", v, vt)})
            self.loops.append((done, again))
            self.block(s.body)
            self.loops.pop()
            self.scopes.pop()
            self.out.place(again)
        self.out.place(done)

    def s_return(self, s: A.Return) -> None:
        if not self.frames:
            raise at("E102", "return outside a function", s.span)
        ret, ret_t, exit_ = self.frames[-1]
        if s.value is not None:
            if ret is None:
                raise at("E200", "this function returns no value", s.value.span, "return;")
            v, vt = self.expr(s.value)
            if not compatible(ret_t, vt):
                raise at("E200", f"returns {show_type(ret_t)}, not {show_type(vt)}",
                         s.value.span, show_type(ret_t))
            self.op([Assign(Slot(ret), v, s.span.line)], False, s.span)
        elif ret is not None:
            raise at("E200", f"this function must return a {show_type(ret_t)}", s.span,
                     "return VALUE;")
        self.out.goto(exit_)

    def s_break(self, s: A.Break) -> None:
        if not self.loops:
            raise at("E102", "break outside a loop", s.span)
        self.out.goto(self.loops[-1][0])

    def s_continue(self, s: A.Continue) -> None:
        if not self.loops:
            raise at("E102", "continue outside a loop", s.span)
        self.out.goto(self.loops[-1][1])

    def s_atomic(self, s: A.Atomic) -> None:
        stmts = s.body.stmts
        if self.direct:  # nested atomic: already one step
            self.block(s.body)
            return
        choose = None
        self.scopes.append({})
        if stmts and isinstance(stmts[0], A.Let) and isinstance(stmts[0].value, A.Call) \
                and stmts[0].value.name == "nondet":
            # the step's choice (a lock attempt that waits or times out): known before the guard
            slot, t, n = nondet_value(self, stmts[0].value, stmts[0].name)
            self.scopes[-1][stmts[0].name] = ("local", slot, t)
            choose = (slot, n)
            stmts = stmts[1:]
        self.direct += 1
        guard = None
        if stmts and isinstance(stmts[0], A.Await):
            gv, gt = self.expr(stmts[0].cond)
            guard = self.as_bool(gv, gt, stmts[0].cond.span)
            stmts = stmts[1:]
        self.direct -= 1
        self.out.emit(Op((), True, guard, s.span.line, self.where() + self.text(s.span), choose,
                         s.span.file))
        self.direct += 1
        self.block(A.Block(stmts, span=s.body.span))
        self.direct -= 1
        self.scopes.pop()

    def s_await(self, s: A.Await) -> None:
        if self.direct:
            raise at("E102", "await inside atomic must be its first statement", s.span)
        self.direct += 1
        gv, gt = self.expr(s.cond)
        self.direct -= 1
        self.out.emit(Op((), True, self.as_bool(gv, gt, s.cond.span), s.span.line,
                         self.where() + self.text(s.span), file=s.span.file))

    def s_assert(self, s: A.Assert) -> None:
        cv, ct = self.expr(s.cond)
        msg = s.message or f"assert({self.snippet(s.cond.span)}) failed"
        self.check(self.as_bool(cv, ct, s.cond.span), "assert", msg, s.span)

    def s_checkstmt(self, s: A.CheckStmt) -> None:
        from .program import LIBRARY_CHECKS
        if s.check not in LIBRARY_CHECKS + ("bound",):
            raise at("E100", f"unknown check `{s.check}`", s.span,
                     "one of: " + ", ".join(LIBRARY_CHECKS + ("bound",)))
        cv, ct = self.expr(s.cond)
        cond = self.as_bool(cv, ct, s.cond.span)
        if s.check == "bound":  # a bound of the model, like a loop bound: inconclusive, always on
            self.op([Check(cond, "unwind", s.message, s.span.line)], False, s.span)
            return
        self.check(cond, s.check, s.message, s.span)


