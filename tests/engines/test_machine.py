"""The context model of kernel-semantics.md section 1, pinned with small scenarios."""
from __future__ import annotations

from refine.engines.explicit import search
from refine.engines.machine import Machine

from tests.conftest import program

RMW = """
spec rmw;
var x: int[0..3] = 0;
ghost var done: int[0..2] = 0;
handler low() {{ {pre} x = x + 1; done = done + 1; {post} }}
handler high() {{ x = x + 2; done = done + 1; }}
invariant both: done < 2 || x == 3;
scenario {{ cpus = 1; run low on cpu 0 in {low}; run high on cpu 0 in {high}; }}
"""


def verdict(low, high, pre="", post=""):
    return search(program(RMW.format(low=low, high=high, pre=pre, post=post))).verdict


def test_hardirq_interrupts_a_task_between_load_and_store():
    assert verdict("task", "hardirq") == "violated"


def test_hardirq_cannot_land_while_irqs_are_disabled():
    assert verdict("task", "hardirq", "local_irq_disable();", "local_irq_enable();") == "holds"


def test_nmi_lands_even_with_irqs_disabled():
    assert verdict("task", "nmi", "local_irq_disable();", "local_irq_enable();") == "violated"


NESTING = """
spec nesting;
var x: int[0..3] = 0;
ghost var inside: bool = false;
handler low() {{ {pre} inside = true; x = 1; x = 2; inside = false; {post} }}
handler high() {{ assert(!inside, "interrupted"); x = 3; }}
scenario {{ cpus = 1; run low on cpu 0 in {low}; run high on cpu 0 in {high}; }}
"""


def interrupts(low, high, pre="", post=""):
    """Whether a `high` handler can run in the middle of a `low` one on the same CPU."""
    r = search(program(NESTING.format(low=low, high=high, pre=pre, post=post)))
    assert r.verdict in ("holds", "violated")
    return r.verdict == "violated"


def test_who_may_interrupt_whom():
    assert interrupts("task", "softirq")
    assert interrupts("task", "hardirq")
    assert interrupts("task", "nmi")
    assert interrupts("softirq", "hardirq")
    assert interrupts("hardirq", "nmi")
    assert not interrupts("hardirq", "hardirq")
    assert not interrupts("nmi", "nmi")
    assert not interrupts("nmi", "hardirq")
    assert not interrupts("nmi", "softirq")
    assert not interrupts("hardirq", "softirq")
    assert not interrupts("softirq", "softirq")


def test_irqs_disabled_keep_out_interrupts_but_not_nmis():
    off, on = "local_irq_disable();", "local_irq_enable();"
    assert not interrupts("task", "hardirq", off, on)
    assert not interrupts("task", "softirq", off, on)
    assert interrupts("task", "nmi", off, on)


def test_tasks_on_one_cpu_preempt_each_other_unless_preemption_is_off():
    assert interrupts("task", "task")
    assert not interrupts("task", "task", "preempt_disable();", "preempt_enable();")


def test_any_cpu_thread_has_one_start_action_per_cpu():
    p = program("""spec a; var x: int[0..1] = 0;
        handler h() { x = 1; }
        scenario { cpus = 3; run h on any cpu in task; }""")
    m = Machine(p)
    assert sorted(m.candidates(p.initial())) == [(0, 0, 0), (0, 1, 0), (0, 2, 0)]


def test_when_guard_holds_back_a_handler_until_it_is_raised():
    p = program("""spec w; var raised: bool = false; var ran: bool = false;
        handler raiser() { raised = true; }
        handler work() { ran = true; }
        invariant order: !ran || raised;
        scenario { cpus = 1; run work on cpu 0 in hardirq when (raised);
                   run raiser on cpu 0 in task; }""")
    r = search(p)
    assert r.verdict == "holds" and r.complete


def test_handler_returning_with_irqs_disabled_is_reported():
    p = program("""spec c; handler h() { local_irq_disable(); }
        scenario { cpus = 1; run h on cpu 0 in task; }""")
    r = search(p)
    assert r.verdict == "violated" and r.trace.violation.prop == "context"


def test_times_runs_a_handler_again_after_it_returns():
    p = program("""spec t; var n: int[0..3] = 0;
        handler h() { atomic_inc(n); }
        invariant at_most_two: n <= 2;
        scenario { cpus = 1; run h on cpu 0 in nmi times 3; }""")
    r = search(p)
    assert r.verdict == "violated" and len(r.trace) == 3
