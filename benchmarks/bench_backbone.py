"""Feature-extraction throughput of the embedded backbone (images/s), all decoder layers vs early exit.

Usage: python benchmarks/bench_backbone.py [--batch 32] [--repeats 5] [--random]
"""

import argparse
import statistics
import time

import torch

from mind_the_glitch.backbone import EmbeddedFeatures

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--repeats", type=int, default=5)
ap.add_argument("--random", action="store_true", help="random weights (same compute) instead of the shipped ones")
args = ap.parse_args()
fx = EmbeddedFeatures.random(device="cpu") if args.random else EmbeddedFeatures.from_pretrained(device="cpu")
x = torch.rand(args.batch, 3, 64, 64)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}")
for layers in (None, ["us1"], ["us3"]):
    fx(x, layers=layers, grid=32)  # warm-up
    ts = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fx(x, layers=layers, grid=32)
        ts.append(time.perf_counter() - t0)
    med = statistics.median(ts)
    print(
        f"layers={'all' if layers is None else ','.join(layers):>4}: {args.batch / med:8.1f} img/s  (median "
        f"{med * 1000:.0f} ms per batch of {args.batch})"
    )
