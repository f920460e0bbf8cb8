"""Names, types and the layout of state in slots."""
from __future__ import annotations

import pytest

from refine.check.symbols import collect
from refine.errors import SpecError
from refine.syntax.parser import parse_text

SPEC = """spec layout;
const N = 2;
enum Color { RED, GREEN }
pool Obj[N] { next: Obj?; color: Color; }
struct head { first: Obj?; count: int[0..N]; }
var h: head;
percpu var heads: head;
var by_color: [Color] int[-1..3] = -1;
ghost var seen: [0..2] bool;
scenario { cpus = 3; run x on cpu 0 in task; }
"""


def names(text=SPEC, **consts):
    sym = collect(parse_text(text, "t.kspec"), consts or None)
    return [s.name for s in sym.slots], sym


def test_layout_flattens_pools_structs_arrays_and_percpu():
    got, _ = names()
    assert got == ["Obj#0.next", "Obj#1.next", "Obj#0.color", "Obj#1.color",
                   "Obj#0.live", "Obj#1.live",  # the lifecycle ghost slots of every pool
                   "h.first", "h.count",
                   "heads[0].first", "heads[0].count", "heads[1].first", "heads[1].count",
                   "heads[2].first", "heads[2].count",
                   "by_color[RED]", "by_color[GREEN]", "seen[0]", "seen[1]", "seen[2]"]


def test_constant_overrides_resize_pools():
    got, sym = names(N=3)
    assert sym.consts["N"] == 3 and "Obj#2.next" in got


def test_types_of_slots():
    _, sym = names()
    by = {s.name: s for s in sym.slots}
    assert by["Obj#0.next"].type.kind == "ref" and by["Obj#0.next"].type.hi == 2
    assert (by["by_color[RED]"].type.lo, by["by_color[RED]"].type.hi) == (-1, 3)
    assert by["seen[0]"].kind == "ghost" and by["h.first"].kind == "state"


@pytest.mark.parametrize("text,code", [
    ("spec a; var x: Nope;", "E100"),
    ("spec a; const A = 1; const A = 2;", "E101"),
    ("spec a; var x: int[3..1];", "E204"),
    ("spec a; enum E { A } var x: E?;", "E204"),
    ("spec a; var x: int[0..Y];", "E202"),
    ("spec a; pool P[0];", "E204"),
])
def test_declaration_errors(text, code):
    with pytest.raises(SpecError) as e:
        collect(parse_text(text, "t.kspec"))
    assert e.value.code == code and e.value.line == 1
