"""Cost of the evaluate stage per pair: VSM (scorer) and each baseline, on GlitchWorld re-texture cases (64 px).

Prints seconds per pair for: the VSM scorer, the raw-feature localization map, and every available offline baseline
(pooled backbone, EfficientNet-Lite0 pooled, deep-feature similarity, SSIM), plus a projection for a split of --project
pairs. CLIP/DINO are not timed (no weights offline; no GPU here).

Usage: python benchmarks/bench_evaluate.py [--pairs 32] [--batch 16] [--threads N] [--project 100] [--model PATH]
  without --model: the real MindTheGlitch architecture with random weights (same compute as the trained model).
"""

import argparse
import time
import warnings

import torch

from mind_the_glitch.baselines import make_baselines
from mind_the_glitch.evaluate import best_match_map
from mind_the_glitch.scorer import VSMScorer, load_model
from mind_the_glitch.subject_driven import retexture_case
from mind_the_glitch.world import GlitchWorld

ap = argparse.ArgumentParser()
ap.add_argument("--pairs", type=int, default=32)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--threads", type=int, default=None)
ap.add_argument("--project", type=int, default=100)
ap.add_argument("--model", default=None)
args = ap.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
warnings.filterwarnings("ignore")

if args.model:
    model = load_model(args.model, device="cpu")
else:
    from mind_the_glitch.backbone import EmbeddedFeatures
    from mind_the_glitch.disentangle import MindTheGlitch, disentangler_for

    bb = EmbeddedFeatures.random(seed=0, device="cpu")
    model = MindTheGlitch(bb, disentangler_for(bb)).eval()
w = GlitchWorld(seed=0)
cases = [retexture_case(w, i, i % 3) for i in range(args.pairs)]
R = torch.stack([c["reference"] for c in cases])
G = torch.stack([c["generated"] for c in cases])
scorer = VSMScorer(model, segmenter=None, batch_size=args.batch)


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) / args.pairs


res = {
    "VSM scorer (model + vsm_score + heat maps)": timed(
        lambda: [
            scorer.score(
                list(R[s : s + args.batch]),
                list(G[s : s + args.batch]),
                [c["mask_reference"] for c in cases[s : s + args.batch]],
                [c["mask_generated"] for c in cases[s : s + args.batch]],
            )
            for s in range(0, args.pairs, args.batch)
        ]
    )
}


def raw_maps():
    for s in range(0, args.pairs, args.batch):
        f = model.backbone(torch.cat([R[s : s + args.batch], G[s : s + args.batch]]), layers=["us3"], grid=model.grid)[
            "us3"
        ]
        n = len(R[s : s + args.batch])
        for j in range(n):
            best_match_map(f[n + j], f[j], cases[s + j]["mask_reference"], cases[s + j]["mask_generated"])


res["raw-feature localization map (us3)"] = timed(raw_maps)
for k, b in make_baselines(
    backbone=model.backbone, backbone_layer="us3", include=["backbone", "effnet", "deepfeat", "ssim"], device="cpu"
).items():
    res[f"baseline {k}: {b.name}"] = timed(
        lambda: [b(R[s : s + args.batch], G[s : s + args.batch]) for s in range(0, args.pairs, args.batch)]
    )
print(f"threads {torch.get_num_threads()}, {args.pairs} pairs, batch {args.batch}")
for k, v in res.items():
    print(f"{v * 1000:8.1f} ms/pair  {k}")
tot = sum(res.values())
print(
    f"{tot * 1000:8.1f} ms/pair  total -> {tot * args.project:.0f} s for {args.project} controlled pairs (+ the same "
    "per subject-driven triple)"
)
