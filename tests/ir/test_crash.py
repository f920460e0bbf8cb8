"""never_raises(e) is exactly the condition under which the evaluator raises nothing: checked
on every state of a small domain, against compile_expr itself."""
from __future__ import annotations

from itertools import product

import pytest

from refine.engines.compile import Violated, compile_expr
from refine.ir.crash import never_raises
from refine.ir.model import Binop, Const, Elem, Ite, Slot, Unop

# state: s[0], s[1] small ints (indices, divisors), s[2..4] an array of 3, s[5..6] a pool array
ARR = lambda i: Elem(2, (i,), (3,), (1,), (False,))  # noqa: E731
OBJ = lambda r: Elem(5, (r,), (2,), (1,), (True,))   # noqa: E731
A, B = Slot(0), Slot(1)

EXPRS = {
    "index": ARR(A),
    "nested index": ARR(ARR(A)),
    "reference": OBJ(A),
    "division": Binop("/", Const(6), B),
    "modulo of an element": Binop("%", ARR(A), B),
    "and short-circuit": Binop("and", Binop("<", A, Const(3)), Binop("==", ARR(A), Const(1))),
    "or short-circuit": Binop("or", Binop("==", A, Const(0)), Binop("==", OBJ(A), Const(0))),
    "?: picks one side": Ite(Binop("==", A, Const(0)), Const(0), Binop("/", Const(6), B)),
    "not of an element": Unop("not", OBJ(B)),
    "no crash possible": Binop("+", A, B),
}


@pytest.mark.parametrize("name", EXPRS)
def test_never_raises_matches_the_evaluator(name):
    e = EXPRS[name]
    value, guard = compile_expr(e), never_raises(e)
    ok = (lambda s: True) if guard is None else compile_expr(guard)
    raised = 0
    for s in product(range(-1, 4), range(-1, 3), range(-1, 4), range(3), range(3), range(3),
                     range(2)):
        s = list(s)
        try:
            value(s)
            crashed = False
        except Violated:
            crashed, raised = True, raised + 1
        assert bool(ok(s)) == (not crashed), (name, s)
    assert (raised == 0) == (name == "no crash possible")
