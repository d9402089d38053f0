"""How far can any visual head separate altered from unaltered points on this backbone and data? (issue 4's criterion)

A diagnostic, not part of the pipeline. The val metric of `train` (AUROC of each point's best visual similarity on the
target subject, unaltered vs altered points; the rule VSM scores with) is printed for:

- the raw backbone features and the trained heads (`--model`, default the train stage's output);
- heads of the same architecture fitted with a *direct* objective, a class-balanced logistic loss on the visual
  similarity at the exact GlitchWorld correspondences (altered = 0, unaltered = 1), not the paper's contrastive loss:
  fitted on the train split (held-out val: what direct supervision with exact labels reaches) and fitted on the val
  split itself (it sees the labels it is scored on: an upper bound for this architecture under this rule);
- pixel references at the exact correspondence (no best-match search): RGB and chromaticity distance.

    python benchmarks/separation_ceiling.py [--dataset data/dataset] [--model data/models/mtg-glitch] [--steps 1500]
        [--cache-dir data/train/cache] [--out separation_ceiling.json]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.disentangle import Disentangler, disentangler_for
from mind_the_glitch.losses import flat_points
from mind_the_glitch.store import load_dataset
from mind_the_glitch.train_data import FeatureCache, sample_points
from mind_the_glitch.train_metrics import evaluate

ap = argparse.ArgumentParser()
ap.add_argument("--dataset", default="data/dataset")
ap.add_argument("--model", default="data/models/mtg-glitch")
ap.add_argument("--steps", type=int, default=1500)
ap.add_argument("--batch-size", type=int, default=8)
ap.add_argument(
    "--cache-dir", default="data/train/cache", help="the train stage's feature cache (built here if missing)"
)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--out", default=None)
a = ap.parse_args()
torch.manual_seed(a.seed)
trained = Disentangler.from_pretrained(a.model).eval()
layers, grid = trained.layers, int(trained.config.grid)
backbone = EmbeddedFeatures.from_pretrained(device="cpu", timestep=int(trained.config.timestep))
split = lambda name: (lambda ds: [ds[i] for i in range(len(ds))])(load_dataset(a.dataset, name))
val, train = split("val"), split("train")
cache = lambda ss, name: FeatureCache(
    backbone, layers, grid, ss, Path(a.cache_dir) / name if a.cache_dir else None, desc=f"cache {name}"
)
cache_val, cache_train = cache(val, "val"), cache(train, "train")
auroc = lambda m: m["visual_separation_auroc"]


def fit_direct(samples, feats, what: str) -> tuple[Disentangler, list]:
    """Visual head fitted with a class-balanced logistic loss on the similarity at exact correspondences (scale, offset
    learnt)."""
    heads = disentangler_for(
        backbone,
        layers=layers,
        proj_dim=int(trained.config.proj_dim),
        num_groups=int(trained.config.num_groups),
        grid=grid,
    )
    scale_offset = torch.nn.Parameter(torch.tensor([10.0, 0.8]))  # logit = scale * (similarity - offset)
    opt = torch.optim.AdamW(list(heads.visual.parameters()) + [heads.visual_weights, scale_offset], lr=1e-3)
    pts, curve = sample_points(samples, "gt_"), []
    gen = torch.Generator().manual_seed(a.seed)
    for step in tqdm(range(a.steps), desc=f"direct heads on {what}", mininterval=2):
        idx = torch.randint(len(samples), (a.batch_size,), generator=gen).tolist()
        f = feats.get(idx)
        (_, V1), (_, V2) = heads(f["image1_altered"]), heads(f["image2"])  # the pair the val metric scores
        sims, labels = [], []
        for j, i in enumerate(idx):
            for where, label in (("in", 0.0), ("out", 1.0)):
                src, dst = (
                    flat_points(pts[i][f"gt_points_{where}1"], grid),
                    flat_points(pts[i][f"gt_points_{where}2"], grid),
                )
                if len(src):
                    sims.append((V1[j].flatten(1)[:, src] * V2[j].flatten(1)[:, dst]).sum(0))
                    labels.append(torch.full((len(src),), label))
        s, y = torch.cat(sims), torch.cat(labels)
        if 0 < y.mean() < 1:
            w = torch.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # altered points are the minority
        else:
            w = torch.ones_like(y)
        loss = F.binary_cross_entropy_with_logits(scale_offset[0] * (s - scale_offset[1]), y, weight=w)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % max(1, a.steps // 6) == 0:
            curve.append((step + 1, auroc(evaluate(heads.eval(), cache_val, val, "gt_"))))
            heads.train()
    return heads.eval(), curve


def pixel_references(samples) -> dict:
    "AUROC of minus the colour distance at the exact correspondence (I'1 vs I2 on the grid): RGB and chromaticity."
    pts, scores = sample_points(samples, "gt_"), {name: {"in": [], "out": []} for name in ("rgb", "chromaticity")}
    for i, s in enumerate(samples):
        rgb = [F.adaptive_avg_pool2d(s[k][None].float(), grid)[0].flatten(1) for k in ("image1_altered", "image2")]
        for name, (im1, im2) in (("rgb", rgb), ("chromaticity", [x / (x.sum(0, keepdim=True) + 1e-3) for x in rgb])):
            for where in ("in", "out"):
                src, dst = (
                    flat_points(pts[i][f"gt_points_{where}1"], grid),
                    flat_points(pts[i][f"gt_points_{where}2"], grid),
                )
                scores[name][where].append(-(im1[:, src] - im2[:, dst]).abs().sum(0))
    out = {}
    for name, d in scores.items():
        pos, neg = torch.cat(d["out"]).numpy(), torch.cat(d["in"]).numpy()
        out[name] = float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))
    return out


t0 = time.perf_counter()
rows = {
    "raw backbone features": auroc(evaluate(None, cache_val, val, "gt_")),
    f"trained heads ({a.model})": auroc(evaluate(trained, cache_val, val, "gt_")),
}
_, curve_train = fit_direct(train, cache_train, f"train ({len(train)} pairs)")
rows["direct heads fitted on train (held-out val)"] = curve_train[-1][1]
_, curve_val = fit_direct(val, cache_val, f"val ({len(val)} pairs)")
rows["direct heads fitted on val itself (upper bound)"] = curve_val[-1][1]
pixels = pixel_references(val)
print(
    f"\nval split, {len(val)} pairs: AUROC of the best visual similarity on the target subject, unaltered vs altered "
    "points"
)
for k, v in rows.items():
    print(f"  {k:52s} {v:.3f}")
print(f"  direct heads, AUROC along training (train fit): {', '.join(f'{s}: {v:.3f}' for s, v in curve_train)}")
print(f"  direct heads, AUROC along training (val fit):   {', '.join(f'{s}: {v:.3f}' for s, v in curve_val)}")
print(
    "pixel colours at the exact correspondence (no best-match search): "
    + ", ".join(f"{k} {v:.3f}" for k, v in pixels.items())
    + f"   [{time.perf_counter() - t0:.0f} s]"
)
if a.out:
    Path(a.out).write_text(
        json.dumps(
            {
                "auroc": rows,
                "curves": {"train": curve_train, "val": curve_val},
                "pixels": pixels,
                "steps": a.steps,
                "n_val": len(val),
                "n_train": len(train),
            },
            indent=1,
        )
    )
