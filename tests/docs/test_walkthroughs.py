"""Every command shown in docs/walkthroughs/ (and docs/refinement.md) is run, and its output must be the one the page
shows (the statistics line, which holds timings, is left out of both), so the teaching pages
never drift from what refine really prints. REFINE_OVERWRITE=1 rewrites the outputs from real
runs (then read the diff: the prose around them may need to follow)."""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, without_stats

PAGES = sorted((ROOT / "docs/walkthroughs").glob("[0-9]*.md")) + [ROOT / "docs/refinement.md"]
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


def real_output(command: str, page: Path) -> str:
    argv = shlex.split(command)
    assert argv[0] == "refine", f"{page.name}: only refine commands are run: {command}"
    _, out = run_cli(*argv[1:])
    return without_stats(out).strip()


@pytest.mark.parametrize("page,command,shown", CASES,
                         ids=[f"{p.stem}:{c}" for p, c, _ in CASES])
def test_the_page_shows_the_real_output(page, command, shown, at_root):
    real = real_output(command, page)
    if os.environ.get("REFINE_OVERWRITE"):  # refresh the page from real runs, like the goldens
        text = page.read_text()
        old = f"$ {command}\n{shown}"
        assert old in text
        page.write_text(text.replace(old, f"$ {command}\n{real}", 1))
        return
    assert real == without_stats(shown).strip(), f"{page.name}: {command}"
