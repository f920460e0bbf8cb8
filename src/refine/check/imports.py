"""`import NAME;`: modules of the kernel library, written in kspec, bundled in refine/kernel/.

A module's declarations are placed before the spec's own, in the order the imports name them
(a module's own imports first), each module once. A module is a spec fragment: it may declare
anything but a scenario or a `spec` header. Its spans name its file, so an error or a trace step
inside the library points into the library, not into the user's spec.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import at
from ..syntax import ast as A
from ..syntax.parser import parse_text

LIBRARY = Path(__file__).resolve().parent.parent / "kernel"


def modules() -> list[str]:
    """The names a spec may import."""
    return sorted(p.stem for p in LIBRARY.glob("*.kspec"))


@lru_cache(maxsize=None)
def _module(name: str) -> A.Spec:
    path = LIBRARY / f"{name}.kspec"
    text = path.read_text(encoding="utf-8")
    spec = parse_text(text, f"kernel/{name}.kspec", library=True)
    for d in spec.decls:
        if isinstance(d, A.ScenarioDecl):
            raise at("E102", "a library module has no scenario", d.span)
    return spec


_OTHER: dict[str, str] = {}  # other files whose declarations a spec takes in (refinement)


def register_source(path: str, text: str) -> None:
    """Make a file's text known for error carets and trace lines (an abstract spec)."""
    _OTHER[path] = text


def library_source(path: str) -> str:
    """The text of a library file (or another registered file) named in a span."""
    if path in _OTHER:
        return _OTHER[path]
    name = Path(path).stem
    return _module(name).source if name in modules() else ""


def expand(spec: A.Spec) -> A.Spec:
    """The spec with every imported module's declarations placed before its own."""
    if not any(isinstance(d, A.ImportDecl) for d in spec.decls):
        return spec
    done: list[str] = []
    decls: list[A.Decl] = []

    def visit(imp: A.ImportDecl, chain: tuple[str, ...]):
        for name in imp.modules:
            if name in done:
                continue
            if name in chain:
                raise at("E103", f"library modules import each other: "
                         f"{' -> '.join(chain + (name,))}", imp.span)
            if name not in modules():
                raise at("E100", f"no library module `{name}`", imp.span,
                         "one of: " + ", ".join(modules()))
            mod = _module(name)
            for d in mod.decls:
                if isinstance(d, A.ImportDecl):
                    visit(d, chain + (name,))
            done.append(name)
            decls.extend(d for d in mod.decls if not isinstance(d, A.ImportDecl))

    for d in spec.decls:
        if isinstance(d, A.ImportDecl):
            visit(d, ())
    own = [d for d in spec.decls if not isinstance(d, A.ImportDecl)]
    return A.Spec(spec.name, tuple(decls + own), path=spec.path, source=spec.source,
                  span=spec.span)
