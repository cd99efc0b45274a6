"""One timer for every benchmark: the best of several runs (the machine may be busy)."""

from __future__ import annotations

import time
from typing import Any, Callable


def best_of(fn: Callable[[], Any], repeat: int = 3, number: int = 1) -> tuple[float, Any]:
    """Smallest mean wall time in seconds of ``number`` calls, over ``repeat`` rounds, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best, out
