"""Golden examples: each spec under bugs/ and correct/ states its expected verdict in an
`// expect:` line; its full output (minus timings) is kept next to it in a .out file.
Regenerate the .out files with REFINE_OVERWRITE=1 after checking the new output by hand."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, without_stats

HERE = Path(__file__).parent
EXAMPLES = sorted(HERE.glob("*/*.kspec"))
CODES = {"holds": 0, "violated": 1, "inconclusive": 3}


def expectation(path: Path) -> tuple[str, str | None]:
    m = re.search(r"^// expect: (holds|violated|inconclusive)(?: (\S+))?", path.read_text(), re.M)
    assert m, f"{path} has no `// expect:` line"
    return m.group(1), m.group(2)


def test_there_are_buggy_and_correct_examples():
    assert len([p for p in EXAMPLES if p.parent.name == "bugs"]) >= 5
    assert len([p for p in EXAMPLES if p.parent.name == "correct"]) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_example(path, at_root):
    verdict, prop = expectation(path)
    code, out = run_cli("verify", str(path.relative_to(ROOT)))
    assert code == CODES[verdict], out
    if verdict == "violated":
        assert f"violated: {prop}" in out
        assert out.count("\n") > 10  # a trace was printed
    golden = path.with_suffix(".out")
    if os.environ.get("REFINE_OVERWRITE"):
        golden.write_text(without_stats(out) + "\n")
    assert without_stats(out) + "\n" == golden.read_text()
