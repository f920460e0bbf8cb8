"""Register allocation and dead-local resets must not change what the search sees."""
from __future__ import annotations

from pathlib import Path

import pytest

import refine.lower.program as lowering
from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPECS = sorted((ROOT / "tests/examples").glob("*/*.kspec")) + [ROOT / "specs/v2_aba.kspec"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: Path(p).stem)
def test_same_verdict_states_and_depth_without_register_sharing(path, monkeypatch):
    shared = search(load(str(path)), max_depth=40)
    monkeypatch.setattr(lowering, "allocate", lambda code, slots, local: (code, set()))
    separate = search(load(str(path)), max_depth=40)
    assert (shared.verdict, shared.depth, shared.stats["states"]) == \
        (separate.verdict, separate.depth, separate.stats["states"])
    if shared.trace:
        assert shared.trace.actions == separate.trace.actions
