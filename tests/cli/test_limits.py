"""Limits end a run cleanly: exit 3, INCONCLUSIVE, how far the run got, and never a traceback.
A time limit, a memory limit, a solver that answers "unknown", and Ctrl-C."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import z3

from tests.conftest import ROOT, run_cli

# a state space far too large to finish: 256^6 choices over two CPUs
LONG = """spec long_search;
var a: int[0..255];
var b: int[0..255];
var c: int[0..255];
handler h() {
    a = nondet(256);
    b = nondet(256);
    c = nondet(256);
}
invariant never: a + b + c < 766;
scenario { cpus = 2; run h on cpu 0 in task times 3 as x; run h on cpu 1 in task times 3 as y; }
"""


@pytest.fixture
def long_spec(tmp_path) -> str:
    p = tmp_path / "long.kspec"
    p.write_text(LONG)
    return str(p)


@pytest.mark.parametrize("engine", ["explicit", "symbolic"])
def test_timeout_is_inconclusive_and_says_how_far(long_spec, engine):
    t0 = time.monotonic()
    rc, out = run_cli("verify", long_spec, "--engine", engine, "--timeout", "1.5")
    assert time.monotonic() - t0 < 20
    assert rc == 3, out
    assert "INCONCLUSIVE" in out and "HOLDS" not in out and "Traceback" not in out
    unit = "steps" if engine == "explicit" else "rounds"
    assert "no violation within" in out and "reached " in out and unit in out, out
    if engine == "explicit":
        assert "time limit of 1.5 s reached" in out and "states)" in out


def test_memory_limit_is_inconclusive_and_says_how_far(long_spec):
    # this process already uses more than 20 MiB: the limit is hit at the first check
    rc, out = run_cli("verify", long_spec, "--memory", "20")
    assert rc == 3, out
    assert "INCONCLUSIVE: memory limit of 20 MiB reached; no violation within" in out, out


def test_memory_limit_of_the_symbolic_engine(long_spec):
    rc, out = run_cli("verify", long_spec, "--engine", "symbolic", "--memory", "20")
    assert rc == 3 and "memory limit of 20 MiB reached" in out, out


def test_solver_unknown_is_inconclusive_never_a_pass(monkeypatch):
    """Z3 answering unknown (a solver gave up) must surface as exit 3, whatever the spec."""
    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "incomplete (test hook)")
    for spec in ("tests/examples/correct/atomic_counter.kspec",
                 "tests/examples/bugs/lost_update.kspec"):
        rc, out = run_cli("verify", str(ROOT / spec), "--engine", "symbolic")
        assert rc == 3, out
        assert "INCONCLUSIVE: the solver could not decide: incomplete (test hook)" in out, out


def test_a_tiny_query_timeout_is_inconclusive(long_spec):
    """A real unknown from Z3, not a hook: each query gets 1 ms."""
    rc, out = run_cli("verify", long_spec, "--engine", "symbolic", "--query-timeout", "0.001")
    assert rc == 3 and "the solver could not decide" in out, out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("engine", ["explicit", "symbolic"])
def test_ctrl_c_stops_cleanly(long_spec, engine):
    p = subprocess.Popen([sys.executable, "-m", "refine", "verify", long_spec, "--engine", engine,
                          "--timeout", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT,
                         # a shell's background job ignores SIGINT, and children inherit that
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        # running, not importing: the search (or Z3) has taken memory
        while _rss_mb(p.pid) < 110 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.1)
        time.sleep(0.5)
        assert p.poll() is None, "finished before it could be interrupted"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode in (3, 130), (p.returncode, out, err)
    assert "Traceback" not in out + err, err
    assert "INCONCLUSIVE" in out + err or "interrupted" in err, (out, err)
    assert "HOLDS" not in out


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_ctrl_c_anywhere_in_the_symbolic_engine_is_inconclusive(long_spec):
    """Ctrl-C at any moment: in Z3's check, in a ctypes call of its bindings (once an
    "INTERNAL ERROR: ArgumentError") or in a Z3 object's __del__ (once swallowed, the run going
    on to the end). The handler only sets a flag the engines poll."""
    for delay in (0.5, 0.8, 1.1, 1.4, 1.7, 2.0):
        p = subprocess.Popen([sys.executable, "-m", "refine", "verify", long_spec, "--engine",
                              "symbolic", "--timeout", "120"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            time.sleep(delay)
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
        assert p.returncode in (3, 130), (delay, p.returncode, out, err)
        assert "Traceback" not in out + err and "INTERNAL" not in err, (delay, err)
        assert "HOLDS" not in out


@pytest.mark.parametrize("command", ["verify", "refines"])
def test_without_memory_the_machine_s_memory_is_the_limit(monkeypatch, command):
    """A search past the default limit (80% of the machine's memory) ends inconclusive with
    how far it got, not killed by the system with no verdict. 1 MiB stands for it here."""
    import refine.cli.main as main
    monkeypatch.setattr(main, "default_memory_mb", lambda share=1: 1)  # both commands use it
    spec = ROOT / ("specs/v3.kspec" if command == "verify" else "specs/upstream_fix.kspec")
    rc, out = run_cli(command, str(spec))
    assert rc == 3 and "memory limit of 1 MiB reached" in out, out
    verdict = [line for line in out.splitlines() if line.startswith(("INCONCLUSIVE", "HOLDS",
                                                                      "REFINES", "VIOLATED"))]
    assert verdict and all(line.startswith("INCONCLUSIVE") for line in verdict), out


@pytest.mark.parametrize("command", ["verify", "refines"])
def test_timeout_covers_loading(command):
    """A legal but huge unrolling (v2's clamp loop bound 1000 lowers for about 90 s) ends at
    --timeout as inconclusive."""
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "refine", command, "specs/v2.kspec",
                        "-D", "CLAMP_RETRIES=1000", "--timeout", "2"], capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert time.monotonic() - t0 < 20
    assert p.returncode == 3, (p.stdout, p.stderr)
    assert "INCONCLUSIVE: time limit of 2 s reached while loading the spec" in p.stderr
    assert "Traceback" not in p.stderr
