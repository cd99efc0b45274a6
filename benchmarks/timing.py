"""One timer for every benchmark: the best of several runs (the machine may be busy)."""

from __future__ import annotations

import time
from typing import Any, Callable


def best_of(fn: Callable[[], Any], repeat: int = 3, number: int = 1,
            clock: Callable[[], float] = time.perf_counter) -> tuple[float, Any]:
    """Smallest mean time in seconds of ``number`` calls, over ``repeat`` rounds, and the last result.

    ``clock`` is wall time by default; ``time.process_time`` measures this process's CPU time.
    """
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            out = fn()
        best = min(best, (clock() - t0) / number)
    return best, out
