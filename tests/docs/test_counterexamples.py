"""docs/counterexamples.md shows each counterexample below in its four forms: the terminal text
(in the page), the ITF trace, the HTML report (with a screenshot) and the JSON result (in
docs/traces/). Every one is re-made here by the command of its entry and compared with what the
docs hold, so they never drift from what refine prints. REFINE_OVERWRITE=1 rewrites them from
real runs and adds a section to the page for a new entry; the screenshot needs chromium.
"""
from __future__ import annotations

import json
import os
import re
import shlex

import pytest

from tests.conftest import ROOT, run_cli, without_stats
from tests.trace.browser import (CHROMIUM, HARDIRQ_RUN, NMI_RUN, SKIP, TASK_RUN, near,
                                 read_png, screenshot)

EXAMPLES = [  # (name of the files in docs/traces/, the command that finds the counterexample)
    ("v2_aba", "refine verify specs/v2_aba.kspec"),
    ("box_refinement", "refine refines specs/box.kspec"),
]
# the contexts each report's screenshot must show running (colour, pixels at least)
LANES = {"v2_aba": ((NMI_RUN, 100), (HARDIRQ_RUN, 50)), "box_refinement": ((TASK_RUN, 100),)}
PAGE = ROOT / "docs/counterexamples.md"
TRACES = ROOT / "docs/traces"
OVERWRITE = bool(os.environ.get("REFINE_OVERWRITE"))
IDS = [name for name, _ in EXAMPLES]


def run(command: str, *extra: str) -> str:
    argv = shlex.split(command)
    assert argv[0] == "refine", f"only refine commands are run: {command}"
    code, out = run_cli(*argv[1:], *extra)
    assert code == 1, f"{command}: exit {code}, expected a counterexample (1)\n{out}"
    return out


def block(command: str) -> re.Pattern:
    return re.compile(r"```console\n\$ " + re.escape(command) + r"\n(.*?)```", re.S)


def section(name: str, command: str, output: str) -> str:
    """What a new entry adds to the page; edit the prose around it afterwards."""
    return (f"\n## {name}\n\n```console\n$ {command}\n{output}\n```\n\n"
            f"The same counterexample as an [ITF trace](traces/{name}.itf.json), an "
            f"[HTML report](traces/{name}.html) and a [JSON result](traces/{name}.json):\n\n"
            f"![the HTML report of {name}](traces/{name}.png)\n")


@pytest.mark.parametrize("name,command", EXAMPLES, ids=IDS)
def test_the_page_shows_the_terminal_output(name, command, at_root):
    real = without_stats(run(command)).strip()
    text = PAGE.read_text()
    found = block(command).search(text)
    if OVERWRITE:
        text = (text[:found.start(1)] + real + "\n" + text[found.end(1):] if found
                else text.rstrip("\n") + "\n" + section(name, command, real))
        PAGE.write_text(text)
        return
    assert found, f"{PAGE.name} has no console block for `{command}`"
    assert without_stats(found.group(1)).strip() == real
    for suffix in (".itf.json", ".html", ".json", ".png"):
        assert f"(traces/{name}{suffix})" in text, f"{PAGE.name} does not link {name}{suffix}"


def _stable(result: dict) -> dict:
    """A --json result without its measurements (time and memory vary from run to run)."""
    return {k: (_stable(v) if k == "product" else v) for k, v in result.items()
            if k != "stats"}


@pytest.mark.parametrize("name,command", EXAMPLES, ids=IDS)
def test_the_itf_html_and_json_files_are_what_the_command_writes(name, command, tmp_path,
                                                                 at_root):
    itf, html = tmp_path / f"{name}.itf.json", tmp_path / f"{name}.html"
    run(command, "--itf", str(itf), "--html", str(html))
    result = json.loads(run(command, "--json"))
    if OVERWRITE:
        (TRACES / itf.name).write_text(itf.read_text())
        (TRACES / html.name).write_text(html.read_text())
        (TRACES / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
        return
    assert (TRACES / itf.name).read_text() == itf.read_text()
    assert (TRACES / html.name).read_text() == html.read_text()
    assert _stable(json.loads((TRACES / f"{name}.json").read_text())) == _stable(result)
    assert result["trace"] == json.loads(itf.read_text())  # one trace, two files


@pytest.mark.parametrize("name,command", EXAMPLES, ids=IDS)
def test_the_screenshot_shows_the_lanes(name, command):
    png = TRACES / f"{name}.png"
    if OVERWRITE:
        if CHROMIUM is None:
            pytest.skip(SKIP)
        steps = len(json.loads((TRACES / f"{name}.itf.json").read_text())["states"]) - 1
        screenshot(TRACES / f"{name}.html", png, 1600, min(4000, max(900, 300 + 30 * steps)))
    rows = read_png(png)
    assert len(rows[0]) == 1600 and len(rows) >= 400
    assert len({p for row in rows[::9] for p in row[::9]}) > 20  # not a blank page
    for colour, least in LANES[name]:
        assert sum(near(p, colour) for row in rows[::3] for p in row[::3]) > least
