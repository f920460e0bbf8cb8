"""Errors in the user's input: a stable code, a position, the source line with a caret, and what
was expected. Codes are listed in docs/errors.md; tests assert them, so never renumber one.
"""
from __future__ import annotations

from dataclasses import dataclass

CODES = {
    "E001": "syntax error: unexpected token",
    "E002": "syntax error: unexpected character",
    "E003": "syntax error: unexpected end of file",
    "E010": "cannot read the spec file",
    "E011": "the spec file is not text (UTF-8)",
    "E012": "the spec is empty",
    "E013": "the spec is too large or too deeply nested",
    "E100": "unknown name",
    "E101": "name declared twice",
    "E102": "not allowed here",
    "E103": "recursive function call",
    "E200": "type mismatch",
    "E201": "wrong number of arguments",
    "E202": "not a constant expression",
    "E203": "not assignable",
    "E204": "invalid type",
    "E300": "scenario error",
    "E400": "bad command-line value",
}


@dataclass
class SpecError(Exception):
    code: str
    message: str
    path: str = ""
    line: int = 0
    col: int = 0
    expected: str = ""
    source: str = ""

    def __post_init__(self):
        super().__init__(self.message)

    def render(self) -> str:
        where = self.path or "<spec>"
        if self.line:
            where += f":{self.line}:{self.col}"
        out = [f"{where}: error[{self.code}]: {self.message}"]
        if self.line and self.source:
            lines = self.source.splitlines()
            if 0 < self.line <= len(lines):
                text = lines[self.line - 1].replace("\t", " ")
                out.append(f"  {self.line:>4} | {text}")
                out.append("       | " + " " * max(self.col - 1, 0) + "^")
        if self.expected:
            out.append(f"  expected: {self.expected}")
        return "\n".join(out)


def at(code: str, message: str, span, expected: str = "") -> SpecError:
    """An error at a syntax node's span; the source is filled in by the caller, and so is the
    path unless the span is in a library module."""
    return SpecError(code, message, path=getattr(span, "file", ""), line=getattr(span, "line", 0),
                     col=getattr(span, "col", 0), expected=expected)
