"""ITF traces: written by verify --itf, read by the ITF library of the Apalache/Quint world,
shown again without the spec, and replayed on the spec, rejecting any step that was edited."""
from __future__ import annotations

import json

import itf_py

from tests.conftest import run_cli

LOST = "tests/examples/bugs/lost_update.kspec"


def saved(tmp_path, spec=LOST):
    path = tmp_path / "t.itf.json"
    code, out = run_cli("verify", spec, "--itf", str(path))
    assert code == 1 and f"trace written to {path}" in out
    return path, out


def test_the_file_loads_with_itf_py_and_names_spec_property_engine_and_bounds(tmp_path, at_root):
    path, _ = saved(tmp_path)
    trace = itf_py.trace_from_json(json.loads(path.read_text()))
    assert trace.meta["spec"] == "lost_update" and trace.meta["violated"] == "no_lost_update"
    assert trace.meta["engine"] == "explicit" and "2 CPUs" in trace.meta["bounds"]
    assert trace.vars == ["counter", "done"]
    last = trace.states[-1]
    assert last.values["done"] == 2 and last.values["counter"] == 1
    step = last.meta["action"]
    assert step["thread"] == "b" and step["cpu"] == 1 and step["context"] == "task"
    assert step["line"] == "9" and step["operation"] == "counter = counter + 1;"


def test_show_prints_the_same_steps_without_the_spec(tmp_path, at_root):
    path, out = saved(tmp_path)
    code, shown = run_cli("show", str(path))
    assert code == 0
    rows = [line for line in out.splitlines() if line[:1].isdigit()]
    for row in rows:  # step, cpu, context, thread, line and operation are the same
        assert " ".join(row.split()[:6]) in " ".join(shown.split())
    assert "violated: no_lost_update" in shown


def test_an_exported_trace_replays_to_the_same_verdict(tmp_path, at_root):
    path, out = saved(tmp_path, "specs/v2_aba.kspec")
    code, again = run_cli("replay", "specs/v2_aba.kspec", str(path))
    assert code == 1 and "VIOLATED idle_head_is_idle" in again
    assert "counterexample of 31 steps" in again


def test_a_hand_edited_value_is_rejected_at_its_step(tmp_path, at_root):
    path, _ = saved(tmp_path)
    data = json.loads(path.read_text())
    data["states"][2]["counter"] = 1
    path.write_text(json.dumps(data))
    code, out = run_cli("replay", LOST, str(path))
    assert code == 2
    assert "step 2: the trace says counter = 1 after it, the spec gives 0" in out


def test_an_impossible_step_is_rejected_at_that_step(tmp_path, at_root):
    path, _ = saved(tmp_path)
    data = json.loads(path.read_text())
    data["states"].append(dict(data["states"][-1]))
    data["states"][-1]["#meta"] = {"index": 5, "action": {"thread": "a", "cpu": 0, "choice": 0}}
    path.write_text(json.dumps(data))
    code, out = run_cli("replay", LOST, str(path))
    assert code == 2 and "step 5:" in out


def test_a_trace_of_another_spec_is_rejected(tmp_path, at_root):
    path, _ = saved(tmp_path)
    code, out = run_cli("replay", "tests/examples/bugs/nmi_rmw.kspec", str(path))
    assert code == 2 and "does not replay" in out


def test_json_output_carries_verdict_bounds_checks_and_the_trace(at_root):
    code, out = run_cli("verify", LOST, "--json")
    data = json.loads(out)
    assert code == 1 and data["exit_code"] == 1 and data["verdict"] == "violated"
    assert data["violated"] == "no_lost_update" and data["depth"] == 4
    assert "use-after-free" in data["checked"] and data["bounds"].startswith("2 CPUs")
    assert len(data["trace"]["states"]) == 5 and "seconds" in data["stats"]
    code, out = run_cli("verify", "tests/examples/correct/atomic_counter.kspec", "--json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "holds" and data["complete"] and data["trace"] is None
