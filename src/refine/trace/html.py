"""A counterexample as one self-contained HTML page (`verify --html`, `show TRACE --html`).

The page is built from the ITF form of the trace (itf.py), so a saved trace file gives the same
report as the run that found it. One column per CPU; in each, the contexts of that CPU's stack
are bands side by side, task to nmi, the running one solid with the operation, the ones it
interrupted pale: an NMI that cuts into a task shows as the task's band going on beside it.
Each step is a row with its source line (a link into the listing at the bottom) and the shared
variables it changed, before -> after; the violating step is red. The page works without
scripts; report.js adds the state panel (every shared variable after the selected step) and
the highlighting of the selected step's line. No network: the CSS and the script are inline.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

from ..check.imports import LIBRARY
from ..ir.model import LEVEL_NAMES

HERE = Path(__file__).resolve().parent


def _values(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "#meta"}


def _action(state: dict) -> dict:
    """A state's step, {} where the file has none (the initial state, a file written by hand)."""
    a = state.get("#meta", {}).get("action")
    return a if isinstance(a, dict) else {}


def _contexts(state: dict) -> list[dict]:
    c = state.get("#meta", {}).get("contexts")
    return [x if isinstance(x, dict) else {} for x in c] if isinstance(c, list) else []


def _cpu(action: dict) -> int:
    try:
        return int(action.get("cpu", -1))
    except (TypeError, ValueError):
        return -1


