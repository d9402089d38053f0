"""GlitchWorld rendering throughput (views per minute) at 64 and 128 px on this CPU.

Usage: python benchmarks/bench_world.py [--n 300]
"""

import argparse
import time

from mind_the_glitch.world import GlitchWorld

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=300)
args = ap.parse_args()
for size in (64, 128):
    w = GlitchWorld(seed=0, size=size)
    w.pair(0)  # warm-up
    t0 = time.perf_counter()
    for i in range(args.n):
        w.pair(i)
    dt = time.perf_counter() - t0
    print(
        f"{size:>4} px: {2 * args.n / dt * 60:,.0f} views/min  ({dt / (2 * args.n) * 1000:.2f} ms/view, {2 * args.n} "
        "views, single process)"
    )
