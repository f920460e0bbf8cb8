"""Long differential run of the engines on generated specs (not collected by pytest).

    nice -n 10 python tests/long/run_differential.py --count 10000 [--start 0]

Prints the number of specs, of disagreements (must be 0), of inconclusive results and of specs
skipped (the explicit reference did not finish), then the seeds of any disagreement, with the
spec text of the first few. Exit status 1 if any engine disagreed or crashed.
"""
from __future__ import annotations

import argparse
import collections
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.differential import run_one  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--no-rounds", action="store_true", help="only the steps comparison")
    args = ap.parse_args()
    t0 = time.monotonic()
    verdicts = collections.Counter()
    bad, crashed, inconclusive, skipped = [], [], [], []
    done = 0

    def stop(*_):  # a SIGTERM still prints the figures of the specs done so far
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        for n, seed in enumerate(range(args.start, args.start + args.count), 1):
            one(seed, bad, crashed, inconclusive, skipped, verdicts, args)
            done = n
            if n % 500 == 0:
                print(f"  {n} specs, {len(bad)} disagreements, {len(crashed)} crashes, "
                      f"{len(inconclusive)} inconclusive, {time.monotonic() - t0:.0f} s",
                      flush=True)
    except KeyboardInterrupt:
        print(f"stopped after {done} specs")
    return report(args, done, bad, crashed, inconclusive, skipped, verdicts, t0)


def one(seed, bad, crashed, inconclusive, skipped, verdicts, args) -> None:
    """One spec: its outcome goes into the lists."""
    try:
        o = run_one(seed, rounds=not args.no_rounds)
    except Exception:  # a crash of either engine or of the front end is a finding too
        crashed.append((seed, traceback.format_exc()))
        return
    if o.skipped:
        skipped.append((seed, o.skipped))
        return
    verdicts[o.verdicts] += 1
    if o.problems:
        bad.append(o)
    if o.inconclusive:
        inconclusive.append((seed, o.inconclusive))


def report(args, done, bad, crashed, inconclusive, skipped, verdicts, t0) -> int:
    print(f"specs: {done} (seeds {args.start}..{args.start + done - 1})")
    print(f"disagreements: {len(bad)}")
    print(f"crashes: {len(crashed)}")
    print(f"inconclusive results: {len(inconclusive)}")
    print(f"skipped (explicit reference did not finish): {len(skipped)}")
    print(f"seconds: {time.monotonic() - t0:.0f}")
    print("verdicts (explicit, symbolic steps, symbolic rounds):")
    for k, v in verdicts.most_common():
        print(f"  {v:6d}  {k}")
    for o in bad[:5]:
        print(f"\n--- disagreement, seed {o.seed}: {o.problems}\n{o.text}")
    for seed, tb in crashed[:3]:
        print(f"\n--- crash, seed {seed}\n{tb}")
    for seed, why in inconclusive[:10]:
        print(f"inconclusive seed {seed}: {why}")
    if bad or crashed:
        print("seeds:", " ".join(str(o.seed) for o in bad), " ".join(str(s) for s, _ in crashed))
    return 1 if bad or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
