"""Retrain the embedded DDPM on a bare GPU machine without papermill or DVC: the two calls of
nbs/03_backbone_train.ipynb (`render_training_views`, `train_ddpm`) with the `backbone_train` group of params.yaml.

    python tools/gpu_retrain_backbone.py OUT_DIR [--params params.yaml] [--override PROFILE.yaml]

`make retrain-backbone` is the normal route (it runs the notebook through DVC); this is for a GPU machine that has
torch but not the notebook stack. The run resumes from OUT_DIR/checkpoint and writes OUT_DIR/glitch-ddpm, plus EMA
snapshots under OUT_DIR/snapshots every `snapshot_every` steps.
"""

import argparse
import time

from mind_the_glitch.backbone_train import BackboneTrainConfig, render_training_views, train_ddpm
from mind_the_glitch.core import load_params
from mind_the_glitch.world import GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("out_dir")
parser.add_argument("--params", default="params.yaml")
parser.add_argument("--override", default=None)
args = parser.parse_args()
config = BackboneTrainConfig.from_params(load_params(args.params, args.override))
t0 = time.perf_counter()
world = GlitchWorld(seed=config.seed, size=config.image_size)
images, labels = render_training_views(
    world, config.n_subjects, config.views_per_subject, workers=config.render_workers
)
print(f"rendered {len(images)} views in {time.perf_counter() - t0:.0f} s", flush=True)
t1 = time.perf_counter()
final = train_ddpm(args.out_dir, images, labels, config)
print(f"trained {config.steps} steps x {config.batch_size} in {time.perf_counter() - t1:.0f} s -> {final}", flush=True)
