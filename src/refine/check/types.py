"""Semantic types: scalars (IR types), structs and arrays over finite index domains."""
from __future__ import annotations

from dataclasses import dataclass

from ..ir.model import Type


@dataclass(frozen=True)
class Dom:
    """A finite index set. kind: 'pool' (refs, NULL is not an index), 'enum', 'cpu', 'range'."""

    kind: str
    size: int
    lo: int = 0
    name: str = ""
    elem: Type | None = None  # the scalar type of an index value

    def show(self, i: int) -> str:
        if self.kind == "pool":
            return f"{self.name}#{i}"
        if self.kind in ("enum", "thread") and self.elem is not None:
            return self.elem.names[i]
        return str(i + self.lo)


@dataclass(frozen=True)
class Struct:
    name: str
    fields: tuple[tuple[str, "SType"], ...]
    generic: str = ""  # llist_head<Job>: generic "llist_head", args (Job,)
    args: tuple = ()

    def field(self, name: str) -> tuple[int, "SType"] | None:
        off = 0
        for fname, ftype in self.fields:
            if fname == name:
                return off, ftype
            off += size_of(ftype)
        return None


@dataclass(frozen=True)
class Array:
    dom: Dom
    elem: "SType"


SType = Type | Struct | Array


def size_of(t: SType) -> int:
    if isinstance(t, Type):
        return 1
    if isinstance(t, Struct):
        return sum(size_of(f) for _, f in t.fields)
    return t.dom.size * size_of(t.elem)


def show_type(t: SType) -> str:
    if isinstance(t, Type):
        if t.kind == "int":
            return f"int[{t.lo}..{t.hi}]"
        if t.kind == "ref":
            return t.name + ("?" if t.nullable else "")
        return t.name
    if isinstance(t, Struct):
        return t.name
    return f"[{t.dom.name or t.dom.kind}] {show_type(t.elem)}"


def compatible(want: Type, got: Type) -> bool:
    """Whether a value of type got may be stored where want is expected (ranges are checked when
    the step runs, so every int fits every int here)."""
    if want.kind == "int":
        return got.kind == "int"
    if want.kind == "bool":
        return got.kind == "bool"
    if want.kind == "enum":
        return got.kind == "enum" and got.name == want.name
    if want.kind == "ref":
        return got.kind == "ref" and (got.name in (want.name, "NULL"))
    return False


def int_type(lo: int, hi: int) -> Type:
    return Type("int", lo, hi, "int")


def flatten(t: SType, prefix: str) -> list[tuple[str, Type]]:
    """The scalar slots of a value of type t in layout order, with their printed names."""
    if isinstance(t, Type):
        return [(prefix, t)]
    out = []
    if isinstance(t, Struct):
        for fname, ftype in t.fields:
            out.extend(flatten(ftype, f"{prefix}.{fname}"))
        return out
    for i in range(t.dom.size):
        out.extend(flatten(t.elem, f"{prefix}[{t.dom.show(i)}]"))
    return out
