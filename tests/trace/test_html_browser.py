"""The HTML report in a real headless browser: its script runs without a console message and
marks the page rendered, selects the violating step and fills the state panel; a screenshot
shows the lanes, with the NMI's solid band beside the pale band of the task it interrupted."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.trace.browser import (CHROMIUM, NMI_RUN, SKIP, TASK_HELD, dump_dom, interrupted_rows,
                                 near, read_png, screenshot)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=SKIP)


def test_the_page_renders_without_errors_and_selects_the_violation(tmp_path, at_root):
    page = tmp_path / "aba.html"
    assert run_cli("verify", "specs/v2_aba.kspec", "--html", str(page))[0] == 1
    dom, console = dump_dom(page)
    assert console == []
    assert 'data-rendered="yes"' in dom
    assert '<tr id="step-31" class="step violating selected"' in dom
    assert 'id="state-step">31<' in dom
    assert '<tr class="changed"><td>idle.first</td><td>Job#0</td></tr>' in dom
    assert '<div id="src-llist-kspec-59" class="ran current">' in dom


def test_a_screenshot_shows_an_nmi_band_beside_the_task_it_interrupted(tmp_path, at_root):
    page, png = tmp_path / "nmi.html", tmp_path / "nmi.png"
    assert run_cli("verify", "tests/examples/bugs/nmi_rmw.kspec", "--html", str(page))[0] == 1
    screenshot(page, png, 900, 420)
    rows = read_png(png)
    assert len(rows) == 420 and len(rows[0]) == 900
    assert len({p for row in rows[::7] for p in row[::7]}) > 20  # not a blank page
    assert 2 * 20 <= interrupted_rows(rows, TASK_HELD, NMI_RUN)  # steps 3 and 4, ~26 px each
    assert sum(near(p, NMI_RUN) for row in rows for p in row) > 200
