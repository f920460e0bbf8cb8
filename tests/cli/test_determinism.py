"""The same spec, bounds and seed give the same verdict and the same trace, byte for byte,
from one run of the command to the next."""
from __future__ import annotations

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
