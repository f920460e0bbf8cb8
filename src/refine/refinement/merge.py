"""The product of a design with the abstract spec it claims to refine.

`refine refines` checks a design (concrete spec) against an abstract spec by running both in
lockstep: the abstract spec's state becomes ghost state of the design, each concrete step that
says `maps act(...)` runs the abstract action on it in the same step, and an invariant compares
the mapped concrete state with the abstract state after every step (lower/refinement.py).

This module builds that product at the syntax level: the abstract spec's declarations are
renamed into their own namespace (`kptr_slot.field`, `kptr_slot.act_xchg`, pool
`kptr_slot.Obj`) so they cannot clash with the design's, and placed before the design's own.
Enums are shared when both specs declare them alike (a mapping names `F0`, an action takes a
`Field`). The abstract spec's handlers, invariants, scenario and `disable`s are not part of the
product: only its state, its initial values and its actions are.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path

from ..check.imports import register_source
from ..errors import SpecError, at
from ..syntax import ast as A
from ..syntax.parser import parse_file, parse_text

KEPT = (A.ConstDecl, A.EnumDecl, A.StructDecl, A.PoolDecl, A.VarDecl, A.FnDecl, A.InitDecl,
        A.ImportDecl)


@dataclass(frozen=True)
class Product:
    spec: A.Spec  # the design with the abstract spec's declarations in front
    decl: A.RefinesDecl  # the design's mapping
    abstract: A.Spec  # the abstract spec as written
    prefix: str  # "kptr_slot." : what the abstract names are renamed with
    renamed: dict[str, str]  # abstract name -> name in the product


def declares(path: str) -> bool:
    """Whether the spec at path has a `refines` declaration."""
    return any(isinstance(d, A.RefinesDecl) for d in parse_file(path).decls)


def find_abstract(decl: A.RefinesDecl, concrete_path: str) -> Path:
    """`refines kptr_slot` names kptr_slot.kspec beside the design (or in specs/ above it)."""
    here = Path(concrete_path).resolve().parent
    for d in (here, here / "specs", here.parent / "specs"):
        p = d / f"{decl.spec}.kspec"
        if p.is_file():
            return p
    raise at("E500", f"refines {decl.spec}: no file {decl.spec}.kspec next to the design",
             decl.span, f"{decl.spec}.kspec in {here}")


def product(concrete: A.Spec) -> Product:
    """The product spec; SpecError when the design has no `refines` or the abstract is bad."""
    decls = [d for d in concrete.decls if isinstance(d, A.RefinesDecl)]
    if not decls:
        raise SpecError("E500", "the spec declares no refinement mapping", concrete.path,
                        expected="refines SPEC { pool A = C; field[f] = ...; hidden x; }")
    if len(decls) > 1:
        raise at("E101", "a spec refines one abstract spec", decls[1].span)
    decl = decls[0]
    path = find_abstract(decl, concrete.path)
    text = parse_file(str(path)).source
    abstract = parse_text(text, str(path), library=True)  # spans name the abstract file
    register_source(str(path), text)
    if any(isinstance(d, A.RefinesDecl) for d in abstract.decls):
        raise at("E500", f"{decl.spec} itself refines another spec; refine against the most "
                 "abstract one", decl.span)
    prefix = f"{abstract.name or decl.spec}."
    renamed = _names(abstract, concrete, prefix)
    kept = tuple(_Renamer(renamed).decl(d) for d in abstract.decls if isinstance(d, KEPT)
                 and not (isinstance(d, A.EnumDecl) and d.name not in renamed))
    kept = _bind_consts(kept, decl, abstract, prefix)
    # constants are evaluated in order before anything else, so the design's come first: an
    # abstract size may be set to one of them
    consts = tuple(d for d in concrete.decls if isinstance(d, A.ConstDecl))
    rest = tuple(d for d in concrete.decls if not isinstance(d, A.ConstDecl))
    merged = A.Spec(concrete.name, consts + kept + rest, path=concrete.path,
                    source=concrete.source, span=concrete.span)
    return Product(merged, decl, abstract, prefix, renamed)


def _bind_consts(kept: tuple, decl: A.RefinesDecl, abstract: A.Spec, prefix: str) -> tuple:
    """`refines kptr_slot(NOBJS = 3)`: the abstract spec instantiated with the design's sizes
    (as TLA+'s INSTANCE ... WITH). The value is the design's expression, in the design's names."""
    own = {d.name for d in abstract.decls if isinstance(d, A.ConstDecl)}
    given: dict[str, A.Expr] = {}
    for name, value, span in decl.consts:
        if name not in own:
            raise at("E510", f"{decl.spec} has no constant `{name}`", span,
                     "one of: " + ", ".join(sorted(own)) if own else "no constant to set")
        if name in given:
            raise at("E510", f"`{name}` is set twice", span)
        given[name] = value
    return tuple(replace(d, value=given[d.name[len(prefix):]])
                 if isinstance(d, A.ConstDecl) and d.name[len(prefix):] in given else d
                 for d in kept)


def _names(abstract: A.Spec, concrete: A.Spec, prefix: str) -> dict[str, str]:
    """Every top-level name of the abstract spec, and what it is called in the product."""
    enums = {d.name: d for d in concrete.decls if isinstance(d, A.EnumDecl)}
    out: dict[str, str] = {}
    for d in abstract.decls:
        if isinstance(d, A.EnumDecl):
            mine = enums.get(d.name)
            if mine is None:
                out[d.name] = d.name  # shared: the design uses the abstract enum as it is
                out.update({m: m for m in d.members})
            elif mine.members != d.members:
                raise at("E500", f"enum {d.name} differs between the design and the abstract "
                         f"spec ({', '.join(mine.members)} vs {', '.join(d.members)})",
                         mine.span, "the same members, or another name")
        elif isinstance(d, (A.ConstDecl, A.StructDecl, A.PoolDecl, A.VarDecl, A.FnDecl)):
            out[d.name] = prefix + d.name
    return out


class _Renamer:
    """Renames the abstract spec's top-level names wherever they are used, not where a
    parameter, a `let`, a `for` or a quantifier binds the same name locally."""

    def __init__(self, names: dict[str, str]):
        self.names = names

    def _n(self, name: str, bound: frozenset) -> str:
        return name if name in bound else self.names.get(name, name)

    def decl(self, d):
        if isinstance(d, A.EnumDecl):
            return d  # shared (only kept when the design does not declare it)
        if isinstance(d, A.ImportDecl):
            return d
        if isinstance(d, A.FnDecl):
            bound = frozenset(p.name for p in d.params) | frozenset(d.tparams)
            params = tuple(replace(p, type=self.node(p.type, frozenset(d.tparams)))
                           for p in d.params)
            return replace(d, name=self.names[d.name], params=params,
                           ret=self.node(d.ret, frozenset(d.tparams)),
                           body=self.block(d.body, bound))
        if isinstance(d, A.InitDecl):
            return replace(d, body=self.block(d.body, frozenset()))
        d = self.node(d, frozenset())
        return replace(d, name=self.names[d.name])

    def block(self, b: A.Block, bound: frozenset) -> A.Block:
        out = []
        for s in b.stmts:
            out.append(self.stmt(s, bound))
            if isinstance(s, A.Let):
                bound = bound | {s.name}
        return replace(b, stmts=tuple(out))

    def stmt(self, s, bound: frozenset):
        if isinstance(s, A.Block):
            return self.block(s, bound)
        if isinstance(s, A.For):
            return replace(s, domain=self.node(s.domain, bound),
                           body=self.block(s.body, bound | {s.var}))
        if isinstance(s, A.Atomic):
            return replace(s, body=self.block(s.body, bound))
        if isinstance(s, A.If):
            other = s.other
            if other is not None:
                other = self.stmt(other, bound)
            return replace(s, cond=self.node(s.cond, bound), then=self.block(s.then, bound),
                           other=other)
        if isinstance(s, A.While):
            return replace(s, cond=self.node(s.cond, bound), bound=self.node(s.bound, bound),
                           body=self.block(s.body, bound))
        return self.node(s, bound)

    def node(self, n, bound: frozenset):
        if n is None or isinstance(n, (str, int, bool, A.Span)):
            return n
        if isinstance(n, tuple):
            return tuple(self.node(x, bound) for x in n)
        if isinstance(n, A.Name):
            return replace(n, name=self._n(n.name, bound))
        if isinstance(n, A.Call):
            return replace(n, name=self._n(n.name, bound), args=self.node(n.args, bound))
        if isinstance(n, A.Object):
            return replace(n, pool=self._n(n.pool, frozenset()))
        if isinstance(n, A.TNamed):
            return replace(n, name=self._n(n.name, bound), args=self.node(n.args, bound))
        if isinstance(n, A.Domain):
            return replace(n, name=self._n(n.name, frozenset()) if n.name else None,
                           lo=self.node(n.lo, bound), hi=self.node(n.hi, bound))
        if isinstance(n, A.Quant):
            return replace(n, domain=self.node(n.domain, bound),
                           body=self.node(n.body, bound | {n.var}))
        if isinstance(n, A.Block):
            return self.block(n, bound)
        if not is_dataclass(n):
            return n
        changes = {f.name: self.node(getattr(n, f.name), bound) for f in fields(n)
                   if f.name not in ("span", "name")}
        return replace(n, **changes)
