"""The survey (one exploration, every property) must answer exactly what `--only P` answers
for each property P: same verdict, same shortest depth. Checked on every golden example and
every kernel-library spec."""
from __future__ import annotations

from pathlib import Path

import pytest

from refine.engines.explicit import search
from refine.engines.survey import survey
from refine.load import load
from refine.review.matrix import columns_of

from tests.conftest import ROOT

SPECS = sorted((ROOT / "tests/examples").glob("*/*.kspec")) + \
    sorted((ROOT / "tests/kernel/specs").glob("**/*.kspec"))


def _id(p: Path) -> str:
    return str(p.relative_to(ROOT / "tests")).removesuffix(".kspec")


@pytest.mark.parametrize("path", SPECS, ids=_id)
def test_survey_agrees_with_one_search_per_property(path):
    prog = load(str(path))
    s = survey(prog)
    for column, only in columns_of(prog):
        if column in prog.checks_off:
            continue
        focused = search(load(str(path), only=list(only)))
        hits = [f.depth for p, f in s.found.items() if p in only]
        if focused.verdict == "violated":
            assert hits and min(hits) == focused.depth, (column, focused.summary(), hits)
        else:
            assert not hits, (column, hits, focused.summary())
            assert s.verdict_rest == focused.verdict, (column, focused.summary(), s.reason)
