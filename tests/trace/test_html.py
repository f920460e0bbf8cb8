"""The HTML report, read as markup: self-contained, one row per step with a lane per CPU and its
context bands, the violating step marked, every step's line linked into the listing, and the
same page from a saved trace as from the run that found it."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT, run_cli

ABA = "specs/v2_aba.kspec"
NMI = "tests/examples/bugs/nmi_rmw.kspec"


class Page(HTMLParser):
    """Every start tag as (tag, attributes), and the ids."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)
        self.ids = {a["id"] for _, a in self.tags if "id" in a}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def rows(self) -> list[dict]:
        return [a for t, a in self.tags if t == "tr" and "step" in a.get("class", "").split()]


def lanes(text: str, step: int) -> list[str]:
    """The band classes of each CPU's cell in a step's row: ['task held', 'nmi run', ...]."""
    row = re.search(rf'<tr id="step-{step}".*?</tr>', text, re.S).group(0)
    return [re.findall(r'<span class="band ([a-z]+ (?:run|held))"', cell)
            for cell in re.findall(r'<td class="lane">(.*?)</td>', row, re.S)]


@pytest.fixture(scope="module")
def aba(tmp_path_factory):
    """(verify --html page, the ITF file of the same run)."""
    d = tmp_path_factory.mktemp("aba")
    html, itf = d / "aba.html", d / "aba.itf.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        code, out = run_cli("verify", ABA, "--html", str(html), "--itf", str(itf))
    assert code == 1 and f"report written to {html}" in out
    return html.read_text(), itf


def test_the_page_is_self_contained(aba):
    text, _ = aba
    page = Page(text)
    assert not [a for t, a in page.tags if t in ("link", "img", "iframe")]
    assert not [a for t, a in page.tags if t == "script" and "src" in a]
    assert not re.search(r"(src|href)=\"(https?:)?//", text) and "@import" not in text
    assert "<style>" in text and 'data-rendered="no"' in text


def test_one_row_per_step_a_lane_per_cpu_and_the_violating_step_marked(aba):
    text, _ = aba
    rows = Page(text).rows()
    assert [int(r["data-step"]) for r in rows] == list(range(1, 32))
    assert [r["data-step"] for r in rows if "violating" in r["class"]] == ["31"]
    assert len(re.findall(r"<th>CPU \d</th>", text)) == 2
    assert lanes(text, 1) == [["nmi run"], []]
    assert lanes(text, 14) == [["nmi held"], ["nmi run"]]  # nmi_a waits on CPU 0
    assert lanes(text, 31) == [["hardirq held"], ["nmi run"]]  # worker0 is not finished


def test_every_step_links_to_its_line_in_the_listing_and_back(aba):
    text, _ = aba
    page = Page(text)
    for r in page.rows():
        assert r["data-src"] in page.ids, r
    assert "src-spec-76" in page.ids and "src-llist-kspec-59" in page.ids
    line = re.search(r'<div id="src-llist-kspec-59" class="ran">.*?</div>', text).group(0)
    for step in (4, 16, 31):  # the three cmpxchg of llist_del_first
        assert f'href="#step-{step}"' in line
    assert "specs/v2_aba.kspec</h3>" in text and "kernel/llist.kspec</h3>" in text


def test_a_step_shows_the_shared_variables_it_changed_before_and_after(aba):
    text, _ = aba
    row = re.search(r'<tr id="step-31".*?</tr>', text, re.S).group(0)
    assert "<b>idle.first</b> Job#1 &rarr; <em>Job#0</em>" in row
    assert "<b>owner[Job#1]</b> IDLE &rarr; <em>PENDING</em>" in row
    data = json.loads(re.search(r'id="trace-data">(.*?)</script>', text, re.S).group(1))
    assert len(data["states"]) == 32 and data["states"][31]["idle.first"] == "Job#0"


def test_an_nmi_interrupting_a_task_is_drawn_beside_it(tmp_path, at_root):
    html = tmp_path / "nmi.html"
    assert run_cli("verify", NMI, "--html", str(html))[0] == 1
    text = html.read_text()
    assert lanes(text, 2) == [["task run"]]
    assert lanes(text, 3) == [["task held", "nmi run"]]
    assert lanes(text, 5) == [["task run"]]


def test_show_gives_the_same_page_from_the_saved_trace(aba, tmp_path, at_root):
    text, itf = aba
    again = tmp_path / "again.html"
    code, out = run_cli("show", str(itf), "--html", str(again))
    assert code == 0 and f"report written to {again}" in out
    assert again.read_text() == text


def test_a_saved_trace_without_its_source_still_shows_every_step(aba, tmp_path, at_root):
    _, itf = aba
    data = json.loads(itf.read_text())
    data["#meta"]["source"] = "nowhere/gone.kspec"
    data["states"][1]["#meta"]["action"]["operation"] = "</script><b>x</b>"
    data["states"][2]["#meta"]["action"].update(thread="<u>t</u>", context='"><i>')
    moved, page = tmp_path / "moved.itf.json", tmp_path / "moved.html"
    moved.write_text(json.dumps(data))
    assert run_cli("show", str(moved), "--html", str(page))[0] == 0
    text = page.read_text()
    assert len(Page(text).rows()) == 31
    assert "nowhere/gone.kspec</h3><p class=\"missing\">source not found" in text
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in text and "</script><b>x" not in text
    assert "<u>" not in text and '"><i>' not in text  # step 2: no known context, no band
    assert lanes(text, 2) == [["nmi held"], []] and "<b>&lt;u&gt;t&lt;/u&gt;</b>" in text


def test_a_broken_trace_file_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps({"vars": [], "states": [1, 2]}))
    code, out = run_cli("show", str(bad), "--html", str(tmp_path / "x.html"))
    assert code == 2 and "state 0 is not an object" in out
    assert not (tmp_path / "x.html").exists()


def test_no_counterexample_no_report(tmp_path, at_root):
    page = tmp_path / "none.html"
    code, out = run_cli("verify", "tests/examples/correct/atomic_counter.kspec", "--html",
                        str(page))
    assert code == 0 and f"no counterexample: {page} not written" in out
    assert not page.exists()


def test_a_report_that_cannot_be_written_is_an_input_error(tmp_path, at_root):
    where = tmp_path / "no" / "such" / "dir.html"
    code, out = run_cli("verify", NMI, "--html", str(where))
    assert code == 2 and f"refine: cannot write {where}: No such file or directory" in out
