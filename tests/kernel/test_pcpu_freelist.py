"""Finer checks of the pcpu_freelist and rqspinlock library modules than a verdict.

The specs themselves live in tests/kernel/specs/{pcpu_freelist,rqspinlock}/ and run on both
engines through test_library_specs.py; these tests read traces and run variants (explicit engine
only, to stay fast).
"""
from __future__ import annotations

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT, run_cli

SPECS = ROOT / "tests/kernel/specs/pcpu_freelist"

PUSHERS = """
spec contended_push;
import pcpu_freelist;
dynamic pool Job[3] { next: Job?; }
percpu var fl: pcpu_freelist_head<Job>;
handler pusher() {
    let j: Job? = NULL;
    atomic {
        j = object_alloc(Job);
    }
    pcpu_freelist_push(fl, j);
}
scenario {
    cpus = 2;
    run pusher on cpu 0 in task as t0;
    run pusher on cpu 1 in task as t1;
    run pusher on cpu 0 in nmi as n0;
}
"""


def test_remote_push_trace_shows_the_failed_local_attempt():
    """The NMI's local attempt fails with -EDEADLK (AA), then its node lands on CPU 1's list."""
    code, out = run_cli("verify", str(SPECS / "push_remote_reachable.kspec"))
    assert code == 1, out
    nmi = [line for line in out.splitlines() if " nmi " in line]
    failed = next(i for i, line in enumerate(nmi) if "ret=-35" in line)
    assert "read fl[0].lock.owner=1" in nmi[failed]
    assert any("fl[1].first=Job#" in line for line in nmi[failed:])


def test_contended_remote_push_is_decided(tmp_path):
    """Push's endless retry loop does not make a contended spec inconclusive: after its bounded
    rounds the model waits for a free lock, and every node ends on a list (no leak)."""
    spec = tmp_path / "contended_push.kspec"
    spec.write_text(PUSHERS)
    r = search(load(str(spec)))
    assert r.verdict == "holds" and r.complete, r.summary()


def test_more_push_rounds_same_verdict():
    """The number of failing rounds before the wait does not change the verdict."""
    for rounds in (0, 2):
        r = search(load(str(SPECS / "push_locked_local_goes_remote.kspec"),
                        {"PCPU_FREELIST_PUSH_ROUNDS": rounds}))
        assert r.verdict == "holds" and r.complete, r.summary()
