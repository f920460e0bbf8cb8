"""The rich terminal view: the same words as the plain text, with colour where the plain text
has none, and plain text whenever the output is not a person's terminal."""
from __future__ import annotations

import io

import pytest
from rich.console import Console

from refine.trace.render import changes, render_result
from refine.trace.terminal import READ, WRITTEN, changes_text, print_result, wants_colour
from tests.conftest import ROOT, explore


@pytest.fixture(scope="module")
def aba():
    return explore(str(ROOT / "specs/v2_aba.kspec"))


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_for_a_terminal_without_no_color():
    assert wants_colour(Tty(), {})
    assert not wants_colour(io.StringIO(), {})
    assert not wants_colour(Tty(), {"NO_COLOR": "1"})
    assert not wants_colour(Tty(), {"TERM": "dumb"})
    assert wants_colour(Tty(), {"NO_COLOR": ""})  # no-color.org: set and non-empty


def test_each_step_says_what_the_plain_text_says_reads_dim_written_values_highlighted(aba):
    prog, result = aba
    for full in (False, True):
        for st in result.trace.steps:
            text = changes_text(prog, st, full)
            assert text.plain == changes(prog, st.changes, full, st.reads)
    st = result.trace.steps[3]  # step 4: the cmpxchg that installs Job#1 as the idle head
    text = changes_text(prog, st)
    assert text.plain.startswith("read idle.first=Job#0, idle.first=Job#1")
    styled = {text.plain[s.start:s.end]: str(s.style) for s in text.spans}
    assert styled["read idle.first=Job#0"] == READ
    assert styled["Job#1"] == WRITTEN and styled["PENDING"] == WRITTEN


def render(prog, result, full=False) -> tuple[str, str]:
    """(the text a terminal shows without its escapes, the same with them)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="256", width=240,
                      record=True)
    print_result(prog, result, full, console)
    return console.export_text(styles=False), out.getvalue()


def test_the_terminal_table_has_every_step_collapses_repeats_and_marks_the_violation(aba):
    prog, result = aba
    plain, coloured = render(prog, result)
    assert "\x1b[" in coloured and "\x1b[" not in render_result(prog, result)
    rows = [line.split() for line in plain.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(1, 32))
    assert rows[0][1:4] == ["0", "nmi", "nmi_a"]  # who runs is printed when it changes ...
    assert rows[1][1] == "llist.kspec:53"  # ... and left out while the same thread goes on
    assert rows[13][1:4] == ["1", "nmi", "nmi_b"]  # step 14: the other CPU's NMI
    for line in ("VIOLATED idle_head_is_idle", "violated: idle_head_is_idle (line 129)",
                 "initial state: Job#0.next=Job#1", "bounds:  2 CPUs"):
        assert line in plain
    assert "\x1b[48;5;88m  31" in coloured  # the last step has the violation's background


def test_full_shows_the_program_counters_the_default_leaves_out(aba):
    prog, result = aba
    assert "nmi_a.pc=" not in render(prog, result)[0]
    assert "nmi_a.pc=" in render(prog, result, full=True)[0]
