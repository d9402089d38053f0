"""Sweep the Ψs/Ψv training settings on a dataset folder and print the validation metrics of each (trained vs raw
backbone).

A design tool, not part of the pipeline: it calls `train_disentangler` (what the `train` stage runs) once per setting,
on any device (a GPU makes a sweep of several full trainings take minutes). The settings not given in a variant
come from the `train` group of params.yaml.

    python benchmarks/sweep_heads.py DATASET_DIR [--n-train 0] [--n-val 100] [--out sweep.json]
        [--variant '{"name": "q128", "proj_dim": 128}' ...] [--cache-dir data/train/cache] [--probe 80]
    python benchmarks/sweep_heads.py --glitch 600 [--n-val 100] ...

With --glitch N instead of DATASET_DIR, the heads train on N GlitchWorld pairs of the `train` split with one part
re-textured (`train_data.glitch_samples`, exact correspondences) and validate on --n-val such pairs of `val`: no
dataset stage needed, which isolates the heads and the backbone from the inpainter's alterations.

With --probe N, each variant's model is also measured on N pairs of the appearance probe (nbs/13_probe: held-out
pairs, operators the dataset never uses), and the held-out operators' point AUROC and VSM-oracle Spearman are printed.
A variant may also set `timestep` (the backbone's) and `grid`. With --pixels, the layer name `pixels` (the input image
itself, 3 channels) can be added to a variant's layers: not the method (the heads must read a frozen diffusion
backbone), a diagnostic of whether the heads and the loss can learn appearance when the information is in their input.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
import yaml

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.losses import LossConfig
from mind_the_glitch.store import load_dataset
from mind_the_glitch.train import train_disentangler

ap = argparse.ArgumentParser()
ap.add_argument("dataset_dir", nargs="?", default=None)
ap.add_argument("--glitch", type=int, default=0, help="train on this many re-textured GlitchWorld pairs (no dataset)")
ap.add_argument("--n-train", type=int, default=0)
ap.add_argument("--n-val", type=int, default=100)
ap.add_argument("--variant", action="append", default=[], help="JSON object: name plus train-param overrides")
ap.add_argument("--out", default=None)
ap.add_argument("--backbone", default=None, help="an embedded backbone folder (default: the shipped weights)")
ap.add_argument("--device", default="auto")
ap.add_argument(
    "--same-appearance", action="store_true", help="with --glitch: one new look in both views (the pre-fix data)"
)
ap.add_argument(
    "--same-lighting", action="store_true", help="with --glitch: view 2 under view 1's lighting and tint (diagnostic)"
)
ap.add_argument(
    "--colours-only",
    type=float,
    default=0.0,
    help="with --glitch: the share of train pairs whose part keeps its pattern and gets new colours (val unchanged)",
)
ap.add_argument("--pixels", action="store_true", help="offer the input pixels as a layer named 'pixels' (diagnostic)")
ap.add_argument("--probe", type=int, default=0, help="also measure each model on this many appearance-probe pairs")
ap.add_argument(
    "--cache-dir",
    default=None,
    help="feature cache to reuse (e.g. data/train/cache: same layers, grid, samples, backbone)",
)
a = ap.parse_args()


class WithPixels(EmbeddedFeatures):
    "The embedded backbone plus a layer `pixels`: the input image at the feature grid (a diagnostic, not the method)."

    @property
    def layer_names(self) -> list[str]:
        return super().layer_names + ["pixels"]

    def check_layers(self, layers):
        return super().check_layers([n for n in layers if n != "pixels"])

    def forward(self, images, layers=None, grid=None):
        layers = list(layers) if layers is not None else self.layer_names
        out = super().forward(images, [n for n in layers if n != "pixels"], grid) if layers != ["pixels"] else {}
        if "pixels" in layers:
            g = grid if grid is not None else self.grid
            x = images.to(self.device, torch.float32)
            out["pixels"] = torch.nn.functional.adaptive_avg_pool2d(x, g) if g is not None else x
        return {n: out[n] for n in layers}


def load_backbone(timestep: int) -> EmbeddedFeatures:
    return (WithPixels if a.pixels else EmbeddedFeatures).from_pretrained(a.backbone, device=dev, timestep=timestep)


p = yaml.safe_load(open(Path(__file__).resolve().parents[1] / "params.yaml"))["train"]
variants = [json.loads(v) for v in a.variant] or [{"name": "params.yaml"}]
dev = ("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device
backbone = load_backbone(100)
take = lambda ds, n: [ds[i] for i in range(len(ds) if not n else min(n, len(ds)))]
if a.glitch:
    from mind_the_glitch.train_data import glitch_samples

    looks = dict(same_appearance=a.same_appearance, same_lighting=a.same_lighting)
    train = glitch_samples(a.glitch, "train", colours_only_fraction=a.colours_only, **looks)
    val = glitch_samples(a.n_val, "val", **looks)
elif a.dataset_dir:
    train, val = (
        take(load_dataset(a.dataset_dir, "train"), a.n_train),
        take(load_dataset(a.dataset_dir, "val"), a.n_val),
    )
else:
    ap.error("give DATASET_DIR or --glitch N")
print(f"{len(train)} train / {len(val)} val samples on {dev}", flush=True)
results = []
for v in variants:
    s = {**p, **{k: x for k, x in v.items() if k != "name"}}
    loss = (LossConfig.code if s["loss_variant"] == "code" else LossConfig)(
        alpha=float(s["alpha"]), temperature=float(s["temperature"])
    )
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp())
    if "timestep" in v:
        backbone = load_backbone(int(v["timestep"]))
    res = train_disentangler(
        backbone,
        train,
        val,
        work / "model",
        layers=str(s["layers"]).split(","),
        proj_dim=int(s["proj_dim"]),
        num_groups=int(s["num_groups"]),
        grid=int(v.get("grid", 32)),
        loss=loss,
        correspondences=s["correspondences"],
        epochs=int(s["epochs"]),
        batch_size=int(s["batch_size"]),
        lr=float(s["lr"]),
        weight_decay=float(s["weight_decay"]),
        progress=False,
        cache_dir=a.cache_dir,
    )
    row = {
        "name": v.get("name", "?"),
        "settings": {k: s[k] for k in ("layers", "proj_dim", "loss_variant", "alpha", "epochs", "lr")},
        "seconds": round(time.perf_counter() - t0, 1),
        "trained": res["val"],
        "raw": res["val_raw_backbone"],
        "calibration": {k: res["val_calibration"].get(k) for k in ("threshold", "spearman", "n_pairs")},
    }
    if a.probe:
        from mind_the_glitch.disentangle import MindTheGlitch
        from mind_the_glitch.probe import ProbeConfig, make_probe_set, measure_probe, summarise_probe
        from mind_the_glitch.scorer import resolve_visual_threshold
        from mind_the_glitch.world import GlitchWorld

        model = MindTheGlitch.from_pretrained(work / "model", device=dev, backbone=backbone).eval()
        threshold, _ = resolve_visual_threshold(model, "auto")
        items = make_probe_set(GlitchWorld(seed=0), ProbeConfig(n_pairs=a.probe))
        pairs, points = measure_probe(model, items, 16, threshold)
        row["probe"] = summarise_probe(pairs, points, threshold)
        held, vsm = row["probe"]["point_auroc"]["held_out"], row["probe"]["vsm"]
        print(
            f"{'':>14s}  probe: held-out point AUROC visual {held['visual']:.3f} semantic {held['semantic']:.3f} pixel "
            f"{held['pixel']:.3f}; VSM Spearman {vsm['spearman'] or float('nan'):.3f} (held out "
            f"{vsm['held_out']['spearman'] or float('nan'):.3f}); control delta {vsm['control_delta']:.3f}",
            flush=True,
        )
    results.append(row)
    t, r = row["trained"], row["raw"]
    print(
        f"{row['name']:>14s}: AUROC {t['visual_separation_auroc']:.3f} (raw {r['visual_separation_auroc']:.3f}) | "
        "match in/out @0.6 "
        f"{t['visual_match_rate_in@0.6']:.3f}/{t['visual_match_rate_out@0.6']:.3f} @0.7 "
        f"{t['visual_match_rate_in@0.7']:.3f}/"
        f"{t['visual_match_rate_out@0.7']:.3f} | sem acc in/out "
        f"{t['semantic_accuracy_in']:.3f}/{t['semantic_accuracy_out']:.3f} "
        f"| VSM-oracle Spearman {row['calibration']['spearman'] or float('nan'):.3f} at T_v "
        f"{row['calibration']['threshold']} "
        f"| {row['seconds']:.0f} s",
        flush=True,
    )
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1, default=str))
