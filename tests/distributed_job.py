"""One tiny run of heads training and dataset generation, for tests/test_distributed.py.

    python tests/distributed_job.py OUT GLOBAL_BATCH
    accelerate launch --num_processes 2 --cpu tests/distributed_job.py OUT GLOBAL_BATCH

Each process trains with `GLOBAL_BATCH / processes` samples per step (the same global batch at any process count) and
generates its shard of the dataset; the heads land in OUT/heads and the dataset in OUT/dataset/val.
"""

import sys
from pathlib import Path

import torch
from accelerate import Accelerator

from mind_the_glitch.alter import DDPMInpainter
from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.dataset import DatasetPipeline
from mind_the_glitch.filters import BackboneDistance, FilterConfig
from mind_the_glitch.regions import PartMapProposer
from mind_the_glitch.sampling import EmbeddedDiffusion, InpaintSettings
from mind_the_glitch.segment import ExactMasks
from mind_the_glitch.sources import GlitchWorldSource
from mind_the_glitch.store import generate_split
from mind_the_glitch.train import train_disentangler
from mind_the_glitch.train_data import glitch_samples

out, global_batch = Path(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
acc = Accelerator(cpu=True)
backbone = EmbeddedFeatures.random(seed=0, device="cpu")
train_samples, val_samples = glitch_samples(8, "train", grid=16), glitch_samples(2, "val", grid=16)
train_disentangler(
    backbone,
    train_samples,
    val_samples,
    out / "heads",
    layers=["us2", "us3"],
    grid=16,
    proj_dim=16,
    num_groups=4,
    epochs=1,
    batch_size=global_batch // acc.num_processes,
    progress=False,
    correspondences="ground_truth",
    accelerator=acc,
    cache_dir=out / "cache",
    seed=0,
)
pipeline = DatasetPipeline(
    GlitchWorldSource(0, split="val"),
    ExactMasks(),
    backbone,
    "us6",
    PartMapProposer(),
    DDPMInpainter(EmbeddedDiffusion.from_features(backbone), InpaintSettings(steps=2)),
    BackboneDistance(backbone),
    FilterConfig(skewness_min=-10, perceptual_min=0.0),
    retexture_fraction=0.5,
)
generate_split(pipeline, out / "dataset" / "val", 6, batch_size=2, accelerator=acc, progress=False)
