"""The design-review matrix: every property of every spec, each judged on its own.

A row is one survey of a spec (engines/survey.py: one exploration that finds each property's
shortest violation, with the semantics of `--only` that property), in a process of its own,
under a time limit. Columns are the specs' invariants, the kernel checks, and one `runtime`
column for the generic checks (range, NULL, bounds, division, context, BUG) taken together.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

KERNEL_COLUMNS = ("use-after-free", "double-free", "leak", "nmi-unsafe", "wait-context",
                  "deadlock", "WARN", "assert")
RUNTIME = ("range", "null-deref", "bounds", "div-zero", "context", "BUG")


@dataclass
class Cell:
    spec: str  # the spec's path as given
    column: str
    only: tuple[str, ...]
    verdict: str = ""  # holds | violated | inconclusive | no verdict (refines only)
    depth: int = 0
    complete: bool = False
    states: int = 0
    seconds: float = 0.0
    reason: str = ""
    violated: str = ""  # the property the trace violates
    trace: str = ""  # the rendered counterexample

    def key(self) -> str:
        return f"{Path(self.spec).stem}__{self.column}"


@dataclass
class Row:
    spec: str
    name: str
    bounds: str
    cells: dict[str, Cell] = field(default_factory=dict)


def columns_of(prog) -> list[tuple[str, tuple[str, ...]]]:
    """(column, the --only selection that checks it) for one lowered spec."""
    out = [(name, (name,)) for name in dict.fromkeys(i.name for i in prog.invariants)
           if name != "leak"]
    out += [(c, (c,)) for c in KERNEL_COLUMNS]
    out.append(("runtime", RUNTIME))
    return out


def everything(prog) -> list[str]:
    """Every property a spec declares and every check, the ones it switches off by default
    included: a review judges the design, not the spec's default run."""
    from ..lower.program import KNOWN_CHECKS
    names = [i.name for i in prog.invariants if i.name != "leak"]
    names += [c for c in prog.checks_off if c not in KNOWN_CHECKS]
    return list(dict.fromkeys(names)) + sorted(KNOWN_CHECKS)


def run_spec(spec: str, consts: dict, timeout: float, memory_mb: float | None = None) -> "Row":
    """Every cell of one spec's row from one survey (in a worker process); each counterexample
    is replayed on the program focused on its column, as `--only` would check it."""
    from ..engines.limits import Limits
    from ..engines.machine import Machine
    from ..engines.result import Result
    from ..engines.survey import survey
    from ..load import load
    from ..trace.render import render_result
    from ..trace.trace import replay
    prog = load(spec, consts, everything(load(spec, consts)))
    row = Row(spec, prog.spec_name, prog.bounds())
    s = survey(prog, 500, Limits(timeout=timeout, memory_mb=memory_mb))
    for column, only in columns_of(prog):
        cell = Cell(spec, column, only, seconds=s.seconds, states=s.states)
        row.cells[column] = cell
        hits = sorted((f for p, f in s.found.items() if p in only), key=lambda f: f.depth)
        if not hits:
            cell.verdict, cell.depth, cell.complete, cell.reason = \
                s.verdict_rest, s.depth, s.complete, s.reason
            continue
        f = hits[0]
        focused = load(spec, consts, list(only))
        trace = replay(Machine(focused), f.actions, expect=f.violation)
        r = Result("violated", "explicit (survey)", focused.bounds(), "steps", f.depth,
                   trace=trace, reason=trace.violation.message)
        cell.verdict, cell.depth, cell.violated = "violated", f.depth, f.prop
        cell.trace = "\n".join(line for line in render_result(focused, r).splitlines()
                               if not (line.startswith("(") and "seconds " in line))
    cell = refinement_cell(spec, consts, timeout, memory_mb)
    if cell is not None:
        row.cells[REFINES] = cell
    return row


REFINES = "refines"  # the column of `refine refines`: the design against its abstract spec


def refinement_cell(spec: str, consts: dict, timeout: float, memory_mb=None) -> Cell | None:
    """The design checked against the abstract spec its `refines` names (refinement/check.py),
    or None when it declares no mapping."""
    from ..engines.explicit import search
    from ..engines.limits import Limits
    from ..load import load
    from ..refinement.check import FAILS, OWN, REFINES as YES, run
    from ..refinement.report import render
    from ..refinement.merge import declares
    if not declares(spec):
        return None
    limits = Limits(timeout=timeout, memory_mb=memory_mb)

    def one(product: bool):
        prog = load(spec, consts, refines=product)
        return prog, search(prog, 500, limits)

    v = run(one)
    p = v.product
    cell = Cell(spec, REFINES, (), seconds=p.stats.get("seconds", 0.0),
                states=p.stats.get("states", 0), depth=p.depth)
    if v.verdict == FAILS:
        cell.verdict, cell.depth, cell.violated = "violated", len(p.trace), v.kind
        cell.trace = "\n".join(line for line in render(v).splitlines()
                               if not (line.startswith("(") and "seconds " in line))
    elif v.verdict == YES:
        cell.verdict, cell.complete = "holds", p.complete and v.own.complete
    elif v.verdict == OWN:  # the design's own violation: not a bound reached
        cell.verdict, cell.reason = "no verdict", v.summary()
    else:
        cell.verdict, cell.reason = "inconclusive", v.summary()[len("INCONCLUSIVE: "):]
    return cell


def build(specs: list[str], consts: dict, jobs: int, timeout: float,
          memory_mb: float | None = None, progress=None) -> list[Row]:
    """One survey per spec, `jobs` processes at a time; rows in the order given."""
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_spec, spec, consts, timeout, memory_mb) for spec in specs]
        rows = []
        for n, f in enumerate(futures, 1):
            rows.append(f.result())
            if progress:
                progress(n, len(specs), rows[-1])
    return rows


def fingerprint(specs: list[str]) -> str:
    """A hash of the table's inputs: the specs and the kernel library they import."""
    from ..check.imports import LIBRARY
    h = hashlib.sha256()
    for p in [Path(s) for s in specs] + sorted(LIBRARY.glob("*.kspec")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def as_json(rows: list[Row]) -> list[dict]:
    return [{"spec": r.spec, "name": r.name, "bounds": r.bounds,
             "cells": {k: asdict(c) for k, c in r.cells.items()}} for r in rows]


def from_json(data: list[dict]) -> list[Row]:
    rows = []
    for d in data:
        row = Row(d["spec"], d["name"], d["bounds"])
        for k, c in d["cells"].items():
            c["only"] = tuple(c["only"])
            row.cells[k] = Cell(**c)
        rows.append(row)
    return rows
