"""`refine refines DESIGN`: check a design against the abstract spec its `refines` names."""
from __future__ import annotations

import json
from typing import List, Optional

import typer

from ..engines.limits import Limits, peak_rss_mb
from ..errors import SpecError
from ..load import load
from ..refinement.check import run
from ..refinement.report import render
from ..trace.trace import ReplayError
from .main import (ConstOpt, Engine, SpecArg, Unit, _fail, _internal, _overrides, _unwritable,
                   app)


@app.command()
def refines(spec: str = SpecArg,
            depth: int = typer.Option(None, "--depth", "-d", help="depth bound: steps "
                                      "(explicit, default 500) or frames (symbolic, default 12)"),
            engine: Engine = typer.Option(Engine.explicit, "--engine", "-e"),
            unit: Unit = typer.Option(Unit.rounds, "--unit"),
            const: Optional[List[str]] = ConstOpt,
            timeout: float = typer.Option(None, "--timeout", help="seconds for each of the "
                                          "two runs (the design's own, the product)"),
            memory: float = typer.Option(None, "--memory", help="MiB of memory at most"),
            itf: Optional[str] = typer.Option(None, "--itf", help="write the design's "
                                              "trace, with the abstract state, as ITF JSON"),
            html: Optional[str] = typer.Option(None, "--html", help="write the design's "
                                               "trace as an HTML report"),
            as_json: bool = typer.Option(False, "--json", help="print the result as JSON")):
    """Check that every behaviour of the design maps to one of the abstract spec it names
    (`refines SPEC { ... }` and `maps` clauses; docs/refinement.md)."""
    try:
        overrides = _overrides(const)
        load(spec, overrides, refines=True)  # input errors before any search
    except SpecError as e:
        e.path = e.path or spec
        _fail(e)
    limits = Limits(timeout=timeout, memory_mb=memory)

    def search(product: bool):
        prog = load(spec, overrides, refines=product)
        if engine == Engine.explicit:
            from ..engines.explicit import search as explicit
            return prog, explicit(prog, depth or 500, limits)
        from ..engines.cut_first import CUT_AT, check_cut_first
        cut = load(spec, overrides, unroll_cap=CUT_AT, refines=product)
        return prog, check_cut_first(prog, cut, depth or 12, unit.value, limits, 120.0)

    try:
        verdict = run(search)
    except ReplayError as e:
        _internal(f"the {engine.value} engine returned a trace the semantics reject: {e}")
    except KeyboardInterrupt:
        typer.echo("\nrefine: interrupted; INCONCLUSIVE", err=True)
        raise typer.Exit(3)
    except MemoryError:
        typer.echo("refine: out of memory; INCONCLUSIVE", err=True)
        raise typer.Exit(3)
    verdict.product.stats["peak_mb"] = round(peak_rss_mb())
    p = verdict.product
    trace = None
    if p.trace is not None:
        from ..trace.itf import to_itf
        trace = to_itf(verdict.prog, p.trace, {
            "engine": p.engine, "bounds": p.bounds, "unit": p.unit, "depth": p.depth,
            "refines": verdict.abstract, "kind": verdict.kind})
    try:
        if itf and trace is not None:
            with open(itf, "w") as f:
                f.write(json.dumps(trace, indent=1) + "\n")
        if html and trace is not None:
            from ..trace.html import write_report
            write_report(html, trace, prog=verdict.prog)
    except OSError as e:
        _unwritable(e)
    if as_json:
        from .output import refinement_json
        typer.echo(json.dumps(refinement_json(verdict, trace), indent=1))
        raise typer.Exit(verdict.exit_code)
    typer.echo(render(verdict))
    for path, what in ((itf, "trace"), (html, "report")):
        if path:
            typer.echo(f"{what} written to {path}" if trace is not None
                       else f"no counterexample: {path} not written")
    raise typer.Exit(verdict.exit_code)
