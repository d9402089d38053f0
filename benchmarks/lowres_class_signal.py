"""How fine a detail must a generated sample get right to be recognised as its class? (issue 19)

The generation metric `class_accuracy` asks the backbone_eval classifier (logistic regression on EfficientNet-Lite0
features, fitted on full-resolution renders) to name the class of each sample. This measures what that classifier
still recognises when renders keep only their coarse layout: each held-out test render is area-downsampled to
`side` x `side` pixels and upsampled back (bilinear) to 64 px.

- `full_classifier`: the metric's classifier (fitted on 64 px train renders) on the low-resolution test renders: what
  a generator that gets the layout right at `side` px, and nothing finer, would score.
- `matched_classifier`: a classifier fitted on train renders degraded the same way: how much of the class the
  `side`-px layout carries at all, for any classifier of this kind.

It bounds layout-first designs (a cascade whose base stage draws `side`-px images): if `matched_classifier` is far
below 0.9 at `side`, the class lives in finer detail than that stage can draw.

    python benchmarks/lowres_class_signal.py [--train 2000] [--test 400] [--sides 8 16 32]
        [--out benchmarks/results/lowres_class_signal.json] [--figure PATH] [--figure-only]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from mind_the_glitch.core import save_figure
from mind_the_glitch.generation import CategoryClassifier, render_split
from mind_the_glitch.world import CATEGORIES, GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=int, default=2000, help="train renders the classifiers are fitted on")
parser.add_argument("--test", type=int, default=400, help="held-out test renders they are scored on")
parser.add_argument("--sides", type=int, nargs="+", default=[8, 16, 32])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--out", default="benchmarks/results/lowres_class_signal.json")
parser.add_argument("--figure", default="benchmarks/results/figures/lowres_class_signal.png")
parser.add_argument("--figure-only", action="store_true", help="draw the figure of example renders, measure nothing")
args = parser.parse_args()
torch.set_num_threads(args.threads)


def layout_only(images: torch.Tensor, side: int) -> torch.Tensor:
    "Renders with only their `side`-px layout: area-downsampled, then bilinearly upsampled to their size."
    small = F.interpolate(images, size=side, mode="area")
    return F.interpolate(small, size=images.shape[-1], mode="bilinear", align_corners=False)


def plot_layouts(images: torch.Tensor, labels: np.ndarray, sides: list[int]):
    "One test render per class (rows) at full resolution and with only its `sides`-px layout (columns)."
    import matplotlib.pyplot as plt

    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(len(CATEGORIES))]
    columns = [images.shape[-1], *sorted(sides, reverse=True)]
    fig, axes = plt.subplots(len(firsts), len(columns), figsize=(1.6 * len(columns), 1.6 * len(firsts)))
    for row, index in enumerate(firsts):
        for col, side in enumerate(columns):
            image = images[index : index + 1]
            shown = image if side == image.shape[-1] else layout_only(image, side)
            axes[row, col].imshow(shown[0].permute(1, 2, 0).clamp(0, 1).numpy())
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
            if row == 0:
                axes[row, col].set_title(f"{side} px")
        axes[row, 0].set_ylabel(list(CATEGORIES)[labels[index]])
    return fig


def accuracy(classifier: CategoryClassifier, images: torch.Tensor, labels: np.ndarray) -> float:
    "Share of `images` that `classifier` assigns to their class."
    return float((classifier.predict(classifier.embed(images)) == labels).mean())


t0 = time.perf_counter()
world = GlitchWorld(seed=0)
test_x, test_y = render_split(world, "test", args.test)
save_figure(plot_layouts(test_x, test_y, args.sides), args.figure, dpi=100)
if args.figure_only:
    raise SystemExit(0)
train_x, train_y = render_split(world, "train", args.train)
full = CategoryClassifier(seed=0)
full.fit(full.embed(train_x), train_y)
result = {"full_resolution": {"side": train_x.shape[-1], "accuracy": accuracy(full, test_x, test_y)}, "layout": {}}
print(f"{train_x.shape[-1]} px: {result['full_resolution']['accuracy']:.3f}", flush=True)
for side in args.sides:
    matched = CategoryClassifier(seed=0)
    matched.fit(matched.embed(layout_only(train_x, side)), train_y)
    low = layout_only(test_x, side)
    row = {"full_classifier": accuracy(full, low, test_y), "matched_classifier": accuracy(matched, low, test_y)}
    result["layout"][str(side)] = row
    print(
        f"{side} px: full classifier {row['full_classifier']:.3f}, matched {row['matched_classifier']:.3f}", flush=True
    )
result["chance"] = 1 / len(CATEGORIES)
result["settings"] = {"train": args.train, "test": args.test, "threads": args.threads}
result["seconds"] = round(time.perf_counter() - t0, 1)
out = Path(args.out)
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(result, indent=1) + "\n")
