"""tests/specs/pcpu_freelist_aba.kspec: the pcpu_freelist library used as v2_pcpu uses `idle`,
the first half of the composition argument for the ABA question (issue 4). Every verdict comes
from a real run of the explicit engine. The full instance (two NMI pops, one of them overlapping
the worker's pops) holds too but takes about a minute: tests/long/run_v2_pcpu_aba.py runs it."""
from __future__ import annotations

import pytest

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT

SPEC = str(ROOT / "tests/specs/pcpu_freelist_aba.kspec")


@pytest.mark.parametrize("prop,steps", [("only_idle_jobs_on_idle", 25),
                                        ("no_job_on_two_lists", 28), ("nothing_lost", 32)])
def test_the_control_on_v2s_llist_finds_the_aba(prop, steps):
    """With v2's global llist (FREELIST = 0) the same users break each list property: the
    harness can see the ABA. The first trace is the report's: an NMI on CPU 1 reads entry A and
    next B, the worker on CPU 0 pops A, pops B and pushes A back, and the NMI's cmpxchg then
    installs B, which the worker holds, as the idle head."""
    r = search(load(SPEC, {"FREELIST": 0}, only=[prop]))
    assert r.verdict == "violated" and r.trace.violation.prop == prop, r.summary()
    assert len(r.trace) == steps
    threads = {s.thread_name for s in r.trace.steps}
    assert {"nmi_offload", "worker0"} <= threads


def test_the_control_needs_two_overlapping_consumers():
    """With one NMI pop the worker's pops never overlap it (the worker runs once the NMI has
    queued a job), and even v2's llist keeps every property: as in v2_pcpu's default scenario,
    an ABA needs a second consumer during a pop."""
    r = search(load(SPEC, {"FREELIST": 0, "NMIS": 1}))
    assert r.verdict == "holds" and r.complete, r.summary()


def test_the_freelist_holds_in_the_smaller_instance():
    """The fast instance of the library's verdict: one NMI pop, every property, complete."""
    r = search(load(SPEC, {"NMIS": 1}))
    assert r.verdict == "holds" and r.complete, r.summary()
    assert r.stats["states"] > 1000
