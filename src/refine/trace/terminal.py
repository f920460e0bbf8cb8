"""The result on a terminal, with rich: the same lines and step table as the plain text, in
colour. Written values stand out from the values only read, each context level has its colour,
the cpu/context/thread cells are left blank while the same thread goes on (a blank line marks
each switch), and the violating step is red.

Plain text (render.py) is printed instead whenever stdout is not a terminal or NO_COLOR is set,
so pipes, files, goldens and tests see exactly the text they always saw.
"""
from __future__ import annotations

import os
import sys

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..engines.result import HOLDS, VIOLATED, Result
from ..ir.model import Program
from .render import HEADER, SHOWN, header, initial_state, stats_line, value, violated_property
from .trace import Trace, TraceStep

LEVEL_STYLE = {"task": "green", "softirq": "cyan", "hardirq": "yellow", "nmi": "magenta"}
WRITTEN = "bold green"
READ = "dim"
VERDICT_STYLE = {HOLDS: "bold green", VIOLATED: "bold red"}


def wants_colour(stream=None, env=None) -> bool:
    """Rich output only for a person at a terminal who did not ask for plain text."""
    stream = sys.stdout if stream is None else stream
    env = os.environ if env is None else env
    tty = getattr(stream, "isatty", lambda: False)()
    return bool(tty) and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def changes_text(prog: Program, st: TraceStep, full: bool = False) -> Text:
    """A step's reads and writes as render.changes prints them, reads dimmed, written values
    highlighted; slots only --full shows (pcs, temporaries) stay dim."""
    parts: list[Text] = [Text(f"read {prog.slots[k].name}={value(prog, k, v)}", style=READ)
                         for k, v in st.reads]
    for slot, _, after in st.changes:
        info = prog.slots[slot]
        if info.kind in SHOWN:
            parts.append(Text.assemble(f"{info.name}=", (value(prog, slot, after), WRITTEN)))
        elif full:
            parts.append(Text(f"{info.name}={value(prog, slot, after)}", style=READ))
    return Text(", ").join(parts)


def trace_table(prog: Program, trace: Trace, full: bool = False) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    for name in HEADER:
        if name == "operation":
            table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=60)
        elif name == "changes":
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name, no_wrap=True, justify="right" if name == "step" else "left")
    last = None
    for st in trace.steps:
        who = (st.cpu, st.level, st.thread_name)
        if last is not None and who != last:
            table.add_section()
        same = who == last
        colour = LEVEL_STYLE.get(st.level, "")
        cells = [Text(str(st.index)),
                 Text("" if same else str(st.cpu), style="bold"),
                 Text("" if same else st.level, style=colour),
                 Text("" if same else st.thread_name, style=f"bold {colour}"),
                 Text(st.where, style="cyan"), Text(st.text), changes_text(prog, st, full)]
        bad = trace.violation is not None and st.index == len(trace.steps)
        table.add_row(*cells, style="on dark_red" if bad else None)
        last = who
    return table


def result_view(prog: Program, result: Result, full: bool = False) -> Group:
    """Everything render_result prints, as rich renderables."""
    parts: list = []
    for line in header(prog, result):
        label, _, rest = line.partition(" ")
        parts.append(Text.assemble((label, "bold"), " " + rest))
    parts.append(Text(""))
    if result.verdict == VIOLATED and result.trace is not None:
        parts.append(Text.assemble(("initial state: ", "bold"), initial_state(prog)))
        parts.append(Text(""))
        parts.append(trace_table(prog, result.trace, full))
        parts.append(Text(violated_property(prog, result.trace), style="red"))
        parts.append(Text(""))
    parts.append(Text(result.summary(), style=VERDICT_STYLE.get(result.verdict, "bold yellow")))
    if stats_line(result):
        parts.append(Text(stats_line(result), style="dim"))
    return Group(*parts)


def print_result(prog: Program, result: Result, full: bool = False,
                 console: Console | None = None) -> None:
    (console or Console()).print(result_view(prog, result, full))
