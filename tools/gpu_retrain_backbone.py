"""Retrain the embedded DDPM on a bare GPU machine without papermill or DVC: the two calls of
nbs/03_backbone_train.ipynb (`render_training_views`, `train_ddpm`) with the `backbone_train` group of params.yaml.

    python tools/gpu_retrain_backbone.py OUT_DIR [--params params.yaml] [--override PROFILE.yaml]
        [--set backbone_train.KEY=VALUE ...] [--workers N] [--max-minutes M]

`make retrain-backbone` is the normal route (it runs the notebook through DVC); this is for a GPU machine that has
torch but not the notebook stack (`tools/device_backbone.sh` is the whole call on a lent device). The run resumes
from OUT_DIR/checkpoint and writes OUT_DIR/glitch-ddpm, plus EMA snapshots under OUT_DIR/snapshots every
`snapshot_every` steps.

--workers: processes rendering the training views (default: every core; the views are the same for any number).
--max-minutes: wall-clock budget of the whole run, rendering included. Training stops at the first step past it, with
a checkpoint to resume from, and OUT_DIR/glitch-ddpm holds that step's EMA model (`steps_done` in its
training.json). With the constant learning rate, that model is the one a run of `steps: steps_done` gives.
"""

import argparse
import json
import os
import time
from pathlib import Path

from run_stage import with_overrides

from mind_the_glitch.backbone_train import BackboneTrainConfig, render_training_views, train_ddpm
from mind_the_glitch.core import load_checkpoint, load_params
from mind_the_glitch.world import GlitchWorld

SAVE_MARGIN_S = 30  # the final checkpoint and EMA model are written after the budget's last step


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--override", default=None, help="a profile merged onto --params")
    ap.add_argument("--set", action="append", default=[], metavar="GROUP.KEY=VALUE", help="override one param")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="render processes (default: every core)")
    ap.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget of the whole run")
    return ap.parse_args(argv)


def first_step(checkpoint: Path) -> int:
    "The step a run resumes from: its checkpoint's, or 0."
    return int(load_checkpoint(checkpoint)[1]["step"]) if checkpoint.exists() else 0


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    params = with_overrides(load_params(args.params, args.override), args.set)
    config = BackboneTrainConfig.from_params(params)
    world = GlitchWorld(seed=config.seed, size=config.image_size)
    images, labels = render_training_views(world, config.n_subjects, config.views_per_subject, workers=args.workers)
    rendered = time.perf_counter() - t0
    print(f"rendered {len(images)} views in {rendered:.0f} s with {args.workers} processes", flush=True)
    budget = None
    if args.max_minutes is not None:
        budget = max(1.0, 60 * args.max_minutes - rendered - SAVE_MARGIN_S)
        print(f"training budget: {budget:.0f} s", flush=True)
    start = first_step(Path(args.out_dir) / "checkpoint")
    t1 = time.perf_counter()
    final = train_ddpm(args.out_dir, images, labels, config, max_seconds=budget)
    seconds = time.perf_counter() - t1
    done = json.loads((final / "training.json").read_text())["steps_done"]
    print(
        f"trained steps {start}-{done} of {config.steps} (batch {config.batch_size}) in {seconds:.0f} s: "
        f"{(done - start) / seconds:.1f} steps/s -> {final}",
        flush=True,
    )


if __name__ == "__main__":
    main()
