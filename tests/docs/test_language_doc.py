"""Every complete example in docs/language.md (a ```kspec block) must pass `refine check`."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refine.cli.main import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"
BLOCK = re.compile(r"^```kspec[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def kspec_blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def _label(i: int, text: str) -> str:
    m = re.search(r"^spec\s+(\w+)\s*;", text, re.M)
    return f"{i}-{m.group(1) if m else 'anon'}"


BLOCKS = kspec_blocks()


def test_the_reference_has_enough_complete_examples():
    assert len(BLOCKS) >= 15


def test_every_kspec_fence_is_closed():
    text = DOC.read_text(encoding="utf-8")
    assert text.count("```kspec") == len(BLOCKS)


@pytest.mark.parametrize("text", BLOCKS, ids=[_label(i, b) for i, b in enumerate(BLOCKS)])
def test_example_passes_refine_check(tmp_path, text):
    path = tmp_path / "example.kspec"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, f"{result.output}\n--- example ---\n{text}"
    assert ": ok:" in result.output
