"""Throughput of the dataset pipeline (default profile components) on this machine.

Usage: python benchmarks/bench_dataset.py [--n 200] [--weights PATH|checkpoint|random] [--threads 2]
Generates `--n` train samples into a temporary folder with the default-profile settings of params.yaml
(group `dataset`) and prints samples/s, the projected time of the default profile (train+val+test) and the
machine load, which matters: other jobs on the same cores slow this down.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch
import yaml

from mind_the_glitch.alter import DDPMInpainter
from mind_the_glitch.backbone import EmbeddedFeatures, embedded_scheduler, embedded_unet_config
from mind_the_glitch.dataset import DatasetPipeline
from mind_the_glitch.dataset_stage import DatasetStageConfig
from mind_the_glitch.filters import BackboneDistance, FilterConfig, calibrate_perceptual, calibrate_skewness
from mind_the_glitch.regions import PartMapProposer, resolve_layer
from mind_the_glitch.sampling import EmbeddedDiffusion
from mind_the_glitch.segment import ExactMasks
from mind_the_glitch.sources import GlitchWorldSource
from mind_the_glitch.store import generate_split

root = Path(__file__).resolve().parents[1]
ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=200)
ap.add_argument(
    "--weights", default=None, help="None: shipped weights; 'checkpoint': data/backbone/checkpoint; 'random'"
)
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)
p = yaml.safe_load((root / "params.yaml").read_text())["dataset"]
if args.weights == "random":
    fx, note = EmbeddedFeatures.random(seed=0, device="cpu"), "random"
elif args.weights == "checkpoint":
    from diffusers import UNet2DModel

    from mind_the_glitch.core import load_checkpoint

    st, info = load_checkpoint(root / "data/backbone/checkpoint")
    u = UNet2DModel(**embedded_unet_config())
    u.load_state_dict(st["model"])
    fx, note = EmbeddedFeatures(u, embedded_scheduler(), timestep=100), f"checkpoint step {info['step']}"
else:
    fx, note = EmbeddedFeatures.from_pretrained(args.weights, device="cpu", timestep=100), "shipped"
layer, _ = resolve_layer(root / "data/metrics/backbone.json", p["fallback_layer"])
ranks = tuple(int(r) for r in str(p["candidate_ranks"]).split(","))
dist = BackboneDistance(fx, layers=str(p["perceptual_layers"]).split(","))
t0 = time.perf_counter()
cfg0 = FilterConfig(match_score_min=p["match_score_min"], candidate_ranks=ranks)
sk = (
    calibrate_skewness(fx, layer, n=p["calibration_pairs"], cfg=cfg0)["threshold"]
    if p["skewness_min"] == "auto"
    else float(p["skewness_min"])
)
pc = (
    calibrate_perceptual(dist, n=p["calibration_pairs"])["threshold"]
    if p["perceptual_min"] == "auto"
    else float(p["perceptual_min"])
)
t_cal = time.perf_counter() - t0
filters = FilterConfig(
    match_score_min=p["match_score_min"],
    candidate_ranks=ranks,
    skewness_min=sk,
    region_min=p["region_min"],
    region_max=p["region_max"],
    aspect_ratio_diff_max=p["aspect_ratio_diff_max"],
    relative_size_diff_max=p["relative_size_diff_max"],
    perceptual_min=pc,
)
settings = DatasetStageConfig.from_params(yaml.safe_load((root / "params.yaml").read_text())).inpaint_settings
inp = DDPMInpainter(EmbeddedDiffusion.from_features(fx), settings)
pipe = DatasetPipeline(
    GlitchWorldSource(0, split="train"),
    ExactMasks(),
    fx,
    layer,
    PartMapProposer(),
    inp,
    dist,
    filters,
    retexture_fraction=p["retexture_fraction"],
)
with tempfile.TemporaryDirectory() as d:
    st = generate_split(
        pipe, Path(d) / "train", args.n, batch_size=p["batch_size"], max_attempts=p["max_attempts_factor"] * args.n
    )
total = p["n_train"] + p["n_val"] + p["n_test"]
rate = st["samples_per_second"]
out = {
    "backbone": note,
    "layer": layer,
    "threads": args.threads,
    "samples": st["samples"],
    "seconds": round(st["seconds"], 1),
    "samples_per_second": round(rate, 3),
    "acceptance": round(st["samples"] / max(1, st["source_pairs_seen"]), 3),
    "calibration_seconds": round(t_cal, 1),
    "projected_default_profile_minutes": round((total / rate + t_cal) / 60, 1) if rate else None,
    "load_average": os.getloadavg(),
    "pair_rejections": st["pair_rejections"],
}
print(json.dumps(out, indent=1))
