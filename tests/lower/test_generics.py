"""Generic structs and functions: instantiated per type argument, inferred at each call."""
from __future__ import annotations

import pytest

from refine.engines.explicit import search
from refine.errors import SpecError

from tests.conftest import program

BASE = """spec g;
struct box<T> { item: T?; }
pool A[2] { next: A?; }
pool B[1];
var a: box<A>;
var b: box<B>;
fn put<T>(x: T, bx: &box<T>) -> T? { return xchg(bx.item, x); }
fn first(type T) -> T { return T#0; }
"""


def code(body: str, extra: str = "") -> str:
    return BASE + extra + f"handler h() {{ {body} }}\nscenario {{ run h on cpu 0 in task; }}\n"


def test_one_struct_per_type_argument_and_calls_bind_T():
    prog = program(code("let old = put(A#1, a); put(B#0, b); let j: A = first(A);"))
    names = [s.name for s in prog.slots]
    assert "a.item" in names and "b.item" in names
    assert search(prog).verdict == "holds"


def test_T_must_be_one_type_per_call():
    with pytest.raises(SpecError) as e:
        program(code("put(B#0, a);"))
    assert e.value.code == "E200" and "T is" in e.value.message


def test_a_type_parameter_that_no_argument_mentions_is_an_error():
    with pytest.raises(SpecError) as e:
        program(code("let x = none();", "fn none<T>() -> T? { return NULL; }\n"))
    assert e.value.code == "E200" and "cannot tell what T is" in e.value.message


def test_generic_struct_needs_its_type_arguments():
    with pytest.raises(SpecError) as e:
        program(BASE.replace("var b: box<B>;", "var b: box;") + "handler h() { }\n"
                "scenario { run h on cpu 0 in task; }\n")
    assert e.value.code == "E204" and "box<T>" in e.value.expected


def test_a_plain_type_takes_no_type_arguments():
    with pytest.raises(SpecError) as e:
        program(BASE.replace("var b: box<B>;", "var b: A<B>;") + "handler h() { }\n"
                "scenario { run h on cpu 0 in task; }\n")
    assert e.value.code == "E204"


def test_type_parameter_names_a_pool_and_T_question_is_nullable():
    prog = program(code("let p = put(A#0, a); if (p == NULL) { let q: A? = NULL; }"))
    assert search(prog).verdict == "holds"


def test_for_over_a_type_parameter_iterates_its_pool():
    extra = "ghost var n: int[0..3];\nfn tally(type T) { for j in T { n = n + 1; } }\n"
    assert search(program(code("tally(A); tally(B); assert(n == 3);", extra))).verdict == "holds"
    wrong = search(program(code("tally(A); tally(B); assert(n == 2);", extra)))
    assert wrong.verdict == "violated"
