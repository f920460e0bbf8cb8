"""Long front-end fuzz run (not collected by pytest).

    nice -n 10 python tests/long/run_fuzz_front.py --count 100000 [--seed 1]

Mutated and generated specs through parse, resolve, type check and lowering. Prints the number
of inputs, of crashes (any exception but refine's SpecError; must be 0), of inputs that took more
than --slow seconds, and the outcome codes. Memory is capped (--memory-gb) so that an input that
makes the front end eat all memory shows up as a MemoryError crash instead of killing the run.
"""
from __future__ import annotations

import argparse
import collections
import random
import resource
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.mutate import front, random_input  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slow", type=float, default=5.0)
    ap.add_argument("--memory-gb", type=float, default=3.0)
    ap.add_argument("--save", default="", help="folder to write crashing inputs to")
    args = ap.parse_args()
    cap = int(args.memory_gb * 2 ** 30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    rng = random.Random(args.seed)
    codes, crashes, slow = collections.Counter(), [], []
    t0 = time.monotonic()
    for n in range(1, args.count + 1):
        text = random_input(rng)
        t = time.monotonic()
        try:
            codes[front(text)] += 1
        except (Exception, MemoryError, RecursionError):
            crashes.append((n, text, traceback.format_exc(limit=6)))
        if time.monotonic() - t > args.slow:
            slow.append((n, round(time.monotonic() - t, 1), text))
        if n % 10_000 == 0:
            print(f"  {n} inputs, {len(crashes)} crashes, {len(slow)} slow, "
                  f"{time.monotonic() - t0:.0f} s", flush=True)
    print(f"inputs: {args.count} (seed {args.seed})")
    print(f"crashes: {len(crashes)}")
    print(f"slower than {args.slow:g} s: {len(slow)}")
    print(f"seconds: {time.monotonic() - t0:.0f}")
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in codes.most_common()))
    kinds = collections.Counter(tb.strip().splitlines()[-1][:120] for _, _, tb in crashes)
    for k, v in kinds.most_common(20):
        print(f"  {v:6d}  {k}")
    for n, secs, text in slow[:10]:
        print(f"slow input {n}: {secs} s, {len(text)} characters")
    if args.save:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for n, text, tb in crashes[:50]:
            (out / f"crash_{n}.kspec").write_text(text)
            (out / f"crash_{n}.txt").write_text(tb)
        for n, _, text in slow[:50]:
            (out / f"slow_{n}.kspec").write_text(text)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
