"""The live progress line of a long `verify`: depth reached, states or solver calls, elapsed time.

It goes to stderr and only when stderr is a terminal, so pipes, files and tests never see it;
it disappears when the search ends, leaving the result alone on the screen. The elapsed time
ticks on its own (rich redraws the line a few times a second), the other figures move when an
engine reports a finished depth.
"""
from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text


class Progress:
    def __init__(self, console: Console | None = None, clock=time.monotonic):
        if console is None and sys.stderr.isatty():
            console = Console(stderr=True)
        self.console, self.clock = console, clock
        self.t0 = clock()
        self.depth, self.what = None, ""
        self.live: Live | None = None

    def __enter__(self) -> "Progress":
        if self.console is not None:
            self.live = Live(self, console=self.console, transient=True, refresh_per_second=4,
                             redirect_stdout=False, redirect_stderr=False)
            self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def explicit(self, depth: int, states: int, seconds: float) -> None:
        """The explicit engine's report after each breadth-first layer."""
        self.depth, self.what = f"depth {depth}", f"{states} states"

    def symbolic(self, frame: int, seconds: float, calls: int) -> None:
        """The symbolic engine's report after each frame's solver query."""
        self.depth, self.what = f"frame {frame}", f"{calls} solver calls"

    def line(self) -> str:
        elapsed = f"{self.clock() - self.t0:.1f} s"
        if self.depth is None:
            return f"refine: starting ... {elapsed}"
        return f"refine: {self.depth}, {self.what}, {elapsed}"

    def __rich__(self) -> Text:
        return Text(self.line(), style="dim")
