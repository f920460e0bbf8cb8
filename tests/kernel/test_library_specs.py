"""Every small spec under tests/kernel/specs/ pins one behaviour of the kernel library.

Its header says what both engines must find:

    // expect: violated PROPERTY      (a counterexample breaking PROPERTY)
    // expect: holds                  (no violation; the explicit search must cover every
                                       execution, the symbolic one up to its rounds)
    // rounds: N                      (optional: symbolic depth, default 4)

The verdicts come from real runs of both engines: the explicit search and the symbolic engine as
`refine verify --engine symbolic` runs it (loops cut short first, then the full spec).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from refine.engines.cut_first import CUT_AT, check_cut_first
from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPECS = sorted((ROOT / "tests/kernel/specs").glob("**/*.kspec"))


def expectation(path: Path) -> tuple[str, str | None, int]:
    text = path.read_text()
    m = re.search(r"^// expect: (holds|violated (\S+))\s*$", text, re.M)
    assert m, f"{path.name} has no `// expect:` line"
    r = re.search(r"^// rounds: (\d+)\s*$", text, re.M)
    return ("holds" if m.group(1) == "holds" else "violated"), m.group(2), \
        int(r.group(1)) if r else 4


def _id(p: Path) -> str:
    return str(p.relative_to(ROOT / "tests/kernel/specs").with_suffix(""))


@pytest.mark.parametrize("path", SPECS, ids=_id)
def test_explicit_engine(path):
    verdict, prop, _ = expectation(path)
    r = search(load(str(path)))
    assert r.verdict == verdict, r.summary()
    if verdict == "violated":
        assert r.trace.violation.prop == prop, r.summary()
    else:
        assert r.complete, "a library behaviour is pinned on the whole scenario: " + r.summary()


@pytest.mark.parametrize("path", SPECS, ids=_id)
def test_symbolic_engine(path):
    verdict, prop, rounds = expectation(path)
    prog = load(str(path))
    cut = load(str(path), unroll_cap=CUT_AT)
    r = check_cut_first(prog, cut, max_depth=rounds, unit="rounds", query_timeout=120)
    assert r.verdict == verdict, r.summary()
    if verdict == "violated":
        # fewest rounds need not mean fewest steps, nor the same property first
        assert r.trace.violation is not None
