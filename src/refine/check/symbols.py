"""Resolve the declarations of a spec: constants, enums, pools, structs, state variables and their
slot layout, functions, handlers. Errors here are name and type errors with the span they refer to.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import SpecError, at
from ..ir.model import BOOL, SlotInfo, Type
from ..syntax import ast as A
from .types import Array, Dom, SType, Struct, flatten, int_type, show_type, size_of

MAX_SLOTS = 100_000
BUILTIN_NAMES = {"cpu", "NR_CPUS", "self", "thread"}


@dataclass
class Var:
    name: str
    type: SType
    base: int
    kind: str  # 'state' | 'ghost'
    span: A.Span
    perthread: bool = False  # an array over scenario entries, indexed by the running one


@dataclass
class Symbols:
    spec: A.Spec
    consts: dict[str, int] = field(default_factory=dict)
    enums: dict[str, Type] = field(default_factory=dict)
    members: dict[str, tuple[Type, int]] = field(default_factory=dict)
    pools: dict[str, Type] = field(default_factory=dict)  # name -> non-null ref type
    structs: dict[str, Struct] = field(default_factory=dict)
    generics: dict[str, A.StructDecl] = field(default_factory=dict)  # struct NAME<T, ...>
    instances: dict[tuple, Struct] = field(default_factory=dict)
    tenv: dict[str, SType] = field(default_factory=dict)  # type parameters of the inlined fn
    live: dict[str, int] = field(default_factory=dict)  # pool -> base of its `live` ghost slots
    dynamic: set[str] = field(default_factory=set)  # pools whose objects start unallocated
    freed: set[str] = field(default_factory=set)  # pools some code frees or allocates
    _lines: dict[str, list[str]] = field(default_factory=dict)
    vars: dict[str, Var] = field(default_factory=dict)
    fns: dict[str, A.FnDecl] = field(default_factory=dict)
    handlers: dict[str, A.HandlerDecl] = field(default_factory=dict)
    slots: list[SlotInfo] = field(default_factory=list)
    cpus: int = 1
    checks_off: dict[str, str] = field(default_factory=dict)
    unused: set[int] = field(default_factory=set)  # slots freed by register allocation
    unroll_cap: int | None = None  # unroll loops at most this often (searching for violations)
    refinement: object = None  # lower.refinement.Refinement when lowering a refinement product

    def lines(self, file: str) -> list[str]:
        """The source lines of the spec (file "") or of a library module."""
        if file not in self._lines:
            from .imports import library_source
            self._lines[file] = (library_source(file) if file else self.spec.source).splitlines()
        return self._lines[file]

    # ------------------------------------------------------------------ constants

    def const_eval(self, e: A.Expr, what: str = "a constant") -> int:
        """Evaluate an expression that must be known before any step runs."""
        if isinstance(e, A.Num):
            return e.value
        if isinstance(e, A.BoolLit):
            return int(e.value)
        if isinstance(e, A.Name):
            if e.name in self.consts:
                return self.consts[e.name]
            if e.name in self.members:
                return self.members[e.name][1]
            if e.name == "NR_CPUS":
                return self.cpus
            raise at("E202", f"`{e.name}` is not a constant", e.span, f"{what}")
        if isinstance(e, A.Unary):
            v = self.const_eval(e.operand, what)
            return -v if e.op == "-" else int(not v)
        if isinstance(e, A.Binary):
            a, b = self.const_eval(e.left, what), self.const_eval(e.right, what)
            ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                   "==": lambda: int(a == b), "!=": lambda: int(a != b), "<": lambda: int(a < b),
                   "<=": lambda: int(a <= b), ">": lambda: int(a > b),
                   ">=": lambda: int(a >= b), "&&": lambda: int(bool(a and b)),
                   "||": lambda: int(bool(a or b))}
            if e.op in ("/", "%"):
                if b == 0:
                    raise at("E202", "division by zero in a constant", e.span)
                q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
                return q if e.op == "/" else a - b * q
            return ops[e.op]()
        if isinstance(e, A.Cond):
            return self.const_eval(e.then if self.const_eval(e.cond) else e.other, what)
        raise at("E202", "this must be a constant expression", e.span, what)

    # ------------------------------------------------------------------ types

    def resolve_type(self, t: A.TypeExpr) -> SType:
        if isinstance(t, A.TBool):
            return BOOL
        if isinstance(t, A.TInt):
            lo, hi = self.const_eval(t.lo, "a bound"), self.const_eval(t.hi, "a bound")
            if lo > hi:
                raise at("E204", f"empty range int[{lo}..{hi}]", t.span, "lo <= hi")
            return int_type(lo, hi)
        if isinstance(t, A.TNamed):
            if t.args and t.name not in self.generics:
                raise at("E204", f"`{t.name}` takes no type arguments", t.span, t.name)
            if t.name in self.tenv:
                return self._bound(t)
            if t.name in self.generics:
                return self.instance(t)
            if t.name in self.pools:
                p = self.pools[t.name]
                return Type("ref", 0 if t.nullable else 1, p.hi, p.name, nullable=t.nullable)
            if t.nullable:
                raise at("E204", f"only references to a pool can be nullable, not `{t.name}`",
                         t.span, "a pool name before `?`")
            if t.name in self.enums:
                return self.enums[t.name]
            if t.name in self.structs:
                return self.structs[t.name]
            raise at("E100", f"unknown type `{t.name}`", t.span,
                     "bool, int[lo..hi], an enum, a struct or a pool")
        if isinstance(t, A.TArray):
            return Array(self.resolve_domain(t.domain), self.resolve_type(t.elem))
        raise at("E204", "not a type", t.span)

    def _bound(self, t: A.TNamed) -> SType:
        """A type parameter: the type it was bound to at the call, made nullable by `T?`."""
        b = self.tenv[t.name]
        if not t.nullable:
            return b
        if not (isinstance(b, Type) and b.kind == "ref"):
            raise at("E204", f"`{t.name}?`: {t.name} is {show_type(b)}, only references to a "
                     "pool can be nullable", t.span, "a pool")
        return Type("ref", 0, b.hi, b.name, nullable=True)

    def instance(self, t: A.TNamed) -> Struct:
        """struct NAME<T> with its type arguments: one Struct per distinct instantiation."""
        d = self.generics[t.name]
        if len(t.args) != len(d.tparams):
            raise at("E204", f"`{t.name}` takes {len(d.tparams)} type argument"
                     f"{'s' * (len(d.tparams) != 1)}", t.span,
                     f"{t.name}<{', '.join(d.tparams)}>")
        if t.nullable:
            raise at("E204", f"only references to a pool can be nullable, not `{t.name}`",
                     t.span, "a pool name before `?`")
        args = tuple(self.resolve_type(a) for a in t.args)
        key = (t.name,) + tuple(show_type(a) for a in args)
        if key not in self.instances:
            saved, self.tenv = self.tenv, dict(zip(d.tparams, args))
            try:
                name = f"{t.name}<{', '.join(key[1:])}>"
                self.instances[key] = Struct(name, _fields(self, d.fields), t.name, args)
            finally:
                self.tenv = saved
        return self.instances[key]

    def resolve_domain(self, d: A.Domain) -> Dom:
        if d.name is None:
            lo, hi = self.const_eval(d.lo, "a bound"), self.const_eval(d.hi, "a bound")
            if lo > hi:
                raise at("E204", f"empty index range {lo}..{hi}", d.span)
            return Dom("range", hi - lo + 1, lo, f"{lo}..{hi}", int_type(lo, hi))
        if d.name == "cpu":
            return Dom("cpu", self.cpus, 0, "cpu", int_type(0, self.cpus - 1))
        if d.name == "thread":
            return _thread_dom(self.spec, self)
        bound = self.tenv.get(d.name)
        if isinstance(bound, Type) and bound.kind == "ref":
            return Dom("pool", bound.hi, 0, bound.name, Type("ref", 1, bound.hi, bound.name,
                                                            nullable=False))
        if d.name in self.pools:
            p = self.pools[d.name]
            return Dom("pool", p.hi, 0, d.name, p)
        if d.name in self.enums:
            e = self.enums[d.name]
            return Dom("enum", len(e.names), 0, d.name, e)
        raise at("E100", f"unknown index set `{d.name}`", d.span, "a pool, an enum, cpu or lo..hi")

    def domain_values(self, d: A.Domain) -> tuple[Dom, list[tuple[int, Type]]]:
        """The values of a finite set usable in `for` and quantifiers, with their types."""
        dom = self.resolve_domain(d)
        if dom.kind == "pool":
            return dom, [(i + 1, dom.elem) for i in range(dom.size)]
        return dom, [(i + dom.lo, dom.elem) for i in range(dom.size)]

    # ------------------------------------------------------------------ slots

    def add_slots(self, t: SType, name: str, kind: str, owner: int = -1) -> int:
        base = len(self.slots)
        if base + size_of(t) > MAX_SLOTS:  # before flattening: a [0..10^30] array never ends
            raise SpecError("E013", f"the spec's state has more than {MAX_SLOTS} values")
        for sname, stype in flatten(t, name):
            self.slots.append(SlotInfo(sname, stype, stype.lo if stype.lo > 0 else
                                       min(max(0, stype.lo), stype.hi), kind, owner))
        if len(self.slots) > MAX_SLOTS:
            raise SpecError("E013", f"the spec's state has more than {MAX_SLOTS} values")
        return base


def _scenario(spec: A.Spec) -> A.ScenarioDecl | None:
    found = [d for d in spec.decls if isinstance(d, A.ScenarioDecl)]
    if len(found) > 1:
        raise at("E101", "a spec has one scenario", found[1].span)
    return found[0] if found else None


def collect(spec: A.Spec, overrides: dict[str, int] | None = None) -> Symbols:
    """First pass: every declaration in order; a name must be declared before it is used in a
    type or constant, as in C."""
    sym = Symbols(spec)
    overrides = dict(overrides or {})
    taken: dict[str, A.Span] = {}

    def claim(name: str, span):
        if name in taken or name in BUILTIN_NAMES:
            where = f" (first at line {taken[name].line})" if name in taken else " (built in)"
            raise at("E101", f"`{name}` is already declared{where}", span, "a new name")
        taken[name] = span

    for d in spec.decls:
        if isinstance(d, A.ConstDecl):
            claim(d.name, d.span)
            sym.consts[d.name] = (overrides.pop(d.name) if d.name in overrides
                                  else sym.const_eval(d.value))
    if overrides:
        name = sorted(overrides)[0]
        raise SpecError("E400", f"--const {name}: the spec declares no constant `{name}`",
                        expected="one of: " + (", ".join(sym.consts) or "(no constants)"))
    scen = _scenario(spec)
    if scen is not None and scen.cpus is not None:
        sym.cpus = sym.const_eval(scen.cpus, "a number of CPUs")
        if not 1 <= sym.cpus <= 64:
            raise at("E300", f"cpus = {sym.cpus}; a scenario has 1 to 64 CPUs", scen.cpus.span)
    for d in spec.decls:
        if isinstance(d, A.EnumDecl):
            claim(d.name, d.span)
            t = Type("enum", 0, len(d.members) - 1, d.name, d.members)
            sym.enums[d.name] = t
            for i, m in enumerate(d.members):
                claim(m, d.span)
                sym.members[m] = (t, i)
        elif isinstance(d, A.PoolDecl):
            claim(d.name, d.span)
            n = sym.const_eval(d.size, "a pool size")
            if not 1 <= n <= 4096:
                raise at("E204", f"pool {d.name} has {n} objects; a pool has 1 to 4096",
                         d.size.span)
            sym.pools[d.name] = Type("ref", 1, n, d.name, nullable=False)
            if d.dynamic:
                sym.dynamic.add(d.name)
        elif isinstance(d, A.StructDecl):
            claim(d.name, d.span)
            if d.tparams:
                sym.generics[d.name] = d
            else:
                sym.structs[d.name] = Struct(d.name, _fields(sym, d.fields))
        elif isinstance(d, (A.FnDecl, A.HandlerDecl)):
            claim(d.name, d.span)
            (sym.fns if isinstance(d, A.FnDecl) else sym.handlers)[d.name] = d
        elif isinstance(d, A.DisableDecl):
            sym.checks_off[d.check] = d.reason
    for d in spec.decls:
        first = len(sym.slots)
        _declare_state(sym, d, claim)
        if d.span.file:  # a library module's own state: traces keep it out of the way
            for i in range(first, len(sym.slots)):
                sym.slots[i] = replace(sym.slots[i], library=True)
    return sym


def _declare_state(sym: Symbols, d, claim) -> None:
    """The slots of one pool or variable declaration."""
    if isinstance(d, A.PoolDecl):
        dom = sym.resolve_domain(A.Domain(name=d.name, span=d.span))
        for fname, ftype in _fields(sym, d.fields):
            vname = f"{d.name}.{fname}"
            t = Array(dom, ftype)
            sym.vars[vname] = Var(vname, t, sym.add_slots(t, d.name, "state"), "state", d.span)
            _rename_pool_slots(sym, sym.vars[vname], fname)
        # lifecycle: 1 while the object is allocated (built-in checks use-after-free,
        # double-free, leak); preallocated pools start allocated, dynamic ones free
        live = Array(dom, BOOL)
        sym.live[d.name] = sym.add_slots(live, d.name, "life")
        _rename_pool_slots(sym, Var("", live, sym.live[d.name], "life", d.span), "live")
        if not d.dynamic:
            for i in range(dom.size):
                sym.slots[sym.live[d.name] + i] = replace(sym.slots[sym.live[d.name] + i],
                                                          init=1)
    elif isinstance(d, A.VarDecl):
        claim(d.name, d.span)
        t = sym.resolve_type(d.type)
        if d.percpu:
            t = Array(sym.resolve_domain(A.Domain(name="cpu", span=d.span)), t)
        if d.perthread:
            if not d.ghost:
                raise at("E204", f"`{d.name}`: perthread variables are the checker's "
                         "bookkeeping; declare them ghost", d.span, "perthread ghost var")
            t = Array(sym.resolve_domain(A.Domain(name="thread", span=d.span)), t)
        kind = "ghost" if d.ghost else "state"
        sym.vars[d.name] = Var(d.name, t, sym.add_slots(t, d.name, kind), kind, d.span,
                               d.perthread)


def _thread_dom(spec: A.Spec, sym: Symbols) -> Dom:
    """The scenario entries, by the names traces give them."""
    scen = _scenario(spec)
    names = []
    for r in (scen.runs if scen is not None else ()):
        names.append(r.alias or (r.handler if r.cpu is None
                                 else f"{r.handler}@{sym.const_eval(r.cpu, 'a CPU number')}"))
    names = names or ["none"]
    return Dom("thread", len(names), 0, "thread",
               Type("enum", 0, len(names) - 1, "thread", tuple(names)))


def _fields(sym: Symbols, fields) -> tuple[tuple[str, SType], ...]:
    seen = set()
    out = []
    for f in fields:
        if f.name in seen:
            raise at("E101", f"field `{f.name}` is declared twice", f.span)
        seen.add(f.name)
        out.append((f.name, sym.resolve_type(f.type)))
    return tuple(out)


def _rename_pool_slots(sym: Symbols, var: Var, fname: str) -> None:
    """Print pool fields as `Job#1.next` rather than `Job[Job#1]`."""
    t = var.type
    assert isinstance(t, Array)
    width = size_of(t.elem)
    for i in range(t.dom.size):
        for k, (sname, stype) in enumerate(flatten(t.elem, f"{t.dom.show(i)}.{fname}")):
            slot = var.base + i * width + k
            old = sym.slots[slot]
            sym.slots[slot] = replace(old, name=sname, type=stype)

