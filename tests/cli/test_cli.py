"""The command line: exit codes 0/1/2/3, constants, property selection, no tracebacks."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, run_cli

LOST = "tests/examples/bugs/lost_update.kspec"
OK = "tests/examples/correct/atomic_counter.kspec"


def test_exit_codes(at_root):
    assert run_cli("verify", OK)[0] == 0
    assert run_cli("verify", LOST)[0] == 1
    assert run_cli("verify", "no/such.kspec")[0] == 2
    assert run_cli("verify", "tests/examples/bugs/loop_bound.kspec")[0] == 3


def test_every_verdict_states_its_bounds(at_root):
    code, out = run_cli("verify", OK)
    assert "bounds:  2 CPUs; a: bump on cpu 0 in task; b: bump on cpu 1 in task" in out
    assert "depth:   2 steps (every execution covered)" in out
    code, out = run_cli("verify", LOST, "--depth", "3")
    assert code == 0 and "HOLDS up to 3 steps" in out


def test_check_parses_without_running(at_root):
    code, out = run_cli("check", "specs/v2_aba.kspec")
    assert code == 0 and "ok: 4 threads on 2 CPUs" in out


def test_const_override_changes_the_verdict(at_root):
    code, _ = run_cli("verify", "specs/v2_aba.kspec", "-D", "LOCKED_POPS=true", "--depth", "30")
    assert code == 0
    code, out = run_cli("verify", "specs/v2_aba.kspec", "-D", "NOPE=1")
    assert code == 2 and "E400" in out


def test_only_selects_properties(at_root):
    code, out = run_cli("verify", "specs/v2_aba.kspec", "--only", "WARN")
    assert code == 1 and "violated: WARN" in out
    code, out = run_cli("verify", LOST, "--only", "missing")
    assert code == 2 and "no such property" in out


def test_simulate_prints_its_seed(at_root):
    code, out = run_cli("simulate", LOST, "--seed", "3", "--runs", "100")
    assert "seed: 3" in out and code == 1


def test_installed_command_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.kspec"
    bad.write_text("spec x;\nvar a: int[0..3] = 0\n")
    proc = subprocess.run([sys.executable, "-m", "refine", "verify", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "E003" in proc.stderr or "E001" in proc.stderr
