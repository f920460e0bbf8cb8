"""The `refine` command. Exit codes: 0 holds within the stated bounds, 1 violation, 2 bad input
or usage, 3 inconclusive (limits, solver unknown, loop bound reached), 4 internal error."""
from __future__ import annotations

import ctypes
import json
import os
import random
import signal
import sys
import threading
import time
from contextlib import contextmanager
from enum import Enum
from typing import List, Optional

import typer

from ..engines.limits import Limits, default_memory_mb, interrupt, interrupted, peak_rss_mb
from ..errors import SpecError
from ..load import load
from ..trace.render import checked
from ..trace.trace import ReplayError

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 4

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Check concurrency protocols of the kernel's BPF subsystem.")


class Engine(str, Enum):
    explicit = "explicit"
    symbolic = "symbolic"


class Unit(str, Enum):
    rounds = "rounds"
    steps = "steps"


def _overrides(consts: list[str]) -> dict[str, int]:
    out = {}
    for c in consts or []:
        name, sep, val = c.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = {"true": 1, "false": 0}.get(val.strip(), None) \
                if val.strip() in ("true", "false") else int(val, 0)
        except ValueError:
            raise SpecError("E400", f"--const {c}: expected NAME=VALUE with an integer or "
                            "true/false", expected="--const NJOBS=4") from None
    return out


def _load(spec: str, consts, only=None):
    try:
        overrides = _overrides(consts)
    except SpecError as e:
        e.path = spec
        raise
    return load(spec, overrides, only)


def run_limits(timeout: float | None, memory: float | None, start: float | None = None):
    """The limits of one command's search: without --memory, 80% of the machine's memory."""
    return Limits(timeout=timeout, start=time.monotonic() if start is None else start,
                  memory_mb=memory if memory is not None else default_memory_mb())


class _LoadTimeout(BaseException):  # not an Exception: no `except Exception` may take it
    pass


