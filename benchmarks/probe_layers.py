"""Does a backbone carry appearance? Point AUROC of every raw decoder layer on the appearance probe, without heads.

A diagnostic for issue 15's first hypothesis: the visual head cannot see what its input layers lost. For each embedded
backbone folder (the shipped weights, EMA snapshots of `train_ddpm`, or `random` for the untrained architecture) it
prints the AUROC of "altered vs unaltered point" from the cosine dissimilarity of each decoder layer at the exact
GlitchWorld correspondences of the probe pairs (nbs/13_probe.ipynb), next to raw pixel colour, overall and on the
held-out operators.

    python benchmarks/probe_layers.py shipped data/backbone/snapshots/step-002500 random [--pairs 96] [--timestep 100]
        [--out probe_layers.json]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.probe import HELD_OUT, ProbeConfig, _images, _point_aurocs, _point_rows, _pool, make_probe_set
from mind_the_glitch.world import GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("backbones", nargs="+", help="backbone folders, 'shipped' or 'random'")
parser.add_argument("--pairs", type=int, default=96)
parser.add_argument("--timestep", type=int, default=100)
parser.add_argument("--grid", type=int, default=32)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--out", default=None)
args = parser.parse_args()


def load(name: str) -> EmbeddedFeatures:
    if name == "random":
        return EmbeddedFeatures.random(device="cpu", timestep=args.timestep)
    return EmbeddedFeatures.from_pretrained(None if name == "shipped" else name, device="cpu", timestep=args.timestep)


@torch.no_grad()
def point_rows(backbone: EmbeddedFeatures, items) -> list[dict]:
    "One row per exact correspondence: altered or not, and the dissimilarity of pixels and of each decoder layer."
    layers = [name for name in backbone.layer_names if name != "mid"]
    rows = []
    for start in range(0, len(items), args.batch_size):
        chunk = items[start : start + args.batch_size]
        x = _images([it.reference.image for it in chunk] + [it.altered for it in chunk])
        raw = backbone(x, layers=layers, grid=args.grid)
        features = {"pixel": _pool(x, args.grid), **{f"layer:{name}": raw[name] for name in layers}}
        for k, it in enumerate(chunk):
            rows.extend(_point_rows(it, features, k, len(chunk), args.grid, start + k))
    return rows


items = make_probe_set(GlitchWorld(seed=0), ProbeConfig(n_pairs=args.pairs))
results = {}
for name in args.backbones:
    t0 = time.perf_counter()
    rows = point_rows(load(name), items)
    held = [r for r in rows if r["operator"] in HELD_OUT]
    results[name] = {"all": _point_aurocs(rows), "held_out": _point_aurocs(held)}
    fmt = lambda d: " ".join(f"{k} {v:.3f}" for k, v in d["layers"].items()) + f" | pixel {d['pixel']:.3f}"
    print(f"{name} ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"  all:      {fmt(results[name]['all'])}", flush=True)
    print(f"  held out: {fmt(results[name]['held_out'])}", flush=True)
    best = max(results[name]["held_out"]["layers"].items(), key=lambda kv: kv[1])
    print(
        f"  best held-out layer {best[0]} {best[1]:.3f}; mean "
        f"{np.mean(list(results[name]['held_out']['layers'].values())):.3f}"
    )
if args.out:
    Path(args.out).write_text(json.dumps(results, indent=1))
