"""`for i in lo..hi` and quantifiers over a range: the index set of `[lo..hi]` arrays, usable
where an enum or a pool is (kptr_slot's fields are `0..NFIELDS - 1`)."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli

SPEC = """spec r;
const N = 3;
var a: [0..N - 1] int[0..3];
handler h() {
    for i in 1..N - 1 {
        a[i] = i;
    }
}
invariant INV;
scenario { run h on cpu 0 in task; }
"""


@pytest.mark.parametrize("inv,holds", [
    ("ok: forall i in 1..N - 1: (a[i] == 0 || a[i] == i)", True),
    ("zero_kept: a[0] == 0 && (count i in 0..N - 1: (a[i] > 0)) <= 2", True),
    ("at_most_one: (count i in 0..N - 1: (a[i] > 0)) <= 1", False),
    ("none_two: !(exists i in 0..N - 1: (a[i] == 2))", False),
])
def test_a_range_is_an_index_set(tmp_path, inv, holds):
    spec = tmp_path / "r.kspec"
    spec.write_text(SPEC.replace("INV", inv))
    code, out = run_cli("verify", str(spec))
    assert code == (0 if holds else 1), out
    if not holds:  # the loop's second write (a[2] = 2) is the step that breaks it
        assert "counterexample of 2 steps" in out


def test_an_empty_range_is_an_error(tmp_path):
    spec = tmp_path / "r.kspec"
    spec.write_text(SPEC.replace("1..N - 1 {", "2..1 {").replace("INV", "t: true"))
    code, out = run_cli("check", str(spec))
    assert code == 2 and "error[E204]" in out and "empty index range 2..1" in out
