"""Printing a result: rich on a terminal, the plain text everywhere else (trace/terminal.py)."""
from __future__ import annotations

import typer

from ..trace.render import render_result
from ..trace.terminal import print_result, wants_colour


def echo_result(prog, result, full: bool = False) -> None:
    if wants_colour():
        print_result(prog, result, full)
    else:
        typer.echo(render_result(prog, result, full))
