"""The same spec, bounds and seed give the same verdict and the same trace, byte for byte,
from one run of the command to the next."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT, run_cli, without_stats


def run_process(*args: str) -> tuple[int, str]:
    """A separate process per run, as users run the tool (Z3 keeps state within a process)."""
    p = subprocess.run([sys.executable, "-m", "refine", *args], capture_output=True, text=True,
                       cwd=ROOT)
    return p.returncode, p.stdout


def test_verify_is_deterministic(at_root):
    a = run_cli("verify", "specs/v2_aba.kspec")
    b = run_cli("verify", "specs/v2_aba.kspec")
    assert a[0] == b[0] == 1 and without_stats(a[1]) == without_stats(b[1])


def test_symbolic_verify_is_deterministic(at_root):
    args = ("verify", "tests/examples/bugs/llist_two_consumers.kspec", "--engine", "symbolic")
    a, b = run_process(*args), run_process(*args)
    assert a[0] == b[0] == 1 and without_stats(a[1]) == without_stats(b[1])


def test_simulate_with_a_seed_is_deterministic(at_root):
    args = ("simulate", "specs/v2_aba.kspec", "--seed", "11", "--runs", "300")
    a, b = run_cli(*args), run_cli(*args)
    assert a[0] == b[0] and without_stats(a[1]) == without_stats(b[1])


# ---------------------------------------------------------------------- across processes
# Each run below is a fresh interpreter with its own PYTHONHASHSEED: set and dict orders that
# depend on string hashes, and Z3's state, differ between them; the outputs must not.


def run_seeded(hashseed: int, *args: str, cwd=ROOT) -> tuple[int, str]:
    env = dict(os.environ, PYTHONHASHSEED=str(hashseed))
    p = subprocess.run([sys.executable, "-m", "refine", *args], capture_output=True, text=True,
                       cwd=cwd, env=env)
    return p.returncode, p.stdout


def test_json_and_itf_are_identical_across_processes(tmp_path):
    outs, traces = [], []
    for hashseed in (1, 2):
        itf = tmp_path / f"t{hashseed}.itf.json"
        rc, out = run_seeded(hashseed, "verify", "specs/v2_aba.kspec", "--json", "--itf",
                             str(itf))
        assert rc == 1, out
        data = json.loads(out)
        assert data["verdict"] == "violated" and data["trace"]
        data.pop("stats")  # seconds and memory
        outs.append(data)
        traces.append(itf.read_bytes())
    assert outs[0] == outs[1]
    assert traces[0] == traces[1]  # byte for byte


def test_symbolic_trace_is_identical_across_processes(tmp_path):
    outs, traces = [], []
    for hashseed in (0, 7):
        itf = tmp_path / f"s{hashseed}.itf.json"
        rc, out = run_seeded(hashseed, "verify", "tests/examples/bugs/nmi_rmw.kspec",
                             "--engine", "symbolic", "--itf", str(itf))
        assert rc == 1, out
        outs.append(without_stats(out).replace(str(itf), "ITF"))
        traces.append(itf.read_bytes())
    assert outs[0] == outs[1] and traces[0] == traces[1]


def test_simulate_is_identical_across_processes():
    args = ("simulate", "specs/v2_aba.kspec", "--seed", "11", "--runs", "200")
    a, b = run_seeded(3, *args), run_seeded(4, *args)
    assert a[0] == b[0] and without_stats(a[1]) == without_stats(b[1])
    assert "seed: 11" in a[1]
