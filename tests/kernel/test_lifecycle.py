"""Finer assertions on the lifecycle checks and the memalloc/kptr library than the
`// expect:` headers of tests/kernel/specs/ give."""
from __future__ import annotations

from pathlib import Path

from refine.engines.explicit import search
from refine.load import load

from tests.conftest import ROOT, run_cli

SPECS = ROOT / "tests/kernel/specs"


def test_disable_leak_shows_on_the_off_line():
    code, out = run_cli("verify", str(SPECS / "lifecycle/leak_disabled.kspec"))
    assert code == 0, out
    assert "off:     leak (objects are handed to a consumer this spec does not model)" in out
    checked = next(line for line in out.splitlines() if line.startswith("checked:"))
    assert "leak" not in checked.replace("use-after-free", "")


def test_the_same_spec_without_disable_leaks(tmp_path: Path):
    text = (SPECS / "lifecycle/leak_disabled.kspec").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("disable leak"))
    path = tmp_path / "leak_enabled.kspec"
    path.write_text(text)
    r = search(load(str(path)))
    assert r.verdict == "violated" and r.trace.violation.prop == "leak", r.summary()


def test_same_cpu_reentry_is_what_fails():
    code, out = run_cli("verify", str(SPECS / "memalloc/reentry_same_cpu.kspec"))
    assert code == 1, out
    # the NMI's local_inc_return sees the task's 1 and refuses: the reason recorded is re-entry
    assert "bpf_global_ma.active[0]=2, bpf_ma_why[nmi_alloc@0]=BPF_MA_REENTERED" in out


def test_kptr_teardown_reports_nmi_unsafe_in_the_nmi():
    code, out = run_cli("verify", str(SPECS / "kptr/teardown_nmi_unsafe_dtor.kspec"))
    assert code == 1, out
    assert "violated: nmi-unsafe" in out and "in nmi_delete@0" in out
