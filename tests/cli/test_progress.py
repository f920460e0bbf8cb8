"""The live progress line: what it says for each engine, drawn only on a terminal."""
from __future__ import annotations

import io

from rich.console import Console

from refine.cli.progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_says_depth_states_or_solver_calls_and_elapsed_time():
    clock = Clock()
    p = Progress(Console(file=io.StringIO(), force_terminal=True), clock)
    assert p.line() == "refine: starting ... 0.0 s"
    clock.now += 2.5
    p.explicit(7, 1234, 2.4)
    assert p.line() == "refine: depth 7, 1234 states, 2.5 s"
    clock.now += 10
    p.symbolic(4, 12.0, 9)
    assert p.line() == "refine: frame 4, 9 solver calls, 12.5 s"


def test_on_a_terminal_it_is_drawn_and_then_erased():
    out = io.StringIO()
    with Progress(Console(file=out, force_terminal=True, width=80)) as p:
        p.explicit(3, 50, 0.1)
        p.live.refresh()
    text = out.getvalue()
    assert "refine: depth 3, 50 states" in text
    assert text.endswith("\r\x1b[1A\x1b[2K")  # transient: back up a line, and clear it


def test_without_a_terminal_nothing_is_written(capsys):
    with Progress() as p:  # pytest's stderr is not a terminal
        assert p.live is None
        p.explicit(3, 50, 0.1)
    assert capsys.readouterr().err == ""
