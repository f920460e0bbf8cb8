"""What one step is: one memory operation on shared state; locals and ghost state ride along."""
from __future__ import annotations

from refine.ir.model import Op, RunStart

from tests.conftest import program

HEADER = """spec s; var x: int[0..9] = 0; var y: int[0..9] = 0; ghost var g: int[0..9] = 0;
pool P[2] { next: P?; }
"""


def steps(body: str) -> int:
    """Visible operations in one run of a handler with this body."""
    p = program(HEADER + f"handler h() {{ {body} }}\nscenario {{ cpus = 1; run h on cpu 0 in task; }}")
    return sum(1 for i in p.threads[0].code if isinstance(i, Op) and i.visible)


def test_plain_increment_is_a_load_and_a_store():
    assert steps("x = x + 1;") == 2


def test_each_read_of_shared_state_is_its_own_load():
    assert steps("x = x + y;") == 3


def test_kernel_atomics_are_one_step_each():
    assert steps("atomic_inc(x);") == 1
    assert steps("let v = atomic_inc_return(x);") == 1
    assert steps("let v = xchg(x, 3);") == 1
    assert steps("let v = cmpxchg(x, 0, 1);") == 1
    assert steps("let v = atomic_long_fetch_add(x, 2);") == 1


def test_ghost_state_and_locals_make_no_steps():
    assert steps("g = g + 1; let a = 1; a = a + 2;") == 0


def test_atomic_block_is_one_step():
    assert steps("atomic { await (x == 0); x = x + 1; y = x; }") == 1


def test_pointer_chasing_loads_each_pointer():
    assert steps("let p: P? = P#0; let q = p.next; let r = P#1.next;") == 2


def test_while_is_unrolled_to_its_bound_with_one_more_test_for_unwinding():
    # 3 iterations of (load for the test + atomic) plus the final test of the bound
    assert steps("while (x < 5) bound 3 { atomic_inc(y); }") == 3 * 2 + 1


def test_calls_are_inlined():
    p = program(HEADER + """fn bump(n: int[0..9]) -> int[0..9] { atomic_add(x, n); return n; }
        handler h() { let a = bump(1); let b = bump(2); }
        scenario { cpus = 1; run h on cpu 0 in task; }""")
    ops = [i for i in p.threads[0].code if isinstance(i, Op) and i.visible]
    assert len(ops) == 2 and all(o.text.startswith("bump: ") for o in ops)


def test_each_run_starts_with_a_run_start():
    p = program(HEADER + "handler h() { x = 1; }\nscenario { cpus = 1; run h on cpu 0 in nmi times 3; }")
    assert sum(isinstance(i, RunStart) for i in p.threads[0].code) == 3


def test_locals_of_unrolled_iterations_share_registers():
    p = program(HEADER + """handler h() { while (true) bound 20 { let v = x; if (v == 3) { break; } } }
        scenario { cpus = 1; run h on cpu 0 in task; }""")
    names = [s.name for s in p.slots if s.kind == "local"]
    assert names.count("h@0.v") == 1
