"""Shared helpers: the repository root, running the CLI in-process, loading spec text."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from refine.cli.main import app
from refine.lower.program import lower
from refine.syntax.parser import parse_text

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> tuple[int, str]:
    """Run `refine ARGS` in-process; returns (exit code, stdout and stderr)."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def without_stats(output: str) -> str:
    """Output without the statistics line: timings and memory vary from run to run."""
    return "\n".join(line for line in output.splitlines()
                     if not (line.startswith("(") and "seconds " in line))


def explore(spec: str, only=None, **consts):
    """Lower a spec file (with --only and -D as given) and search it: (program, result)."""
    from refine.engines.explicit import search
    from refine.load import load
    prog = load(spec, consts or None, only=only)
    return prog, search(prog)


def steps_setting(prog, trace, suffix: str, value: int):
    """The steps of a trace that set a slot whose name ends with suffix to value."""
    name = {i: s.name for i, s in enumerate(prog.slots)}
    return [st for st in trace.steps for slot, _, after in st.changes
            if name[slot].endswith(suffix) and after == value]


def program(text: str, **consts):
    """Lower spec text straight to IR."""
    return lower(parse_text(text, "test.kspec"), consts or None)


@pytest.fixture
def at_root(monkeypatch):
    """Run with the repository root as the working directory (paths in outputs are relative)."""
    monkeypatch.chdir(ROOT)
    return ROOT
