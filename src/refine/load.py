"""The front half of the pipeline in one call: file -> syntax tree -> checked, lowered IR."""
from __future__ import annotations

from .ir.model import Program
from .lower.program import lower
from .syntax.parser import parse_file


def load(path: str, overrides: dict[str, int] | None = None,
         only: list[str] | None = None, unroll_cap: int | None = None,
         refines: bool = False) -> Program:
    """Parse, resolve, type check and lower a spec; raises SpecError on bad input. refines: the
    product of the design with the abstract spec it names (refinement/merge.py)."""
    return lower(parse_file(path), overrides, only, unroll_cap, refines)
