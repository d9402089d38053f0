"""How much the class tells the embedded DDPM, per noise level: the clean-latent (x0) error of its prediction on
held-out renders (the `val` split) with the true class, the null class and a wrong class.

    python benchmarks/class_signal.py SNAPSHOT [SNAPSHOT ...] [--renders 128]
        [--json benchmarks/results/class_signal.json]

A model that draws by class gains most from the true label where the class decides the layout (high noise). In
GlitchWorld the subject fills ~14 % of a view, so even a perfect class-conditional model gains little in pixel error
there: the gain measures how much of the loss the class can explain at all.
"""

import argparse
import json
from pathlib import Path

import torch

from mind_the_glitch.backbone import NULL_CLASS
from mind_the_glitch.generation import render_split
from mind_the_glitch.sampling import EmbeddedDiffusion
from mind_the_glitch.world import CATEGORIES, GlitchWorld

TIMESTEPS = (999, 950, 900, 800, 700, 500, 300, 100)

parser = argparse.ArgumentParser()
parser.add_argument("snapshots", nargs="+", help="backbone folders (e.g. data/backbone/snapshots/step-014000)")
parser.add_argument("--renders", type=int, default=128)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--json", default=None, help="also write the table to this JSON file (merged by snapshot path)")
args = parser.parse_args()


def x0_error(unet, xt, t, classes, x0, batch: int) -> float:
    "Mean squared error of the UNet's clean-latent prediction (a `sample`-predicting model)."
    with torch.no_grad():
        parts = [
            unet(xt[i : i + batch], t[i : i + batch], class_labels=classes[i : i + batch]).sample
            for i in range(0, len(xt), batch)
        ]
    return float(((torch.cat(parts) - x0) ** 2).mean())


images, labels = render_split(GlitchWorld(seed=0), "val", args.renders)
true = torch.as_tensor(labels)
shift = torch.randint(1, len(CATEGORIES), true.shape, generator=torch.Generator().manual_seed(0))
wrong = (true + shift) % len(CATEGORIES)
null = torch.full_like(true, NULL_CLASS)
results = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).is_file() else {}
for snapshot in args.snapshots:
    gen = EmbeddedDiffusion.from_pretrained(snapshot, device="cpu")
    if gen.scheduler.config.prediction_type != "sample":
        raise SystemExit(f"{snapshot}: predicts {gen.scheduler.config.prediction_type!r}; this probe reads x0 models")
    unet, scheduler = gen.unet.eval(), gen.scheduler
    x0 = gen.codec.encode(images)
    g = torch.Generator().manual_seed(1)
    rows = []
    print(f"{snapshot}\n   t      SNR  x0 MSE true   null  wrong  gain over null  wrong-class loss")
    for step in TIMESTEPS:
        t = torch.full(true.shape, step)
        xt = scheduler.add_noise(x0, torch.randn(x0.shape, generator=g), t)
        alpha = float(scheduler.alphas_cumprod[step])
        err = {
            name: x0_error(unet, xt, t, c, x0, args.batch)
            for name, c in (("true", true), ("null", null), ("wrong", wrong))
        }
        row = dict(t=step, snr=alpha / (1 - alpha), **{f"mse_{k}": v for k, v in err.items()})
        row["gain_over_null"] = (err["null"] - err["true"]) / err["null"]
        row["wrong_class_loss"] = (err["wrong"] - err["true"]) / err["true"]
        rows.append(row)
        print(
            f"{step:4d} {row['snr']:8.4f}  {err['true']:.4f}  {err['null']:.4f} {err['wrong']:.4f}"
            f"      {row['gain_over_null']:+.3f}           {row['wrong_class_loss']:+.3f}",
            flush=True,
        )
    results[snapshot] = rows
if args.json:
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
