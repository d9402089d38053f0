"""The embedded backbone's quality curve: generation and correspondence metrics of every EMA snapshot that
`train_ddpm` saved (`snapshot_every`), at a reduced sample size so that a snapshot takes ~2 minutes on the CPU.

    python benchmarks/backbone_curve.py data/backbone [--out benchmarks/results/backbone_curve_cpu.json]
        [--samples 400] [--renders 400] [--pairs 100] [--threads 2]

Snapshots already in --out are skipped, so it can be rerun while training goes on. A class x seed grid of each
snapshot's samples goes to --figures. Per snapshot it prints and saves:
class_accuracy, fid_effnet (and the render-vs-render floor at the same size), conditioning_effect, and PCK@0.1 per
decoder layer on held-out GlitchWorld test pairs. The full-size numbers are the backbone_eval stage's
(data/metrics/backbone.json); these are for the curve only.
"""

import argparse
import json
import time
from pathlib import Path

import torch

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.core import save_figure
from mind_the_glitch.correspondence import evaluate_pck
from mind_the_glitch.generation import GenerationConfig, RenderReference, measure_generation, plot_sample_grid
from mind_the_glitch.sampling import EmbeddedDiffusion
from mind_the_glitch.world import GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("run_dir", help="the train_ddpm out_dir (holds snapshots/)")
parser.add_argument("--out", default="benchmarks/results/backbone_curve_cpu.json")
parser.add_argument("--samples", type=int, default=400)
parser.add_argument("--renders", type=int, default=400)
parser.add_argument("--pairs", type=int, default=100)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--guidance", type=float, default=2.0)
parser.add_argument("--steps", type=int, default=15)
parser.add_argument(
    "--figures", default="benchmarks/results/figures", help="a class x seed sample grid per snapshot goes here"
)
args = parser.parse_args()
torch.set_num_threads(args.threads)

out = Path(args.out)
curve = json.loads(out.read_text()) if out.is_file() else {}
world = GlitchWorld(seed=0)
config = GenerationConfig(
    n_samples=args.samples,
    n_renders=args.renders,
    n_classifier_train=4000,
    steps=args.steps,
    guidance=args.guidance,
    batch_size=80,
)
pairs = [world.pair(i, "test") for i in range(args.pairs)]
reference = None  # built on the first snapshot that needs it: the classifier and the render features, once
for snapshot in sorted((Path(args.run_dir) / "snapshots").iterdir()):
    key = f"{snapshot.name}@g{args.guidance}"
    if key in curve:
        continue
    t0 = time.perf_counter()
    reference = reference or RenderReference.build(world, config)
    metrics, samples = measure_generation(
        EmbeddedDiffusion.from_pretrained(snapshot, device="cpu"), config, world, reference
    )
    accuracy = metrics["class_accuracy"]
    title = f"{Path(args.run_dir).name} {snapshot.name}: class accuracy {accuracy:.2f} (guidance {args.guidance:g})"
    save_figure(
        plot_sample_grid(samples, 8, title), Path(args.figures) / f"{Path(args.run_dir).name}_{snapshot.name}.png"
    )
    features = EmbeddedFeatures.from_pretrained(snapshot, device="cpu", timestep=100)
    pck = evaluate_pck(features, pairs, grid=32)
    metrics["pck@0.1"] = {layer: round(v["pck@0.1"], 4) for layer, v in pck.items()}
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    curve[key] = metrics
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(curve, indent=1) + "\n")
    best = max(metrics["pck@0.1"].values())
    print(
        f"{key}: class_accuracy {metrics['class_accuracy']:.3f} (renders "
        f"{metrics['classifier_accuracy_on_renders']:.3f}), "
        f"fid {metrics['fid_effnet']:.1f} (floor {metrics['fid_effnet_floor']:.1f}), conditioning "
        f"{metrics['conditioning_effect']:.3f}, "
        f"best PCK@0.1 {best:.3f}, {metrics['seconds']} s",
        flush=True,
    )
