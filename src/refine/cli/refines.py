"""`refine refines DESIGN`: check a design against the abstract spec its `refines` names."""
from __future__ import annotations

import json
from typing import List, Optional

import typer

from ..engines.limits import peak_rss_mb
from ..errors import SpecError
from ..load import load
from ..refinement.check import run
from ..refinement.report import render
from .main import (ConstOpt, Engine, SpecArg, Unit, _fail, _overrides, app, guarded,
                   load_deadline, run_limits, say_written, search, write_trace)
from .output import trace_meta


@app.command()
def refines(spec: str = SpecArg,
            depth: int = typer.Option(None, "--depth", "-d", help="depth bound: steps "
                                      "(explicit, default 500) or frames (symbolic, default 12)"),
            engine: Engine = typer.Option(Engine.explicit, "--engine", "-e"),
            unit: Unit = typer.Option(Unit.rounds, "--unit"),
            const: Optional[List[str]] = ConstOpt,
            timeout: float = typer.Option(None, "--timeout", help="seconds for each of the "
                                          "two runs (the design's own, the product)"),
            memory: float = typer.Option(None, "--memory", help="MiB of memory at most "
                                         "(default: 80% of the machine's)"),
            itf: Optional[str] = typer.Option(None, "--itf", help="write the design's "
                                              "trace, with the abstract state, as ITF JSON"),
            html: Optional[str] = typer.Option(None, "--html", help="write the design's "
                                               "trace as an HTML report"),
            as_json: bool = typer.Option(False, "--json", help="print the result as JSON")):
    """Check that every behaviour of the design maps to one of the abstract spec it names
    (`refines SPEC { ... }` and `maps` clauses; docs/refinement.md)."""
    try:
        overrides = _overrides(const)
        with load_deadline(timeout):
            load(spec, overrides, refines=True)  # input errors before any search
    except SpecError as e:
        e.path = e.path or spec
        _fail(e)
    limits = run_limits(timeout, memory)

    def one(product: bool):
        prog = load(spec, overrides, refines=product)
        return prog, search(prog, spec, overrides, None, engine, depth, unit, limits, 120.0,
                            refines=product)

    verdict = guarded(engine, lambda: run(one))
    verdict.product.stats["peak_mb"] = round(peak_rss_mb())
    p = verdict.product
    trace = None
    if p.trace is not None:
        from ..trace.itf import to_itf
        trace = to_itf(verdict.prog, p.trace, {**trace_meta(p), "refines": verdict.abstract,
                                               "kind": verdict.kind})
    write_trace(verdict.prog, trace, itf, html)
    if as_json:
        from .output import refinement_json
        typer.echo(json.dumps(refinement_json(verdict, trace), indent=1))
        raise typer.Exit(verdict.exit_code)
    typer.echo(render(verdict, const))
    say_written(trace is not None, itf, html)
    raise typer.Exit(verdict.exit_code)