@contextmanager
def load_deadline(timeout: float | None):
    """--timeout bounds the whole command: lowering a spec has no point where it could poll
    (a loop bound of 1000 unrolls for minutes), so an alarm ends it, as inconclusive."""
    if timeout is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise _LoadTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(timeout, 0.001))
    try:
        yield
    except _LoadTimeout:
        typer.echo(f"INCONCLUSIVE: time limit of {timeout:g} s reached while loading the spec "
                   "(parsing, checking and lowering it), before any search", err=True)
        raise typer.Exit(3) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fail(e: SpecError) -> None:
    typer.echo(e.render(), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _internal(e: Exception) -> None:
    typer.echo(f"refine: INTERNAL ERROR: {e}\nThis is a bug in refine, not in the spec; "
               "the result above this line, if any, must not be trusted.", err=True)
    raise typer.Exit(EXIT_INTERNAL)


def _unwritable(e: OSError) -> None:
    typer.echo(f"refine: cannot write {e.filename}: {e.strerror}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


SpecArg = typer.Argument(..., help="the .kspec file")
ConstOpt = typer.Option(None, "--const", "-D", help="override a constant: NAME=VALUE")
OnlyOpt = typer.Option(None, "--only", help="check only this property (repeat for several)")


@app.command()
def verify(spec: str = SpecArg,
           depth: int = typer.Option(None, "--depth", "-d", help="depth bound: steps for the "
                                     "explicit engine (default 500), frames for the symbolic "
                                     "one (default 12)"),
           engine: Engine = typer.Option(Engine.explicit, "--engine", "-e"),
           unit: Unit = typer.Option(Unit.rounds, "--unit", help="symbolic engine: what a "
                                     "frame is, a round of bursts or one step"),
           const: Optional[List[str]] = ConstOpt,
           only: Optional[List[str]] = OnlyOpt,
           timeout: float = typer.Option(None, "--timeout", help="seconds for the whole check"),
           query_timeout: float = typer.Option(120.0, "--query-timeout",
                                               help="seconds per solver query (symbolic)"),
           memory: float = typer.Option(None, "--memory", help="MiB of memory at most "
                                        "(default: 80% of the machine's)"),
           full: bool = typer.Option(False, "--full", help="show every variable that changed"),
           itf: Optional[str] = typer.Option(None, "--itf", help="write the counterexample "
                                             "to this file as ITF JSON"),
           as_json: bool = typer.Option(False, "--json", help="print the whole result as "
                                        "JSON (docs/json-output.md)"),
           html: Optional[str] = typer.Option(None, "--html", help="write the counterexample "
                                              "to this file as an HTML report")):
    """Search for a violation of the spec's properties within the scenario's bounds."""
    start = time.monotonic()
    try:
        with load_deadline(timeout):
            prog = _load(spec, const, only)
    except SpecError as e:
        _fail(e)
    limits = run_limits(timeout, memory, start)
    result = guarded(engine, lambda: search(prog, spec, _overrides(const), only, engine, depth,
                                            unit, limits, query_timeout))
    result.stats["peak_mb"] = round(peak_rss_mb())
    _report(prog, result, full, itf, as_json, html)
    raise typer.Exit(result.exit_code)


def search(prog, spec: str, overrides: dict, only, engine: Engine, depth, unit: Unit,
           limits: Limits, query_timeout: float, refines: bool = False):
    """Run the chosen engine on prog (the symbolic one also on the spec with loops cut
    short), with the live progress line on a terminal."""
    from .progress import Progress
    with Progress() as line:
        if engine == Engine.explicit:
            from ..engines.explicit import search as explicit
            return explicit(prog, depth or 500, limits, progress=line.explicit)
        from ..engines.cut_first import CUT_AT, check_cut_first
        cut = load(spec, overrides, only, unroll_cap=CUT_AT, refines=refines)
        return check_cut_first(prog, cut, depth or 12, unit.value, limits, query_timeout,
                               progress=line.symbolic)


def guarded(engine: Engine, run):
    """run(), with an interrupt or exhausted memory reported as inconclusive (exit 3) and a
    trace the semantics reject as an internal error."""
    def on_sigint(signum, frame):
        if interrupted():  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        interrupt()

    interrupt(False)
    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: Ctrl-C stays the default
        previous = None
    try:
        return run()
    except ReplayError as e:
        _internal(f"the {engine.value} engine returned a trace the semantics reject: {e}")
    except (KeyboardInterrupt, ctypes.ArgumentError) as e:
        # a Ctrl-C inside a call into Z3 arrives wrapped in an ArgumentError
        if isinstance(e, ctypes.ArgumentError) and "KeyboardInterrupt" not in str(e):
            raise
        typer.echo("\nrefine: interrupted; INCONCLUSIVE", err=True)
        raise typer.Exit(3)
    except MemoryError:
        typer.echo("refine: out of memory; INCONCLUSIVE", err=True)
        raise typer.Exit(3)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def write_trace(prog, data: dict | None, itf: Optional[str], html: Optional[str]) -> None:
    """The counterexample (ITF form) to the files asked for; an unwritable one is exit 2."""
    from ..trace import itf as itf_format
    if data is None:
        return
    try:
        if itf:
            itf_format.write(itf, data)
        if html:
            from ..trace.html import write_report
            write_report(html, data, prog=prog)
    except OSError as e:
        _unwritable(e)


def say_written(found: bool, itf: Optional[str], html: Optional[str]) -> None:
    for path, what in ((itf, "trace"), (html, "report")):
        if path:
            typer.echo(f"{what} written to {path}" if found
                       else f"no counterexample: {path} not written")


def _report(prog, result, full: bool, itf: Optional[str], as_json: bool,
            html: Optional[str] = None) -> None:
    from ..trace.itf import to_itf
    from .output import result_json, trace_meta
    from .screen import echo_result
    found = result.trace is not None
    write_trace(prog, to_itf(prog, result.trace, trace_meta(result)) if found else None, itf,
                html)
    if as_json:
        typer.echo(json.dumps(result_json(prog, result), indent=1))
        return
    echo_result(prog, result, full)
    say_written(found, itf, html)


@app.command()
def show(trace: str = typer.Argument(..., help="a trace saved with --itf"),
         html: Optional[str] = typer.Option(None, "--html", help="write it as an HTML report "
                                            "to this file instead")):
    """Print a saved counterexample again, without the spec and without re-running anything."""
    from ..trace import itf as itf_format
    from ..trace.render import render_itf
    try:
        data = itf_format.read(trace)
    except ReplayError as e:
        typer.echo(f"refine: {e}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if html:
        from ..trace.html import write_report
        try:
            write_report(html, data)
        except OSError as e:
            _unwritable(e)
        typer.echo(f"report written to {html}")
        return
    typer.echo(render_itf(data))


@app.command()
def replay(spec: str = SpecArg, trace: str = typer.Argument(..., help="a trace saved with --itf"),
           const: Optional[List[str]] = ConstOpt,
           full: bool = typer.Option(False, "--full")):
    """Replay a saved counterexample on a spec: each step must be possible and produce exactly
    the recorded values; exit 1 when it reproduces the violation it names."""
    from ..engines.machine import Machine
    from ..engines.result import Result
    from ..trace import itf as itf_format
    try:
        data = itf_format.read(trace)
    except ReplayError as e:
        typer.echo(f"refine: {e}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:  # a trace of `refine refines` replays on the product with the abstract spec
        refines = bool((data.get("#meta") or {}).get("refines"))
        prog = load(spec, _overrides(const), refines=refines) if refines else _load(spec, const)
    except SpecError as e:
        _fail(e)
    try:
        replayed = itf_format.replay_itf(Machine(prog), data)
    except ReplayError as e:
        typer.echo(f"refine: {trace} does not replay on {spec}: {e}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    named = (data.get("#meta") or {}).get("violated")
    got = replayed.violation.prop if replayed.violation else None
    if named != got:
        typer.echo(f"refine: {trace} names {named or 'no violation'}, replaying it gives "
                   f"{got or 'no violation'}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    verdict = "violated" if got else "holds"
    result = Result(verdict, "replay", prog.bounds(), "steps", len(replayed), trace=replayed,
                    reason=replayed.violation.message if got else
                    f"the {len(replayed)} steps of {trace} replay and violate nothing")
    if got:
        from .screen import echo_result
        echo_result(prog, result, full)
    else:
        typer.echo(result.reason)
    raise typer.Exit(result.exit_code)


@app.command()
def check(spec: str = SpecArg, const: Optional[List[str]] = ConstOpt):
    """Parse, resolve and type check a spec without running it (and its refinement mapping,
    when it declares one)."""
    try:
        prog = _load(spec, const)
        from ..refinement.merge import declares
        if declares(spec):
            load(spec, _overrides(const), refines=True)
    except SpecError as e:
        _fail(e)
    steps = sum(len(t.code) for t in prog.threads)
    typer.echo(f"{spec}: ok: {len(prog.threads)} threads on {prog.cpus} CPUs, "
               f"{len(prog.invariants)} invariants, {steps} instructions")
    typer.echo(f"bounds:  {prog.bounds()}")
    typer.echo(f"checked: {checked(prog)}")


@app.command()
def simulate(spec: str = SpecArg,
             runs: int = typer.Option(1000, "--runs", help="number of random runs"),
             steps: int = typer.Option(500, "--steps", help="steps per run at most"),
             seed: int = typer.Option(None, "--seed", help="random seed (printed for replay)"),
             const: Optional[List[str]] = ConstOpt,
             only: Optional[List[str]] = OnlyOpt,
             timeout: float = typer.Option(None, "--timeout"),
             full: bool = typer.Option(False, "--full")):
    """Random runs; finds violations fast but proves nothing when it finds none."""
    try:
        prog = _load(spec, const, only)
    except SpecError as e:
        _fail(e)
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 31)
    typer.echo(f"seed: {seed} (replay with --seed {seed})")
    from ..engines.explicit import simulate as run
    t0 = time.monotonic()
    try:
        result = run(prog, runs, steps, seed, Limits(timeout=timeout))
    except ReplayError as e:
        _internal(f"simulation produced a trace the semantics reject: {e}")
    result.stats["seconds"] = round(time.monotonic() - t0, 3)
    from .screen import echo_result
    echo_result(prog, result, full)
    raise typer.Exit(result.exit_code)


@app.command()
def compare(specs: List[str] = typer.Argument(..., help="the .kspec files, one row each"),
            const: Optional[List[str]] = ConstOpt,
            jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j",
                                     help="specs surveyed at once"),
            timeout: float = typer.Option(300.0, "--timeout", help="seconds per spec"),
            memory: float = typer.Option(None, "--memory", help="MiB per spec's process at "
                                         "most (default: the machine's memory over --jobs)"),
            markdown: Optional[str] = typer.Option(None, "--markdown", help="also write the "
                                                   "table as Markdown, with its counterexamples "
                                                   "in a folder of the same name")):
    """One table: every design (spec) against every property, each checked on its own."""
    from pathlib import Path

    from ..review import matrix, table
    try:
        overrides = _overrides(const)
        for spec in specs:
            load(spec, overrides)
    except SpecError as e:
        _fail(e)

    def progress(n, total, row):
        if sys.stderr.isatty():
            sys.stderr.write(f"\r  {n}/{total} specs surveyed, last {row.name}"[:100].ljust(100))
            sys.stderr.flush()

    t0 = time.monotonic()
    if memory is None:
        memory = default_memory_mb(jobs)
    rows = matrix.build(specs, overrides, jobs, timeout, memory, progress)
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 100 + "\r")
    typer.echo(table.terminal(rows))
    typer.echo(f"({len(rows)} specs, {sum(len(r.cells) for r in rows)} cells, "
               f"{time.monotonic() - t0:.1f} s with {jobs} processes)")
    if markdown:
        md = Path(markdown)
        folder = md.with_suffix("")
        (folder / "traces").mkdir(parents=True, exist_ok=True)
        for r in rows:
            for c in r.cells.values():
                if c.trace:
                    (folder / "traces" / f"{c.key()}.txt").write_text(c.trace + "\n")
        flags = "".join(f" -D {c}" for c in const or ()) + f" --timeout {timeout:g}"
        command = "refine compare " + " ".join(specs) + flags + f" --markdown {markdown}"
        results = {"command": command, "fingerprint": matrix.fingerprint(specs),
                   "rows": matrix.as_json(rows)}
        (folder / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        md.write_text(table.markdown(rows, command, results["fingerprint"],
                                     f"{folder.name}/traces"))
        typer.echo(f"wrote {md}, {folder}/results.json and {folder}/traces/")


from . import refines as _refines  # noqa: E402,F401  (registers `refine refines`)


def run() -> None:
    """Console entry point: no Python traceback ever reaches the user for bad input."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("refine: interrupted", file=sys.stderr)
        sys.exit(3)
    except Exception as e:  # usage errors of the CLI library, and anything unexpected
        name = type(e).__name__
        if hasattr(e, "show") and hasattr(e, "exit_code"):  # a click/typer usage error
            e.show()
            sys.exit(EXIT_BAD_INPUT)
        if name == "Abort":
            sys.exit(3)
        print(f"refine: INTERNAL ERROR: {name}: {e}", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)
