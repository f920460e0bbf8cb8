"""The ABA question of specs/v2_pcpu.kspec (issue 4), every run behind its header's Results
paragraph (not collected by pytest):

    nice -n 10 python tests/long/run_v2_pcpu_aba.py [--with-trim] [--memory 8000]

Prints one line per run: what it checks, the verdict, states, steps and seconds. The first is
the long one, the pcpu_freelist harness with two NMI pops (about a minute, 1.5 GB); the others
take seconds. --with-trim adds the default scenario (with trim) on the ABA properties, which
stops at the memory limit (about 4 minutes at 8000 MiB): it shows why the variants exist.
Exit status 1 if a run that the header reports as settled gives another verdict.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from refine.engines.explicit import search  # noqa: E402
from refine.engines.limits import Limits  # noqa: E402
from refine.load import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HARNESS = str(ROOT / "tests/specs/pcpu_freelist_aba.kspec")
SPEC = str(ROOT / "specs/v2_pcpu.kspec")
ABA = ["no_job_on_two_lists", "assert", "idle_job_for_every_kptr"]
LIBRARY_CHECKS = ["leak", "use-after-free", "double-free", "deadlock", "BUG", "range",
                  "null-deref", "bounds", "div-zero", "context", "wait-context"]

# (what, spec, -D constants, --only (None: every property), the verdict the header reports)
RUNS = [
    ("harness: pcpu_freelist, 2 NMI pops, every property", HARNESS, {}, None, "holds"),
    ("harness control: v2's llist, 2 NMI pops", HARNESS, {"FREELIST": 0}, None, "violated"),
    ("v2_pcpu -D WORKER_TRIM=0: ABA + library checks", SPEC, {"WORKER_TRIM": 0},
     ABA + LIBRARY_CHECKS, "holds"),
    ("v2_pcpu -D WORKER_TRIM=0 -D NMI_DELETES=2: ABA + library checks", SPEC,
     {"WORKER_TRIM": 0, "NMI_DELETES": 2}, ABA + LIBRARY_CHECKS, "holds"),
    ("v2_pcpu -D WORKER_TRIM=0: every property", SPEC, {"WORKER_TRIM": 0}, None, "violated"),
]
WITH_TRIM = ("v2_pcpu default (trim): ABA properties", SPEC, {}, ABA, None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--with-trim", action="store_true")
    ap.add_argument("--memory", type=float, default=8000.0, help="MiB per run")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    args = ap.parse_args()
    bad = 0
    for what, spec, consts, only, expected in RUNS + ([WITH_TRIM] if args.with_trim else []):
        r = search(load(spec, consts or None, only=only), max_depth=500,
                   limits=Limits(timeout=args.timeout, memory_mb=args.memory))
        extent = "" if r.verdict == "violated" else \
            ("complete; " if r.complete else "not complete; ")
        what_found = f" {r.trace.violation.prop} at {len(r.trace)} steps" if r.trace else ""
        print(f"{what}: {r.verdict}{what_found} ({extent}{r.stats['states']} states, "
              f"{r.depth} steps, {r.stats['seconds']:.1f} s)"
              + (f": {r.reason}" if r.verdict == "inconclusive" else ""),
              flush=True)
        if expected is not None and (r.verdict != expected
                                     or (expected == "holds" and not r.complete)):
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
