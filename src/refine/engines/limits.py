"""Time and memory limits shared by the engines; exceeding one makes a verdict inconclusive."""
from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field


_interrupted = False  # Ctrl-C was pressed: every run stops at its next check of the limits


def interrupt(on: bool = True) -> None:
    """Ask the running search to stop (on=False: a new run starts); it reports how far it got,
    as inconclusive. A flag, not an exception: a KeyboardInterrupt raised inside Z3's Python
    bindings (in a ctypes call or an object's __del__) is swallowed or turned into another
    error."""
    global _interrupted
    _interrupted = on


def interrupted() -> bool:
    return _interrupted


def default_memory_mb(share: int = 1) -> float:
    """80% of this machine's memory over `share` processes: a search that would take more
    ends inconclusive, with how far it got, before the system kills it with no verdict."""
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 20
    return round(0.8 * total_mb / max(1, share))


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Limits:
    timeout: float | None = None  # seconds of wall time for the whole check
    max_states: int | None = None
    memory_mb: float | None = None
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float | None:
        if self.timeout is None:
            return None
        return max(0.0, self.timeout - (time.monotonic() - self.start))

    def exceeded(self, states: int) -> str | None:
        if _interrupted:
            return "interrupted (Ctrl-C)"
        if self.timeout is not None and time.monotonic() - self.start > self.timeout:
            return f"time limit of {self.timeout:g} s reached"
        if self.max_states is not None and states > self.max_states:
            return f"state limit of {self.max_states} reached"
        if self.memory_mb is not None and peak_rss_mb() > self.memory_mb:
            return f"memory limit of {self.memory_mb:g} MiB reached"
        return None
