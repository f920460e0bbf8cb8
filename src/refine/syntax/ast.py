"""The syntax tree of a spec: frozen dataclasses, every node with the span it came from."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0
    file: str = ""  # the file the node came from, when it is not the spec itself (a library)


NOWHERE = Span(0, 0)


@dataclass(frozen=True)
class Node:
    span: Span = field(default=NOWHERE, compare=False, kw_only=True)


# ------------------------------------------------------------------ types


@dataclass(frozen=True)
class TBool(Node):
    pass


@dataclass(frozen=True)
class TInt(Node):
    lo: "Expr"
    hi: "Expr"


@dataclass(frozen=True)
class TNamed(Node):
    name: str
    nullable: bool = False
    args: tuple["TypeExpr", ...] = ()  # type arguments of a generic struct: llist_head<Job>


@dataclass(frozen=True)
class TArray(Node):
    domain: "Domain"
    elem: "TypeExpr"


@dataclass(frozen=True)
class Domain(Node):
    """An index set: a pool, an enum, `cpu`, or lo..hi."""

    name: str | None = None
    lo: "Expr | None" = None
    hi: "Expr | None" = None


TypeExpr = TBool | TInt | TNamed | TArray


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True)
class Num(Node):
    value: int


@dataclass(frozen=True)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True)
class Null(Node):
    pass


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Object(Node):
    pool: str
    index: int


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple["Expr", ...]


@dataclass(frozen=True)
class Field(Node):
    base: "Expr"
    name: str


@dataclass(frozen=True)
class Index(Node):
    base: "Expr"
    index: "Expr"


@dataclass(frozen=True)
class Unary(Node):
    op: str  # '!' | '-'
    operand: "Expr"


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / % == != < <= > >= && ||
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Cond(Node):
    cond: "Expr"
    then: "Expr"
    other: "Expr"


@dataclass(frozen=True)
class Quant(Node):
    kind: str  # forall | exists | count
    var: str
    domain: "Domain"  # a pool, an enum, cpu, thread or lo..hi
    body: "Expr"


Expr = Num | BoolLit | Null | Name | Object | Call | Field | Index | Unary | Binary | Cond | Quant


# ------------------------------------------------------------------ statements


@dataclass(frozen=True)
class MapAction(Node):
    """One abstract action a concrete step is: `act_xchg(F0, p) returns old`."""

    name: str
    args: tuple[Expr, ...]
    returns: Expr | None  # what the concrete step makes the program see


@dataclass(frozen=True)
class Maps(Node):
    """`maps A(...), B(...) when (c)`: the step is these abstract actions (when c holds after
    it; otherwise a stutter). Read only by `refine refines`."""

    actions: tuple[MapAction, ...]
    when: Expr | None


@dataclass(frozen=True)
class Let(Node):
    name: str
    type: TypeExpr | None
    value: Expr
    maps: Maps | None = None


@dataclass(frozen=True)
class Assign(Node):
    target: Expr
    value: Expr
    maps: Maps | None = None


@dataclass(frozen=True)
class ExprStmt(Node):
    expr: Expr
    maps: Maps | None = None


@dataclass(frozen=True)
class If(Node):
    cond: Expr
    then: "Block"
    other: "Block | If | None"


@dataclass(frozen=True)
class While(Node):
    cond: Expr
    bound: Expr
    body: "Block"


@dataclass(frozen=True)
class For(Node):
    var: str
    domain: "Domain"
    body: "Block"


@dataclass(frozen=True)
class Return(Node):
    value: Expr | None


@dataclass(frozen=True)
class Break(Node):
    pass


@dataclass(frozen=True)
class Continue(Node):
    pass


@dataclass(frozen=True)
class Atomic(Node):
    body: "Block"
    maps: Maps | None = None  # `atomic maps act() { ... }`: the block's step is that action


@dataclass(frozen=True)
class Await(Node):
    cond: Expr


@dataclass(frozen=True)
class Assert(Node):
    cond: Expr
    message: str | None


@dataclass(frozen=True)
class CheckStmt(Node):
    """check NAME(cond, "message"): a built-in check (nmi-unsafe, wait-context, ...) stated where
    the kernel library knows it applies; `disable NAME` switches it off like any other."""

    check: str
    cond: Expr
    message: str


@dataclass(frozen=True)
class Block(Node):
    stmts: tuple["Stmt", ...]


Stmt = (Let | Assign | ExprStmt | If | While | For | Return | Break | Continue | Atomic | Await
        | Assert | CheckStmt | Block)


# ------------------------------------------------------------------ declarations


@dataclass(frozen=True)
class FieldDecl(Node):
    name: str
    type: TypeExpr


@dataclass(frozen=True)
class ConstDecl(Node):
    name: str
    value: Expr


@dataclass(frozen=True)
class EnumDecl(Node):
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class StructDecl(Node):
    name: str
    fields: tuple[FieldDecl, ...]
    tparams: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoolDecl(Node):
    name: str
    size: Expr
    fields: tuple[FieldDecl, ...]
    dynamic: bool = False  # objects start unallocated and come from an allocator


@dataclass(frozen=True)
class VarDecl(Node):
    name: str
    type: TypeExpr
    init: Expr | None
    ghost: bool = False
    percpu: bool = False
    perthread: bool = False  # one copy per scenario entry, indexed by the running one


@dataclass(frozen=True)
class Param(Node):
    name: str
    type: TypeExpr | None  # None: a `type T` parameter, bound to the type the caller names
    by_ref: bool


@dataclass(frozen=True)
class FnDecl(Node):
    name: str
    params: tuple[Param, ...]
    ret: TypeExpr | None
    body: Block
    tparams: tuple[str, ...] = ()  # type parameters, inferred from the arguments at each call


@dataclass(frozen=True)
class HandlerDecl(Node):
    name: str
    body: Block


@dataclass(frozen=True)
class InvariantDecl(Node):
    name: str
    expr: Expr


@dataclass(frozen=True)
class InitDecl(Node):
    body: Block


@dataclass(frozen=True)
class ImportDecl(Node):
    """import llist, irq_work;: modules of the kernel library (src/refine/kernel/NAME.kspec)."""

    modules: tuple[str, ...]


@dataclass(frozen=True)
class DisableDecl(Node):
    check: str
    reason: str


@dataclass(frozen=True)
class RunDecl(Node):
    handler: str
    cpu: Expr | None  # None: any CPU
    context: str
    times: Expr | None
    alias: str | None
    when: Expr | None


@dataclass(frozen=True)
class ScenarioDecl(Node):
    cpus: Expr | None
    runs: tuple[RunDecl, ...]


@dataclass(frozen=True)
class VarMap(Node):
    """`field[f] = EXPR;`: an abstract variable (or its elements) as a function of concrete
    state. An index that names a constant picks one element; any other name binds every value."""

    var: str
    indices: tuple[Expr, ...]
    value: Expr


@dataclass(frozen=True)
class RefinesDecl(Node):
    """refines SPEC { pool A = C; hidden x, y; v[i] = EXPR; start act(...); }"""

    spec: str
    pools: tuple[tuple[str, str, Span], ...]  # (abstract pool, concrete pool, where)
    hidden: tuple[tuple[str, Span], ...]
    maps: tuple[VarMap, ...]
    start: tuple[Maps, ...] = ()  # abstract actions before the scenario starts (when c holds)
    consts: tuple[tuple[str, Expr, Span], ...] = ()  # abstract constants the design sets


Decl = (ConstDecl | EnumDecl | StructDecl | PoolDecl | VarDecl | FnDecl | HandlerDecl
        | InvariantDecl | InitDecl | ScenarioDecl | DisableDecl | ImportDecl | RefinesDecl)


@dataclass(frozen=True)
class Spec(Node):
    name: str
    decls: tuple[Decl, ...]
    path: str = ""
    source: str = field(default="", compare=False, repr=False)
