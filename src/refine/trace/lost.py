"""Where a leaked object was lost: the step after which nothing pointed to it any more.

The `leak` check fires only once every handler has finished; the reader wants the step that
dropped the last reference. References are counted as the check counts them (leaks.py): a state
slot that holds the object, where a field of a pool object counts only while that object is
allocated.
"""
from __future__ import annotations

import re

from ..ir.model import Program
from .trace import Trace

_FIELD = re.compile(r"^([A-Za-z_]\w*#\d+)\.")


def _referenced(prog: Program, state: tuple, pool: str, value: int) -> bool:
    live = {s.name[:-len(".live")]: state[i] for i, s in enumerate(prog.slots)
            if s.kind == "life"}
    for i, s in enumerate(prog.slots):
        if s.kind != "state" or s.type.kind != "ref" or s.type.name != pool:
            continue
        if state[i] != value:
            continue
        owner = _FIELD.match(s.name)
        if owner is None or live.get(owner.group(1), 1):
            return True
    return False


def lost_at(prog: Program, trace: Trace, obj: str) -> int:
    """The 1-based step after which `obj` (e.g. 'Obj#1') had no reference, or 0 if never."""
    pool, _, idx = obj.partition("#")
    value = int(idx) + 1
    step = 0
    for k in range(len(trace.states) - 1, -1, -1):
        if _referenced(prog, trace.states[k], pool, value):
            break
        step = k
    return step
