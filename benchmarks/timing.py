"""The scoring benchmarks' clock: median seconds of several functions timed in interleaved rounds."""

import statistics
import time
from typing import Callable


def timed_interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each function over `repeats` rounds, one call of each per round, after one warm-up call
    each. On a shared machine whose speed drifts, every measurement then sees the same drift and their ratios hold;
    timed one after another, they did not."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}
