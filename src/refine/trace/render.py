"""Plain-text rendering of results and traces: one row per step with the CPU, the context, the
source line that ran and only the variables that changed."""
from __future__ import annotations

from ..engines.result import VIOLATED, Result
from ..ir.model import Program
from .lost import lost_at
from .trace import Trace

SHOWN = {"state", "ghost", "life", "local", "ctx"}  # slot kinds a reader cares about; temps and pcs are not


def value(prog: Program, slot: int, v: int) -> str:
    return prog.slots[slot].type.show(v)


def changes(prog: Program, ch, full: bool = False, reads=()) -> str:
    parts = [f"read {prog.slots[k].name}={value(prog, k, v)}" for k, v in reads]
    for slot, _, after in ch:
        info = prog.slots[slot]
        if full or info.kind in SHOWN:
            parts.append(f"{info.name}={value(prog, slot, after)}")
    return ", ".join(parts)


HEADER = ("step", "cpu", "context", "thread", "line", "operation", "changes")


def render_trace(prog: Program, trace: Trace, full: bool = False) -> str:
    rows = [HEADER]
    for st in trace.steps:
        rows.append((str(st.index), str(st.cpu), st.level, st.thread_name,
                     st.where, st.text, changes(prog, st.changes, full, st.reads)))
    return table(rows)


def render_itf(data: dict) -> str:
    """A saved ITF trace as the same table, from the file alone: what each step changed is the
    difference between consecutive recorded states."""
    meta = data.get("#meta", {})
    out = [f"spec:    {meta.get('spec', '?')} ({meta.get('source', '?')})",
           f"engine:  {meta.get('engine', '?')}", f"bounds:  {meta.get('bounds', '?')}", ""]
    states = data["states"]
    first = {k: v for k, v in states[0].items() if k != "#meta"} if states else {}
    out.append("initial state: " + ", ".join(f"{k}={_itf(v)}" for k, v in first.items()))
    out.append("")
    rows = [HEADER]
    for k in range(1, len(states)):
        a = states[k].get("#meta", {}).get("action", {})
        diff = [f"{n}={_itf(v)}" for n, v in states[k].items()
                if n != "#meta" and states[k - 1].get(n) != v]
        rows.append((str(k), str(a.get("cpu", "")), str(a.get("context", "")),
                     str(a.get("thread", "")), str(a.get("line", "")),
                     str(a.get("operation", "")), ", ".join(diff)))
    out.append(table(rows))
    if meta.get("violated"):
        out += ["", f"violated: {meta['violated']}: {meta.get('message', '')}"]
    return "\n".join(out)


def _itf(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def table(rows) -> str:
    """Aligned columns; the operation column is clipped, the last one runs free."""
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    widths[5] = min(widths[5], 60)
    out = []
    for r in rows:
        cells = [r[i].ljust(widths[i]) if i != 5 else _clip(r[i], widths[5]).ljust(widths[5])
                 for i in range(6)]
        out.append("  ".join(cells + [r[6]]).rstrip())
    out.insert(1, "-" * min(len(out[0]) + 10, 140))
    return "\n".join(out)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def initial_state(prog: Program) -> str:
    """The spec's own variables; the kernel library's only where they do not start at 0."""
    init = prog.initial()
    parts = [f"{s.name}={s.type.show(init[i])}" for i, s in enumerate(prog.slots)
             if s.kind in ("state", "ghost") and not (s.library and init[i] == 0)]
    quiet = any(s.library and init[i] == 0 for i, s in enumerate(prog.slots)
                if s.kind in ("state", "ghost"))
    return ", ".join(parts) + ("; the library's state at 0, false or NULL" if quiet else "")


def violated_property(prog: Program, trace: Trace) -> str:
    v = trace.violation
    if v is None:
        return ""
    where = f" ({v.where})" if v.line else ""
    lines = [f"violated: {v.prop}{where}: {v.message}"]
    inv = next((i for i in prog.invariants if i.name == v.prop
                and (not i.message or i.message == v.message)), None)
    if v.prop == "leak":
        obj = v.message.split(" ", 1)[0]
        k = lost_at(prog, trace, obj)
        if k:
            st = trace.steps[k - 1]
            lines.append(f"  {obj} lost its last reference at step {k} ({st.thread_name}, "
                         f"line {st.where}: {st.text})")
    elif inv is not None:
        lines.append(f"  invariant {inv.name}: {inv.text}")
    if v.thread >= 0:
        lines.append(f"  in {prog.threads[v.thread].name}, at the last step above")
    return "\n".join(lines)


def header(prog: Program, result: Result) -> list[str]:
    """The lines above every result: what was checked, how and within which bounds."""
    out = [f"spec:    {prog.spec_name} ({prog.path})",
           f"engine:  {result.engine}",
           f"bounds:  {result.bounds}",
           f"depth:   {_depth(result)}"]
    if prog.checks_off:
        off = "; ".join(f"{k} ({v})" for k, v in sorted(prog.checks_off.items()))
        out.append(f"off:     {off}")
    out.append(f"checked: {checked(prog)}")
    return out


def stats_line(result: Result) -> str:
    stats = ", ".join(f"{k} {v}" for k, v in result.stats.items())
    return f"({stats})" if stats else ""


def render_result(prog: Program, result: Result, full: bool = False) -> str:
    out = header(prog, result)
    out.append("")
    if result.verdict == VIOLATED and result.trace is not None:
        out.append(f"initial state: {initial_state(prog)}")
        out.append("")
        out.append(render_trace(prog, result.trace, full))
        out.append("")
        out.append(violated_property(prog, result.trace))
        out.append("")
    out.append(result.summary())
    if stats_line(result):
        out.append(stats_line(result))
    return "\n".join(out)


def _depth(result: Result) -> str:
    return result.amount() + (" (every execution covered)"
                                              if result.complete else "")


def checked(prog: Program) -> str:
    from ..lower.program import LIBRARY_CHECKS, LIFECYCLE_CHECKS
    names = [i.name for i in prog.invariants if i.name != "leak"]
    builtin = ["assert", "WARN", "BUG", "deadlock", "range", "null-deref", "bounds", "div-zero",
               "context", *LIFECYCLE_CHECKS, *LIBRARY_CHECKS]
    names += [b for b in builtin if b not in prog.checks_off]
    return ", ".join(dict.fromkeys(names)) + "; loop bounds (unwind)"
