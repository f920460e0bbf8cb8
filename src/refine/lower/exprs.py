"""Lowering expressions to IR, with their type checks.

Outside `atomic`, every read of a state variable is a load of its own: it becomes a visible
operation that copies the value into a temporary, and the expression uses the temporary. Inside
`atomic`, in invariants and in guards, reads are direct. Ghost state and locals are always read
directly: they are the checker's bookkeeping and the thread's registers, not shared memory.
"""
from __future__ import annotations

import re

from dataclasses import dataclass

from ..check.symbols import Symbols
from ..check.types import Array, SType, Struct, compatible, int_type, show_type, size_of
from ..errors import at
from ..ir.fold import balanced
from ..ir.model import BOOL, Assign, Binop, Check, Const, Elem, Expr, Ite, Op, Slot, Type, Unop
from ..syntax import ast as A
from .emit import Emitter

NULL_TYPE = Type("ref", 0, 0, "NULL")


@dataclass
class Loc:
    """A place in the slot vector: a base slot plus indices only known when the step runs."""

    base: int
    parts: tuple[tuple[Expr, int, int, bool], ...]  # (index, size, stride, index is a ref)
    type: SType
    kind: str  # 'state' | 'ghost' | 'local'
    name: str
    line: int = 0
    objects: tuple = ()  # (pool, reference) of each object whose field this is

    def ir(self) -> Slot | Elem:
        if not self.parts:
            return Slot(self.base)
        idx, sizes, strides, refs = zip(*self.parts)
        return Elem(self.base, idx, sizes, strides, refs, self.line)


