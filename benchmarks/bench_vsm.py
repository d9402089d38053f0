"""VSM scoring throughput (pairs/s, batched) and its cost relative to the backbone's forward pass alone.

Times, on the same GlitchWorld test pairs (64 px, exact subject masks), median of --repeats interleaved rounds:
  backbone   the frozen backbone's forward on the 2N images (the layers the disentangler reads, on its grid): the floor;
  model      backbone + disentangler (S, V maps);
  vsm core   vsm_score on precomputed S, V maps (N pairs);
  scorer     VSMScorer.score end to end (image prep, model, vsm_score, heat maps at image resolution).
and prints pairs/s and the ratios scorer/backbone and model/backbone.

Usage: python benchmarks/bench_vsm.py [--pairs 64] [--batch 16] [--repeats 7] [--threads N] [--random] [--model PATH]
                                      [--json benchmarks/results/bench_vsm_cpu.json]
  --random: backbone and disentangler with random weights (same compute as the trained model).
On a shared, loaded CPU use --threads 1: with 2 threads, small ops stall on thread synchronisation and times get noisy.
"""

import argparse
import json
import platform
from pathlib import Path

import torch
from scoring_pairs import scoring_pairs
from timing import timed_interleaved

from mind_the_glitch.scorer import VSMScorer
from mind_the_glitch.vsm import vsm_score

ap = argparse.ArgumentParser()
ap.add_argument("--pairs", type=int, default=64)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--repeats", type=int, default=7)
ap.add_argument("--threads", type=int, default=None)
ap.add_argument("--random", action="store_true")
ap.add_argument("--model", default=None)
ap.add_argument(
    "--json", default=None, help="also write the numbers to this JSON file (the README reads the committed one)"
)
args = ap.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)

if args.random:
    from mind_the_glitch.backbone import EmbeddedFeatures
    from mind_the_glitch.disentangle import MindTheGlitch, disentangler_for

    torch.manual_seed(0)
    fx = EmbeddedFeatures.random(device="cpu")
    model = MindTheGlitch(fx, disentangler_for(fx))
    kind = "random weights, default embedded configuration"
else:
    from mind_the_glitch.scorer import load_model

    model = load_model(args.model, device="cpu")
    kind = f"trained ({args.model or 'shipped'})"
model.eval()
scorer = VSMScorer(model, segmenter=None, batch_size=args.batch, device="cpu")
layers, grid = list(model.disentangler.config.layers), model.grid

refs, gens, mrefs, mgens = scoring_pairs(args.pairs)
images = torch.stack(refs + gens)


@torch.no_grad()
def backbone_only():
    for s in range(0, len(images), args.batch):
        model.backbone(images[s : s + args.batch], layers=layers, grid=grid)


@torch.no_grad()
def model_only():
    for s in range(0, len(images), args.batch):
        model(images[s : s + args.batch])


feats = scorer.features(refs + gens)


def core_only():
    for i in range(args.pairs):
        (Sr, Vr), (Sg, Vg) = feats[i], feats[args.pairs + i]
        vsm_score(Sg, Sr, Vg, Vr, mgens[i], mrefs[i])


def scorer_all():
    for s in range(0, args.pairs, args.batch):
        sl = slice(s, s + args.batch)
        scorer.score(refs[sl], gens[sl], mrefs[sl], mgens[sl])


n = args.pairs
print(
    f"torch {torch.__version__}, threads {torch.get_num_threads()}, device cpu, model: {kind}, backbone "
    f"{type(model.backbone).__name__}, "
    f"layers {layers}, grid {grid}; {n} pairs (64 px, exact masks), batch {args.batch} images (backbone) / pairs "
    "(scorer), "
    f"median of {args.repeats} interleaved rounds"
)
t = timed_interleaved({"bb": backbone_only, "model": model_only, "core": core_only, "all": scorer_all}, args.repeats)
t_bb, t_model, t_core, t_all = t["bb"], t["model"], t["core"], t["all"]
for name, t in (
    ("backbone (2N images)", t_bb),
    ("model = backbone+disentangler", t_model),
    ("vsm_score core (N pairs)", t_core),
    ("VSMScorer.score end to end", t_all),
):
    print(f"{name:32s} {t:7.2f} s   {n / t:8.1f} pairs/s   {t / n * 1000:7.1f} ms/pair   {t / t_bb:5.2f} x backbone")
print(
    f"VSM time / backbone time = {t_all / t_bb:.2f}  (overhead beyond the backbone: {(t_all - t_bb) / t_all:.0%} of "
    "the scoring time)"
)
print(
    f"  of which the disentangler heads (model - backbone): {(t_model - t_bb) / t_bb:.2f} x backbone; "
    f"VSM's own work (scorer - model): {(t_all - t_model) / t_bb:+.2f} x backbone (vsm_score core alone: "
    f"{t_core / t_bb:.2f} x)"
)
if args.json:
    numbers = {
        "pairs": n,
        "batch": args.batch,
        "repeats": args.repeats,
        "threads": torch.get_num_threads(),
        "model": kind,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        "seconds": {"backbone": t_bb, "model": t_model, "vsm_core": t_core, "scorer": t_all},
        "pairs_per_s": n / t_all,
        "scorer_over_backbone": t_all / t_bb,
        "heads_over_backbone": (t_model - t_bb) / t_bb,
    }
    Path(args.json).write_text(json.dumps(numbers, indent=1) + "\n")
