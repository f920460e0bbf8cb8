"""Every command shown in docs/walkthroughs/ is run, and its output must be the one the page
shows (the statistics line, which holds timings, is left out of both), so the teaching pages
never drift from what refine really prints."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, without_stats

PAGES = sorted((ROOT / "docs/walkthroughs").glob("[0-9]*.md"))
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def commands(page: Path) -> list[tuple[str, str]]:
    """(command line, the output the page shows) for each `$ refine ...` of the page."""
    out = []
    for block in BLOCK.findall(page.read_text()):
        current, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if current is not None:
                    out.append((current, "\n".join(lines)))
                current, lines = line[2:], []
            else:
                lines.append(line)
        if current is not None:
            out.append((current, "\n".join(lines)))
    return out


def test_there_are_walkthroughs_and_each_shows_a_command():
    assert PAGES
    for page in PAGES:
        assert commands(page), f"{page.name} shows no `$ refine ...` command"


CASES = [(p, c, o) for p in PAGES for c, o in commands(p)]


@pytest.mark.parametrize("page,command,shown", CASES,
                         ids=[f"{p.stem}:{c}" for p, c, _ in CASES])
def test_the_page_shows_the_real_output(page, command, shown, at_root):
    argv = shlex.split(command)
    assert argv[0] == "refine", f"{page.name}: only refine commands are run: {command}"
    _, out = run_cli(*argv[1:])
    assert without_stats(out).strip() == without_stats(shown).strip(), f"{page.name}: {command}"
