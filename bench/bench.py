#!/usr/bin/env python3
"""Time to verdict and peak memory for every bundled spec and engine: medians of N runs.

Each run is a fresh process (so peak memory is that run's alone). Usage:
    python bench/bench.py [--runs 5] [--spec specs/v2_aba.kspec ...] [--engine explicit ...]
    python bench/bench.py --compare [--runs 3]
Targets on the 2-core machine: the v2 ABA counterexample in under 10 s with the explicit engine
and under 60 s with the symbolic one; the whole design-review table (`refine compare
specs/*.kspec`, two processes) in under 10 minutes, with per-spec survey times.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, resource, sys, time
from refine.load import load
spec, engine, unit = sys.argv[1], sys.argv[2], sys.argv[3]
consts = json.loads(sys.argv[4])
t0 = time.monotonic()
prog = load(spec, consts)
if engine == "explicit":
    from refine.engines.explicit import search
    r = search(prog)
else:  # as `refine verify --engine symbolic` does it
    from refine.engines.cut_first import CUT_AT, check_cut_first
    r = check_cut_first(prog, load(spec, consts, unroll_cap=CUT_AT), 30, unit, None, 120.0)
print(json.dumps({"verdict": r.verdict, "depth": r.depth, "unit": r.unit,
                  "seconds": time.monotonic() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
ENGINES = {"explicit": ("explicit", "steps"), "symbolic": ("symbolic", "rounds"),
           "symbolic-steps": ("symbolic", "steps")}


# Extra rows: the same spec under smaller loop bounds, where the full ones are out of the symbolic
# engine's reach (a counterexample found under them is a real one all the same).
EXTRA = [("specs/v2_aba.kspec", "symbolic", {"RETRIES": 2, "LLIST_RETRIES": 2})]


def one(spec: str, engine: str, timeout: float, consts: dict | None = None) -> dict:
    kind, unit = ENGINES[engine]
    try:
        proc = subprocess.run([sys.executable, "-c", PROBE, spec, kind, unit,
                               json.dumps(consts or {})], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"verdict": f"timeout>{timeout:g}s"}
    if proc.returncode != 0:
        return {"verdict": "error: " + proc.stderr.strip().splitlines()[-1][:60]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(specs: list[str], runs: int, timeout: float) -> None:
    """`refine compare` over every spec, in fresh processes: the wall time of the whole table,
    and each spec's survey time, as medians of the runs."""
    import tempfile
    walls, per_spec = [], {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            md = Path(tmp) / "review.md"
            t0 = time.monotonic()
            subprocess.run([sys.executable, "-m", "refine", "compare", *specs, "--markdown",
                            str(md), "--timeout", str(timeout)], cwd=ROOT, check=True,
                           capture_output=True, text=True)
            walls.append(time.monotonic() - t0)
            data = json.loads((Path(tmp) / "review" / "results.json").read_text())
            for row in data["rows"]:
                cell = next(iter(row["cells"].values()))
                per_spec.setdefault(row["spec"], []).append(cell["seconds"])
    print(f"{'spec':34} {'survey median s':>16} {'min s':>7} {'max s':>7}")
    for spec, secs in per_spec.items():
        print(f"{spec:34} {statistics.median(secs):16.2f} {min(secs):7.2f} {max(secs):7.2f}")
    print(f"whole table: median {statistics.median(walls):.1f} s (min {min(walls):.1f}, max "
          f"{max(walls):.1f}) over {runs} runs; target 600 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spec", action="append")
    ap.add_argument("--engine", action="append", choices=sorted(ENGINES))
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    ap.add_argument("--spec-only", action="store_true", help="skip the extra rows")
    ap.add_argument("--compare", action="store_true", help="time the design-review table")
    args = ap.parse_args()
    specs = args.spec or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs").glob("*.kspec"))
    if args.compare:
        compare(specs, args.runs, args.timeout)
        return
    engines = args.engine or ["explicit", "symbolic"]
    print(f"{'spec':28} {'engine':22} {'verdict':13} {'depth':>10} "
          f"{'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}")
    rows = [(spec, engine, {}) for spec in specs for engine in engines]
    rows += [r for r in EXTRA if r[0] in specs and r[1] in engines and not args.spec_only]
    for spec, engine, consts in rows:
        label = engine + "".join(f" {k}={v}" for k, v in consts.items())
        runs = [one(spec, engine, args.timeout, consts) for _ in range(args.runs)]
        ok = [r for r in runs if "seconds" in r]
        if not ok:
            print(f"{spec:28} {label:22} {runs[0]['verdict']}")
            continue
        secs = [r["seconds"] for r in ok]
        depth = f"{ok[0]['depth']} {ok[0]['unit']}"
        print(f"{spec:28} {label:22} {ok[0]['verdict']:13} {depth:>10} "
              f"{statistics.median(secs):9.2f} {min(secs):7.2f} {max(secs):7.2f} "
              f"{statistics.median(r['peak_mb'] for r in ok):9.0f}  ({len(ok)} runs)")
        sys.stdout.flush()

if __name__ == "__main__":
    main()