class ExprLowerer:
    """Shared by statement lowering (per thread) and by invariants, guards and init."""

    def __init__(self, sym: Symbols, thread_name: str = "", level: int = 0):
        self.sym = sym
        self.out = Emitter()
        self.scopes: list[dict[str, tuple]] = [{}]
        self.direct = 0  # > 0: reads are direct (atomic blocks, guards, invariants)
        self.thread_name = thread_name
        self.level = level
        self.cpu_expr: Expr = Const(0)
        self.temps = 0
        self.owner = -1

    # ------------------------------------------------------------------ helpers

    def lines(self, span) -> list[str]:
        """The lines of the file a span is in: the spec, or a library module."""
        return self.sym.lines(getattr(span, "file", ""))

    def text(self, span) -> str:
        """The source line of a step, without its trailing comment or `maps` clause (what
        the step is in the abstract spec is the refinement report's business), for traces."""
        line = getattr(span, "line", 0)
        lines = self.lines(span)
        return _MAPS.sub(";", _code(lines[line - 1])) if 0 < line <= len(lines) else ""

    def snippet(self, span) -> str:
        """The source text a span covers (several lines joined, comments dropped)."""
        line, end = getattr(span, "line", 0), getattr(span, "end_line", 0)
        lines = self.lines(span)
        if not (0 < line <= end <= len(lines)):
            return self.text(span)
        if end == line:
            return lines[line - 1][span.col - 1:span.end_col - 1]
        parts = [lines[line - 1][span.col - 1:]] + lines[line:end - 1] + \
            [lines[end - 1][:span.end_col - 1]]
        return " ".join(_code(p) for p in parts if _code(p))

    def new_slot(self, t: Type, name: str, kind: str = "local") -> int:
        return self.sym.add_slots(t, f"{self.thread_name}.{name}", kind, self.owner)

    def temp(self, t: Type) -> int:
        self.temps += 1
        return self.new_slot(t, f"${self.temps}", "temp")

    def op(self, effects, visible: bool, span, guard: Expr | None = None) -> None:
        line = getattr(span, "line", 0)
        self.out.emit(Op(tuple(effects), visible and not self.direct, guard, line,
                         self.where() + self.text(span), file=getattr(span, "file", "")))

    def where(self) -> str:
        """The inlined function a step belongs to, for traces."""
        calls = getattr(self, "calls", None)
        return f"{calls[-1]}: " if calls else ""

    def lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def as_bool(self, e: Expr, t: Type, span) -> Expr:
        if t.kind == "bool":
            return e
        if t.kind in ("int", "ref"):
            return Binop("!=", e, Const(0))
        raise at("E200", f"a condition must be a bool, a number or a reference, not "
                 f"{show_type(t)}", span, "bool")

    # ------------------------------------------------------------------ locations

    def location(self, e: A.Expr) -> Loc:
        """Resolve an lvalue-like expression (variable, field, element) to a Loc."""
        if isinstance(e, A.Name):
            b = self.lookup(e.name)
            if b is not None:
                if b[0] == "local":
                    return Loc(b[1], (), b[2], "local", e.name, e.span.line)
                if b[0] == "ref":
                    return b[1]
                raise at("E203", f"`{e.name}` is a constant here and cannot be assigned", e.span)
            v = self.sym.vars.get(e.name)
            if v is None:
                if e.name in self.sym.consts or e.name in self.sym.members:
                    raise at("E203", f"`{e.name}` is a constant and cannot be assigned", e.span)
                raise at("E100", f"unknown name `{e.name}`", e.span, "a variable")
            loc = Loc(v.base, (), v.type, v.kind, e.name, e.span.line)
            if v.perthread and self.owner >= 0:  # the running entry's own copy
                loc = self._element(loc, v.type.dom, Const(self.owner), e)
                loc.name = e.name
            return loc
        if isinstance(e, A.Field):
            return self._field(e)
        if isinstance(e, A.Index):
            base = self.location(e.base)
            if not isinstance(base.type, Array):
                raise at("E200", f"`{base.name}` is {show_type(base.type)}, not an array",
                         e.span, "an array")
            dom = base.type.dom
            idx, it = self.expr(e.index)
            if dom.elem is not None and not compatible(dom.elem, it):
                raise at("E200", f"index of `{base.name}` must be {show_type(dom.elem)}, "
                         f"not {show_type(it)}", e.index.span, show_type(dom.elem))
            return self._element(base, dom, idx, e)
        raise at("E203", "this is not a variable, field or array element", e.span,
                 "a variable, a field or an element")

    def _element(self, base: Loc, dom, idx: Expr, e) -> Loc:
        stride = size_of(base.type.elem)
        is_ref = dom.kind == "pool"
        name = f"{base.name}[...]"
        if isinstance(idx, Const):
            v = idx.value - (1 if is_ref else dom.lo)
            if not 0 <= v < dom.size:
                what = "NULL" if is_ref and idx.value == 0 else str(idx.value)
                raise at("E200", f"index {what} is outside {dom.name or dom.kind}", e.span)
            return Loc(base.base + v * stride, base.parts, base.type.elem, base.kind, name,
                       e.span.line, base.objects)
        if dom.kind == "range" and dom.lo:
            idx = Binop("-", idx, Const(dom.lo))
        part = (idx, dom.size, stride, is_ref)
        return Loc(base.base, base.parts + (part,), base.type.elem, base.kind, name, e.span.line,
                   base.objects)

    def _field(self, e: A.Field) -> Loc:
        # `h.first` is a field of a struct location; `j.next` is element j of the array that
        # holds field `next` of every object of j's pool.
        if isinstance(e.base, (A.Field, A.Index)) or self._is_struct_path(e.base):
            base = self.location(e.base)
            if isinstance(base.type, Struct):
                f = base.type.field(e.name)
                if f is None:
                    raise at("E100", f"{base.type.name} has no field `{e.name}`", e.span,
                             "one of: " + ", ".join(n for n, _ in base.type.fields))
                return Loc(base.base + f[0], base.parts, f[1], base.kind,
                           f"{base.name}.{e.name}", e.span.line, base.objects)
            ref, rt = self.read(base, e.base.span)
        else:
            ref, rt = self.expr(e.base)
        if rt.kind != "ref" or rt.name not in self.sym.pools:
            raise at("E200", f"`.{e.name}` needs a struct or a pool object, not "
                     f"{show_type(rt)}", e.span, "a struct or a reference")
        var = self.sym.vars.get(f"{rt.name}.{e.name}")
        if var is None:
            raise at("E100", f"pool {rt.name} has no field `{e.name}`", e.span)
        base = Loc(var.base, (), var.type, var.kind, f"{rt.name}.{e.name}", e.span.line)
        loc = self._element(base, var.type.dom, ref, e)
        loc.objects = base.objects + ((rt.name, ref),)
        return loc

    def _is_struct_path(self, e: A.Expr) -> bool:
        """Whether e names a struct-typed location rather than a reference value."""
        if isinstance(e, A.Name):
            b = self.lookup(e.name)
            if b is not None:
                return b[0] == "ref" and not isinstance(b[1].type, Type)
            v = self.sym.vars.get(e.name)
            return v is not None and not isinstance(v.type, Type)
        return False

    def lifecycle(self, loc: Loc, span) -> list[Check]:
        """use-after-free checks for the objects whose fields loc reaches, run in the step that
        touches the field (statement lowering only: invariants and guards read freely)."""
        return []

    def read(self, loc: Loc, span) -> tuple[Expr, Type]:
        if not isinstance(loc.type, Type):
            raise at("E200", f"`{loc.name}` is {show_type(loc.type)}; use one of its fields or "
                     "elements", span, "a value")
        checks = self.lifecycle(loc, span)
        if loc.kind == "state" and not self.direct:
            t = self.temp(loc.type)
            self.op(checks + [Assign(Slot(t), loc.ir(), span.line)], True, span)
            return Slot(t), loc.type
        if checks:
            self.op(checks, False, span)
        return loc.ir(), loc.type

    # ------------------------------------------------------------------ expressions

    def expr(self, e: A.Expr) -> tuple[Expr, Type]:
        if isinstance(e, A.Num):
            return Const(e.value), int_type(e.value, e.value)
        if isinstance(e, A.BoolLit):
            return Const(int(e.value)), BOOL
        if isinstance(e, A.Null):
            return Const(0), NULL_TYPE
        if isinstance(e, A.Object):
            bound = self.sym.tenv.get(e.pool)
            p = self.sym.pools.get(bound.name if isinstance(bound, Type) and bound.kind == "ref"
                                   else e.pool)
            if p is None:
                raise at("E100", f"unknown pool `{e.pool}`", e.span, "a pool name before `#`")
            if not 0 <= e.index < p.hi:
                raise at("E200", f"{e.pool} has objects #0..#{p.hi - 1}, not #{e.index}", e.span)
            return Const(e.index + 1), p
        if isinstance(e, A.Name):
            return self._name(e)
        if isinstance(e, (A.Field, A.Index)):
            return self.read(self.location(e), e.span)
        if isinstance(e, A.Unary):
            v, t = self.expr(e.operand)
            if e.op == "!":
                return Unop("not", self.as_bool(v, t, e.span)), BOOL
            self._want_int(t, e.operand.span)
            return Unop("neg", v), int_type(-t.hi, -t.lo)
        if isinstance(e, A.Binary):
            return self._binary(e)
        if isinstance(e, A.Cond):
            return self._cond(e)
        if isinstance(e, A.Quant):
            return self._quant(e)
        if isinstance(e, A.Call):
            r = self.call(e)
            if r is None:
                raise at("E200", f"{e.name}() returns no value", e.span, "a value")
            return r
        raise at("E102", "unexpected expression", e.span)

    def _name(self, e: A.Name) -> tuple[Expr, Type]:
        b = self.lookup(e.name)
        if b is not None:
            if b[0] == "local":
                return Slot(b[1]), b[2]
            if b[0] == "const":
                return Const(b[1]), b[2]
            if b[0] == "value":
                return b[1], b[2]
            return self.read(b[1], e.span)
        if e.name in self.sym.consts:
            v = self.sym.consts[e.name]
            return Const(v), int_type(v, v)
        if e.name in self.sym.members:
            t, v = self.sym.members[e.name]
            return Const(v), t
        if e.name in self.sym.vars:
            return self.read(self.location(e), e.span)
        if e.name == "cpu":
            return self.cpu_expr, int_type(0, self.sym.cpus - 1)
        if e.name == "NR_CPUS":
            return Const(self.sym.cpus), int_type(self.sym.cpus, self.sym.cpus)
        if e.name == "self":
            if self.owner < 0:
                raise at("E102", "`self` is the running scenario entry: only inside handlers",
                         e.span, "a handler or a function it calls")
            return Const(self.owner), self.sym.resolve_domain(A.Domain(name="thread")).elem
        raise at("E100", f"unknown name `{e.name}`", e.span,
                 "a local, a parameter, a constant, an enum member or a state variable")

    def _want_int(self, t: Type, span) -> None:
        if t.kind != "int":
            raise at("E200", f"arithmetic needs numbers, not {show_type(t)}", span, "int")

    def _short_circuit(self, e: A.Binary, left: Expr) -> tuple[Expr, Type]:
        """`a && b` where evaluating b loads shared state: b's loads happen only when needed."""
        from .emit import Label
        t = self.temp(BOOL)
        self.op([Assign(Slot(t), left)], False, e.span)
        skip = Label()
        # && skips the right side when the left is false, || when it is true
        self.out.branch(Unop("not", Slot(t)) if e.op == "&&" else Slot(t), skip)
        rv, rt = self.expr(e.right)
        self.op([Assign(Slot(t), self.as_bool(rv, rt, e.right.span))], False, e.span)
        self.out.place(skip)
        return Slot(t), BOOL

    def _binary(self, e: A.Binary) -> tuple[Expr, Type]:
        lv, lt = self.expr(e.left)
        if e.op in ("&&", "||"):
            left = self.as_bool(lv, lt, e.left.span)
            if not self.direct and has_loads(e.right, self):
                return self._short_circuit(e, left)
            rv, rt = self.expr(e.right)
            return Binop("and" if e.op == "&&" else "or", left,
                         self.as_bool(rv, rt, e.right.span)), BOOL
        rv, rt = self.expr(e.right)
        if e.op in ("==", "!="):
            if not (compatible(lt, rt) or compatible(rt, lt)):
                raise at("E200", f"cannot compare {show_type(lt)} with {show_type(rt)}", e.span,
                         "two values of the same type")
            return Binop(e.op, lv, rv), BOOL
        self._want_int(lt, e.left.span)
        self._want_int(rt, e.right.span)
        if e.op in ("<", "<=", ">", ">="):
            return Binop(e.op, lv, rv), BOOL
        corners = {"+": [lt.lo + rt.lo, lt.hi + rt.hi], "-": [lt.lo - rt.hi, lt.hi - rt.lo],
                   "*": [a * b for a in (lt.lo, lt.hi) for b in (rt.lo, rt.hi)]}
        vals = corners.get(e.op) or [-max(abs(lt.lo), abs(lt.hi)), max(abs(lt.lo), abs(lt.hi))]
        return Binop(e.op, lv, rv), int_type(min(vals), max(vals))

    def _cond(self, e: A.Cond) -> tuple[Expr, Type]:
        cv, ct = self.expr(e.cond)
        c = self.as_bool(cv, ct, e.cond.span)
        if not self.direct and (has_loads(e.then, self) or has_loads(e.other, self)):
            raise at("E102", "a ?: whose branches load shared state; use if/else", e.span,
                     "branches over locals")
        tv, tt = self.expr(e.then)
        ov, ot = self.expr(e.other)
        if not (compatible(tt, ot) or compatible(ot, tt)):
            raise at("E200", f"the branches of ?: have types {show_type(tt)} and "
                     f"{show_type(ot)}", e.span)
        if tt.kind == "int":
            tt = int_type(min(tt.lo, ot.lo), max(tt.hi, ot.hi))
        elif tt.kind == "ref" and tt.name == "NULL":
            tt = ot
        return Ite(c, tv, ov), tt

    def _quant(self, e: A.Quant) -> tuple[Expr, Type]:
        _, values = self.sym.domain_values(e.domain)
        terms = []
        for v, vt in values:
            self.scopes.append({e.var: ("const", v, vt)})
            bv, bt = self.expr(e.body)
            self.scopes.pop()
            terms.append(self.as_bool(bv, bt, e.body.span))
        if e.kind == "count":
            return balanced("+", [Ite(t, Const(1), Const(0)) for t in terms], 0), \
                int_type(0, len(terms))
        if e.kind == "forall":
            return balanced("and", terms, 1), BOOL
        return balanced("or", terms, 0), BOOL

    def call(self, e: A.Call):  # overridden by statement lowering (user functions, atomics)
        from .builtins import pure_call
        fn = self.sym.fns.get(e.name)
        if fn is not None:
            return self.pure_fn(fn, e)
        return pure_call(self, e)

    def pure_fn(self, fn: A.FnDecl, e: A.Call):
        """In an invariant or a `when`, a function whose body is `return EXPR;` stands for EXPR
        with its arguments: the kernel library's predicates (rcu_callback_ready(h), ...). A
        generic one gets its type parameters from the arguments, as an inlined call does."""
        body = fn.body.stmts
        if len(body) != 1 or not isinstance(body[0], A.Return) or body[0].value is None:
            raise at("E102", f"{fn.name}() runs steps; an invariant or `when` may only call "
                     "functions whose body is `return EXPR;`", e.span, "an expression over state")
        if len(e.args) != len(fn.params):
            raise at("E201", f"{fn.name}() takes {len(fn.params)} arguments, got {len(e.args)}",
                     e.span)
        scope = {}
        given = []
        for p, a in zip(fn.params, e.args):
            if p.type is None:
                given.append(self._type_arg(fn, p, a))
            elif p.by_ref:
                loc = self.location(a)
                given.append(loc)
                scope[p.name] = ("ref", loc)
            else:
                v, vt = self.expr(a)
                given.append((v, vt))
                scope[p.name] = ("value", v, vt)
        tenv = self._bind(fn, e, given)
        saved, self.scopes = self.scopes, [scope]
        saved_tenv, self.sym.tenv = self.sym.tenv, tenv
        try:
            return self.expr(body[0].value)
        finally:
            self.scopes = saved
            self.sym.tenv = saved_tenv

    def _type_arg(self, fn, p, a):
        if not isinstance(a, A.Name):
            raise at("E200", f"{fn.name}(): `{p.name}` is a type; name a pool, enum or struct",
                     a.span, "a type name")
        return self.sym.resolve_type(A.TNamed(a.name, span=a.span))

    def _bind(self, fn: A.FnDecl, e: A.Call, given) -> dict:
        env = {p.name: g for p, g in zip(fn.params, given) if p.type is None}
        params = set(fn.tparams) | set(env)

        def unify(pt, actual, span):
            if isinstance(pt, A.TNamed) and pt.name in params and not pt.args:
                if isinstance(actual, Type) and actual.kind == "int":
                    return  # numbers fit every int: they bind no type parameter
                if isinstance(actual, Type) and actual.kind == "ref":
                    if actual.name == "NULL":
                        return  # NULL fits every T?
                    actual = Type("ref", 1, actual.hi, actual.name, nullable=False)
                have = env.setdefault(pt.name, actual)
                if show_type(have) != show_type(actual):
                    raise at("E200", f"{fn.name}(): {pt.name} is {show_type(have)} here and "
                             f"{show_type(actual)} there", span, show_type(have))
            elif isinstance(pt, A.TNamed) and pt.args and isinstance(actual, Struct) \
                    and actual.generic == pt.name:
                for sub, arg in zip(pt.args, actual.args):
                    unify(sub, arg, span)
            elif isinstance(pt, A.TArray) and isinstance(actual, Array):
                unify(pt.elem, actual.elem, span)

        for p, g, a in zip(fn.params, given, e.args):
            if p.type is not None:
                unify(p.type, g.type if p.by_ref else g[1], a.span)
        missing = [t for t in fn.tparams if t not in env]
        if missing:
            raise at("E200", f"{fn.name}(): cannot tell what {missing[0]} is from the arguments",
                     e.span, f"an argument whose type mentions {missing[0]}")
        return env

    def check(self, cond: Expr, prop: str, message: str, span) -> None:
        if prop in self.sym.checks_off:
            return
        self.op([Check(cond, prop, message, span.line, file=getattr(span, "file", ""))], False,
                span)


_MAPS = re.compile(r"\s+maps\s+\w+\s*\(.*;$")


def _code(line: str) -> str:
    """A line without its `//` comment (one inside a string literal stays)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and line.startswith("//", i):
            return line[:i].strip()
    return line.strip()


def has_loads(e: A.Expr, low: ExprLowerer) -> bool:
    """Whether lowering e outside `atomic` would load shared state or call a function."""
    if isinstance(e, A.Call):
        from .builtins import CONTEXT_QUERIES
        if e.name in CONTEXT_QUERIES or e.name in ("min", "max"):
            return any(has_loads(a, low) for a in e.args)
        return True
    if isinstance(e, A.Name):
        b = low.lookup(e.name)
        if b is not None:
            return b[0] == "ref" and b[1].kind == "state"
        v = low.sym.vars.get(e.name)
        return v is not None and v.kind == "state"
    if isinstance(e, (A.Field, A.Index)):
        return True
    children = [getattr(e, f) for f in ("operand", "left", "right", "cond", "then", "other",
                                        "body") if hasattr(e, f)]
    return any(has_loads(c, low) for c in children if c is not None)