def _show(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _where(label: str) -> tuple[str, int]:
    """'76' -> ('spec', 76); 'llist.kspec:53' -> ('llist.kspec', 53); '' -> ('', 0)."""
    name, _, line = label.rpartition(":")
    try:
        return (name or "spec"), int(line)
    except ValueError:
        return "", 0


def _anchor(file: str, line: int) -> str:
    return f"src-{file.replace('.', '-')}-{line}"


def sources(data: dict, prog=None) -> dict[str, str | None]:
    """The text of the spec and of each library module the trace ran in (None: not found)."""
    meta = data.get("#meta", {})
    out: dict[str, str | None] = {}
    if prog is not None and prog.source:
        out["spec"] = prog.source
    else:
        out["spec"] = _read(Path(str(meta.get("source", ""))))
    for st in data["states"][1:]:
        file, _ = _where(str(_action(st).get("line", "")))
        if file and file not in out:
            out[file] = _read(LIBRARY / Path(file).name)
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text() if path.is_file() else None
    except OSError:
        return None


def _lane(cpu: int, held: dict, action: dict) -> str:
    """One CPU's cell: a band per context level, then the operation if this CPU ran the step."""
    here = _cpu(action) == cpu
    running = action.get("context") if here else None
    running = running if running in LEVEL_NAMES else ""  # a class name: only a known level
    who = escape(str(action.get("thread", "")))
    bands = []
    for level in LEVEL_NAMES:
        if level == running:
            bands.append(f'<span class="band {level} run" title="{who} ({level}) runs"></span>')
        elif level in held:
            bands.append(f'<span class="band {level} held" title="{escape(str(held[level]))} '
                         f'({level}), interrupted or waiting"></span>')
        else:
            bands.append('<span class="band"></span>')
    op = ""
    if here:
        what = escape(str(action.get("operation", "")))
        op = f'<span class="op {running}"><b>{who}</b> <code>{what}</code></span>'
    return f'<td class="lane">{"".join(bands)}{op}</td>'


def _changes(before: dict, after: dict) -> str:
    parts = [f'<span class="ch"><b>{escape(k)}</b> {escape(_show(before.get(k)))} &rarr; '
             f'<em>{escape(_show(v))}</em></span>'
             for k, v in after.items() if before.get(k) != v]
    return " ".join(parts)


def _rows(data: dict, cpus: int, violated: bool) -> list[str]:
    states = data["states"]
    rows = []
    for k in range(1, len(states)):
        action = _action(states[k])
        before = _contexts(states[k - 1])
        file, line = _where(str(action.get("line", "")))
        link = (f'<a href="#{_anchor(file, line)}">{escape(str(action.get("line")))}</a>'
                if line else "")
        bad = violated and k == len(states) - 1
        lanes = "".join(_lane(c, before[c] if c < len(before) else {}, action)
                        for c in range(cpus))
        rows.append(f'<tr id="step-{k}" class="step{" violating" if bad else ""}" '
                    f'data-step="{k}" data-src="{_anchor(file, line) if line else ""}">'
                    f'<td class="n">{k}</td>{lanes}<td class="line">{link}</td>'
                    f'<td class="changes">{_changes(_values(states[k - 1]), _values(states[k]))}'
                    f'</td></tr>')
    return rows


def _listing(name: str, text: str | None, ran: dict[tuple[str, int], list[int]],
             meta: dict) -> str:
    title = escape(str(meta.get("source", "spec")) if name == "spec" else f"kernel/{name}")
    if text is None:
        return (f'<section class="source"><h3>{title}</h3>'
                f'<p class="missing">source not found: the listing is left out</p></section>')
    lines = []
    for n, src in enumerate(text.splitlines(), 1):
        steps = ran.get((name, n), [])
        links = " ".join(f'<a href="#step-{s}">{s}</a>' for s in steps)
        cls = ' class="ran"' if steps else ""
        lines.append(f'<div id="{_anchor(name, n)}"{cls}><span class="ln">{n}</span>'
                     f'<span class="code">{escape(src) or " "}</span>'
                     f'<span class="steps">{links}</span></div>')
    return f'<section class="source"><h3>{title}</h3><pre>{"".join(lines)}</pre></section>'


def report(data: dict, prog=None) -> str:
    """The whole page for an ITF trace; prog, when given, supplies the spec's source text."""
    meta = data.get("#meta", {})
    states = data["states"]
    cpus = max([len(_contexts(s)) for s in states] + [_cpu(_action(s)) + 1 for s in states] + [1])
    cpus = min(cpus, 256)  # a hand-edited cpu number must not make a page of a million columns
    violated = meta.get("violated")
    ran: dict[tuple[str, int], list[int]] = {}
    for k, st in enumerate(states[1:], 1):
        ran.setdefault(_where(str(_action(st).get("line", ""))), []).append(k)
    listings = "".join(_listing(name, text, ran, meta)
                       for name, text in sources(data, prog).items())
    verdict = (f'<p class="verdict bad">VIOLATED {escape(str(violated))}: '
               f'{escape(str(meta.get("message", "")))}</p>' if violated else
               '<p class="verdict">no violation</p>')
    head = "".join(f"<th>CPU {c}</th>" for c in range(cpus))
    legend = "".join(f'<span class="key"><span class="band {lv} run"></span>{lv}</span>'
                     for lv in LEVEL_NAMES)
    payload = json.dumps({"vars": data.get("vars", []),
                          "states": [_values(s) for s in states]}).replace("</", "<\\/")
    title = f"refine: {meta.get('spec', '?')}" + (f": {violated} violated" if violated else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{(HERE / "report.css").read_text()}</style></head>
<body data-rendered="no">
<header><h1>{escape(str(meta.get("spec", "?")))}</h1>{verdict}
<p><b>spec</b> {escape(str(meta.get("source", "?")))} &middot; <b>engine</b>
{escape(str(meta.get("engine", "?")))} &middot; {len(states) - 1} steps</p>
<p><b>bounds</b> {escape(str(meta.get("bounds", "?")))}</p>
<p class="legend">contexts, lowest first: {legend} &middot; solid: running, pale: interrupted
or waiting</p></header>
<main><table class="trace"><thead><tr><th>step</th>{head}<th>line</th><th>changes</th></tr>
</thead><tbody>
{chr(10).join(_rows(data, cpus, bool(violated)))}
</tbody></table>
<aside id="state"><h3>state after step <span id="state-step">0</span></h3>
<table id="state-table"></table></aside></main>
{listings}
<script type="application/json" id="trace-data">{payload}</script>
<script>{(HERE / "report.js").read_text()}</script>
</body></html>
"""


def write_report(path: str, data: dict, prog=None) -> None:
    with open(path, "w") as f:
        f.write(report(data, prog))
