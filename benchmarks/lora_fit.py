"""Does the consistency study's LoRA learn its subjects? A fit check on held-out seeds, before the study is run.

    python benchmarks/lora_fit.py [--variants 0.002:8 0.01:8 ...] [--steps 300] [--seeds 4] [--views 8]
        [--json benchmarks/results/lora_fit.json] [--figure benchmarks/results/figures/lora_fit.png]

The study (`nbs/11_consistency.ipynb`) predicts that the LoRA, fitted to one subject per class, repeats that subject
and so is more consistent than the base generator. That prediction only means something if the LoRA fits. This
script fits the LoRA of each variant (lr:rank) exactly as the stage does (`lora_subjects`, `render_subject_views`,
`finetune_lora`) and samples every class from seeds the study never uses (10,000 + i), with the stage's sampler.

It reports, per variant:
- `subject_similarity`: the mean EfficientNet-Lite0 cosine similarity between a sample and its class's fitted
  subject (the mean embedding of the subject's training views); the base generator's is the reference;
- `pixel_change`: the mean |LoRA − base| per pixel on the same seeds, in [0, 1].

It never computes the study's consistency scores, so choosing a variant here does not tune the study on its result.

--views sets the views per subject (default: the stage's); --targets the LoRA's target modules (default:
`lora.LORA_TARGETS`). Results (lr 0.002, rank 8, 300 steps; the table in nbs/11b_lora.ipynb):
- lora_fit.json: 8 views, without time_emb_proj (the stage before 2026-12-02): 0.645 -> 0.648, pixel change 0.029;
- lora_fit_views2.json / lora_fit_views1.json: 2 and 1 views, without: 0.623 -> 0.637 and 0.582 -> 0.616;
- lora_fit_temb_views8.json / lora_fit_temb_views1.json: with time_emb_proj (the class's way into every ResNet block):
  0.645 -> 0.630 and 0.582 -> 0.580, pixel change 0.037 and 0.071. The similarity misses what the figures show: with
  one view, most classes take their subject's pattern and colour. That is the stage's setting now.
"""

import argparse
import json
import time
from pathlib import Path

import torch

from mind_the_glitch.core import load_params
from mind_the_glitch.effnet import EffNetPooled
from mind_the_glitch.lora import LORA_TARGETS, finetune_lora, lora_subjects, render_subject_views
from mind_the_glitch.sampling import EmbeddedDiffusion, SamplingSettings, generate
from mind_the_glitch.world import CATEGORIES, GlitchWorld

ROOT = Path(__file__).resolve().parents[1]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--variants", nargs="+", default=["0.002:8", "0.01:8"], help="lr:rank pairs")
parser.add_argument("--steps", type=int, default=None, help="LoRA steps (default: params.yaml consistency.lora_steps)")
parser.add_argument("--seeds", type=int, default=4, help="held-out seeds per class")
parser.add_argument("--views", type=int, default=None, help="views per subject (default: consistency.lora_views)")
parser.add_argument("--targets", default=None, help="comma-separated LoRA target modules (default: LORA_TARGETS)")
parser.add_argument("--json", default=None)
parser.add_argument("--figure", default=None)
args = parser.parse_args()
targets = args.targets.split(",") if args.targets else LORA_TARGETS

params = load_params(ROOT / "params.yaml")["consistency"]
steps = args.steps or params["lora_steps"]
torch.set_num_threads(params["threads"])
base = EmbeddedDiffusion.from_pretrained(device="cpu")
world = GlitchWorld(seed=0, size=base.image_size)
subjects = lora_subjects(world, list(CATEGORIES))
n_views = args.views or params["lora_views"]
views, labels = render_subject_views(world, subjects, n_views)
classes = [c for c in range(len(CATEGORIES)) for _ in range(args.seeds)]
seeds = [10_000 + i for _ in CATEGORIES for i in range(args.seeds)]


def sample(model) -> torch.Tensor:
    return generate(model, classes, seeds, SamplingSettings(params["steps"], params["sampler"], params["guidance"]))


encoder = EffNetPooled(device="cpu")
subject_embedding = torch.nn.functional.normalize(
    encoder.embed(views.float() / 255).unflatten(0, (len(CATEGORIES), -1)).mean(1), dim=-1
)


def subject_similarity(images: torch.Tensor) -> float:
    emb = torch.nn.functional.normalize(encoder.embed(images), dim=-1)
    return float((emb * subject_embedding[torch.tensor(classes)]).sum(-1).mean())


base_images = sample(base)
rows = {"base": {"subject_similarity": subject_similarity(base_images)}}
grids = {"base": base_images}
for variant in args.variants:
    lr_text, rank_text = variant.split(":")
    lr, rank = float(lr_text), int(rank_text)
    start = time.perf_counter()
    with torch.enable_grad():
        model, losses = finetune_lora(
            base,
            views,
            labels,
            steps=steps,
            batch_size=params["lora_batch"],
            lr=lr,
            rank=rank,
            seed=0,
            class_dropout=params["lora_dropout"],
            targets=targets,
        )
    fit_s = time.perf_counter() - start
    images = sample(model)
    grids[variant] = images
    rows[variant] = {
        "lr": lr,
        "rank": rank,
        "steps": steps,
        "fit_s": round(fit_s, 1),
        "loss_first": sum(losses[:10]) / 10,
        "loss_last": sum(losses[-10:]) / 10,
        "subject_similarity": subject_similarity(images),
        "pixel_change": float((images - base_images).abs().mean()),
    }
    print(variant, json.dumps(rows[variant]))
print(json.dumps(rows, indent=1))
if args.json:
    Path(args.json).write_text(
        json.dumps(
            {"held_out_seeds": sorted(set(seeds)), "views": n_views, "targets": list(targets), "variants": rows},
            indent=1,
        )
        + "\n"
    )
if args.figure:
    import matplotlib.pyplot as plt

    names = list(grids)
    fig, axes = plt.subplots(len(names) + 1, len(CATEGORIES), figsize=(1.4 * len(CATEGORIES), 1.5 * (len(names) + 1)))
    for c, name in enumerate(CATEGORIES):
        axes[0, c].imshow(views[c * n_views].permute(1, 2, 0).numpy())
        axes[0, c].set_title(name, fontsize=8)
        for r, g in enumerate(names, start=1):
            axes[r, c].imshow(grids[g][c * args.seeds].permute(1, 2, 0).clamp(0, 1).numpy())
    for r, label in enumerate(["fitted subject"] + names):
        axes[r, 0].set_ylabel(label, fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("LoRA fit on held-out seeds: subject (row 1), base, then each lr:rank variant", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.figure, dpi=90)
