"""Counterexamples as ITF JSON (the Informal Trace Format of Apalache and Quint, ADR-015).

A trace file names its spec, the violated property, the engine and the bounds in its `#meta`;
every state's `#meta` carries the step that led to it: thread, CPU, context, choice, source line
and operation, and each CPU's stack of contexts in that state. `vars` are the shared and ghost
variables as traces print them (`idle.first`, `Job#0.next`, `owner[Job#1]`); values are booleans, numbers, and strings for enum members and
references ("Job#0", "NULL"). A file is checked back by replaying its actions through the
reference semantics and comparing every recorded value with the state the step produces.
"""
from __future__ import annotations

import json

from ..ir.model import LEVEL_NAMES, Program
from .trace import ReplayError, Trace, replay

FORMAT = "ITF (Apalache ADR-015), written by refine"
SHOWN_KINDS = ("state", "ghost", "life", "abstract")  # abstract: a refinement product's


def _vars(prog: Program) -> list[int]:
    return [i for i, s in enumerate(prog.slots) if s.kind in SHOWN_KINDS]


def _value(prog: Program, slot: int, v: int):
    t = prog.slots[slot].type
    if t.kind == "bool":
        return bool(v)
    if t.kind in ("enum", "ref"):
        return t.show(v)
    return v


def contexts(prog: Program, state: tuple) -> list[dict[str, str]]:
    """Each CPU's context stack in a state, lowest level first: {"hardirq": "worker0", "nmi":
    "nmi_a"} is an NMI handler that interrupted the worker; readers draw the nesting from it."""
    return [{LEVEL_NAMES[level]: prog.threads[state[slot] - 1].name
             for level, slot in enumerate(row) if state[slot]} for row in prog.occ]


def to_itf(prog: Program, trace: Trace, meta: dict) -> dict:
    slots = _vars(prog)
    names = [prog.slots[i].name for i in slots]
    states = []
    for k, state in enumerate(trace.states):
        m: dict = {"index": k}
        if k > 0:
            st = trace.steps[k - 1]
            t, cpu, choice = trace.actions[k - 1]
            m["action"] = {"thread": st.thread_name, "cpu": cpu, "context": st.level,
                           "choice": choice, "line": st.where, "operation": st.text}
        m["contexts"] = contexts(prog, state)
        states.append({"#meta": m, **{n: _value(prog, i, state[i])
                                      for n, i in zip(names, slots)}})
    v = trace.violation
    head = {"format": FORMAT, "spec": prog.spec_name, "source": prog.path,
            "violated": v.prop if v else None, "message": v.message if v else None, **meta}
    return {"#meta": head, "vars": names, "states": states}


def write(path: str, data: dict) -> None:
    """Save a trace in its ITF form (to_itf)."""
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def read(path: str) -> dict:
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ReplayError(0, f"{path} is not a readable ITF trace: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("states"), list) or \
            not isinstance(data.get("vars"), list) or not isinstance(data.get("#meta", {}), dict):
        raise ReplayError(0, f"{path} is not an ITF trace (no vars and states)")
    for k, state in enumerate(data["states"]):
        if not isinstance(state, dict) or not isinstance(state.get("#meta", {}), dict):
            raise ReplayError(k, f"{path}: state {k} is not an object with an object #meta")
    return data


def actions_of(prog: Program, data: dict) -> list[tuple[int, int, int]]:
    """The (thread, cpu, choice) of every step, threads named as the spec's scenario names them."""
    index = {th.name: t for t, th in enumerate(prog.threads)}
    out = []
    for k, state in enumerate(data["states"][1:], 1):
        a = (state.get("#meta") or {}).get("action")
        if not isinstance(a, dict) or a.get("thread") not in index:
            raise ReplayError(k, f"state {k} names no thread of this spec's scenario "
                                 f"(one of: {', '.join(index)})")
        try:
            out.append((index[a["thread"]], int(a["cpu"]), int(a.get("choice", 0))))
        except (TypeError, ValueError):
            raise ReplayError(k, f"state {k}: cpu and choice must be numbers") from None
    return out


def replay_itf(machine, data: dict) -> Trace:
    """Replay a trace file on a spec: every step must be possible there and produce exactly the
    values the file records; a mismatch is reported at the first step where it appears."""
    prog = machine.prog
    trace = replay(machine, actions_of(prog, data))
    slots = {prog.slots[i].name: i for i in _vars(prog)}
    for k, (recorded, state) in enumerate(zip(data["states"], trace.states)):
        for name, value in recorded.items():
            if name == "#meta":
                continue
            if name not in slots:
                raise ReplayError(k, f"the trace has a variable `{name}` the spec does not have")
            real = _value(prog, slots[name], state[slots[name]])
            if real != value:
                raise ReplayError(k, f"the trace says {name} = {value!r} after it, the spec "
                                     f"gives {real!r}" if k else
                                  f"the initial state differs: the trace says {name} = "
                                  f"{value!r}, the spec starts with {real!r}")
    return trace
