"""The refinement report: the verdict, the design's trace up to the failing step, and the
abstract side of that step: the abstract state before it, what the abstract action makes of it
(expected after) and what the mapping makes of the design's state (actual after), with the
entries that differ marked."""
from __future__ import annotations

from ..engines.compile import Violated, compile_expr
from ..lower.refinement import KINDS
from ..trace.render import initial_state, render_trace
from .check import FAILS, OWN, Verdict, step_actions


def _value(expr, t, state) -> str:
    try:
        v = compile_expr(expr)(list(state))
    except Violated as e:
        return f"({e.prop})"
    return _short(t.show(v))


def _short(text: str) -> str:
    """Abstract pool objects print as the abstract spec names them (`Obj#0`, not
    `kptr_slot.Obj#0`): the report's columns already say which side a value is on."""
    return text.split(".", 1)[1] if text.count(".") == 1 and "#" in text else text


def abstract_table(v: Verdict) -> str:
    trace = v.product.trace
    before, after = trace.states[-2] if len(trace.states) > 1 else trace.states[0], \
        trace.states[-1]
    rows = []
    for m in v.prog.mapped:
        if m.kind != "state":
            continue
        b = _value(m.abstract, m.atype, before)
        e = "-" if v.kind == "enabled" else _value(m.abstract, m.atype, after)
        a = _value(m.concrete, m.ctype, after)
        differs = not bool(compile_expr(m.expr)(list(after)))
        rows.append(("*" if differs else " ", m.label, b, e, a))
    head = ("", f"abstract ({v.abstract})", "before", "expected after", "actual after (mapped)")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head] + rows]
    return "\n".join(lines) + "\n(* = differs)"


def observation(v: Verdict) -> str:
    after = v.product.trace.states[-1]
    out = []
    for m in v.prog.mapped:
        if m.kind == "observation" and not bool(compile_expr(m.expr)(list(after))):
            want = f"{v.abstract} requires"
            width = max(len(want), len("the design's step gives"))
            out.append(f"  {m.label} (line {m.line}):\n"
                       f"    {'the design' + chr(39) + 's step gives':{width}}  "
                       f"{_value(m.concrete, m.ctype, after)}\n"
                       f"    {want:{width}}  {_value(m.abstract, m.atype, after)}")
    return "\n".join(out)


def render(v: Verdict, defines: list[str] | None = None) -> str:
    """The report; defines: the run's `-D` settings, repeated in the commands it suggests."""
    p = v.product
    out = [f"spec:     {v.prog.spec_name} ({v.prog.path})",
           f"refines:  {v.abstract}",
           f"engine:   {p.engine}",
           f"bounds:   {p.bounds}",
           f"own:      {v.own.summary()}",
           f"product:  {p.amount()}" + (" (every execution covered)" if p.complete else ""),
           ""]
    if v.verdict == FAILS:
        trace = p.trace
        out += [f"initial state: {initial_state(v.prog)}", ""]
        if trace.steps:
            out += [render_trace(v.prog, trace), ""]
        last = trace.steps[-1] if trace.steps else None
        where = (f"step {last.index} ({last.thread_name}, cpu {last.cpu}, {last.level}, line "
                 f"{last.where}: {last.text})" if last else "the initial state")
        out.append(f"{KINDS[v.kind]} at {where}")
        acts = [f"{text.removeprefix('maps ')} (line {line})"
                for line, text in step_actions(v.prog, trace)]
        out.append(f"  the step in {v.abstract}: " + ("; ".join(acts) if acts else "a stutter"))
        if v.kind == "enabled":
            out.append(f"  {trace.violation.message}")
        if v.kind == "observation":
            out.append(observation(v))
        out += ["", abstract_table(v), ""]
    elif v.verdict == OWN:
        flags = "".join(f" -D {d}" for d in defines or ())
        out += [f"the design's own counterexample: refine verify {v.prog.path}{flags}", ""]
    out.append(v.summary())
    stats = ", ".join(f"{k} {x}" for k, x in p.stats.items())
    if stats:
        out.append(f"(product: {stats})")
    return "\n".join(out)

