"""The messages in docs/errors.md are refine's real output: each example whose input is shown is
run and its output compared. REFINE_OVERWRITE=1 rewrites the shown outputs from real runs."""
from __future__ import annotations

import os
import re
import shlex

from tests.conftest import ROOT, run_cli

DOC = ROOT / "docs/errors.md"
EXAMPLE = re.compile(r"Input \(`(?P<name>[\w.]+)`\):\n\n```c\n(?P<input>.*?)```\n\n"
                     r"`refine (?P<args>[^`]+)`:\n\n```\n(?P<output>.*?)```", re.S)


def examples(text: str):
    return list(EXAMPLE.finditer(text))


def real_output(m, tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / m["name"]).write_text(m["input"])
    _, out = run_cli(*shlex.split(m["args"]))
    return out


def test_the_doc_shows_real_messages(tmp_path, monkeypatch):
    text = DOC.read_text()
    found = examples(text)
    assert len(found) >= 12
    if os.environ.get("REFINE_OVERWRITE"):
        for m in reversed(found):
            out = real_output(m, tmp_path, monkeypatch)
            text = text[:m.start("output")] + out + text[m.end("output"):]
        DOC.write_text(text)
        found = examples(text)
    for m in found:
        assert real_output(m, tmp_path, monkeypatch) == m["output"], m["name"]
