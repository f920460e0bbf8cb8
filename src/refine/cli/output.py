"""The machine-readable result of `refine verify --json` (docs/json-output.md)."""
from __future__ import annotations

from ..trace.itf import to_itf
from ..trace.render import checked

SCHEMA = 1  # bump when a field changes meaning or goes away


def trace_meta(result) -> dict:
    """What a trace file's #meta says of the run that found it."""
    return {"engine": result.engine, "bounds": result.bounds, "unit": result.unit,
            "depth": result.depth}


def result_json(prog, result) -> dict:
    meta = trace_meta(result)
    v = result.trace.violation if result.trace is not None else None
    return {
        "schema": SCHEMA,
        "spec": prog.spec_name,
        "path": prog.path,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "summary": result.summary(),
        "engine": result.engine,
        "bounds": result.bounds,
        "unit": result.unit,
        "depth": result.depth,
        "complete": result.complete,
        "violated": v.prop if v else None,
        "reason": result.reason,
        "checked": [c.strip() for c in checked(prog).split(";")[0].split(",")],
        "off": dict(prog.checks_off),
        "stats": result.stats,
        "trace": to_itf(prog, result.trace, meta) if result.trace is not None else None,
    }


def refinement_json(v, trace: dict | None) -> dict:
    """`refine refines --json`: the verdict, the failure kind, both runs, and the design's
    trace (ITF, with the abstract state) when the refinement fails."""
    from ..lower.refinement import KINDS
    return {
        "schema": SCHEMA,
        "spec": v.prog.spec_name,
        "path": v.prog.path,
        "refines": v.abstract,
        "verdict": v.verdict,
        "exit_code": v.exit_code,
        "kind": v.kind or None,
        "kind_text": KINDS.get(v.kind),
        "summary": v.summary(),
        "own": {"verdict": v.own.verdict, "summary": v.own.summary()},
        "product": {k: x for k, x in result_json(v.prog, v.product).items() if k != "trace"},
        "trace": trace,
    }
