"""Retrain the embedded DDPM on a bare GPU machine without papermill or DVC: the two calls of
nbs/03_backbone_train.ipynb (`render_training_views`, `train_ddpm`) with the `backbone_train` group of params.yaml.

    python tools/gpu_retrain_backbone.py OUT_DIR [--params params.yaml] [--override PROFILE.yaml]
        [--set backbone_train.KEY=VALUE ...] [--workers N] [--max-minutes M] [--auto-batch 64,256,1024]

`make retrain-backbone` is the normal route (it runs the notebook through DVC); this is for a GPU machine that has
torch but not the notebook stack (`tools/device_backbone.sh` is the whole call on a lent device). The run resumes
from OUT_DIR/checkpoint and writes OUT_DIR/glitch-ddpm, plus EMA snapshots under OUT_DIR/snapshots every
`snapshot_every` steps.

--workers: processes rendering the training views (default: every core; the views are the same for any number).
--max-minutes: wall-clock budget of the whole run, rendering included. Training stops at the first step past it, with
a checkpoint to resume from, and OUT_DIR/glitch-ddpm holds that step's EMA model (`steps_done` in its
training.json). With the constant learning rate, that model is the one a run of `steps: steps_done` gives.
--auto-batch: before training, train a fresh model for --probe-seconds at each of these batch sizes and measure
samples per second; train at the smallest batch within 80 % of the fastest (a larger one would only cut the number of
steps), with the learning rate scaled by sqrt(batch / params batch) (the square-root rule for Adam). The table and the
choice go to OUT_DIR/batch_probe.json, which a resumed run reuses instead of probing again.
"""

import argparse
import dataclasses
import json
import math
import os
import tempfile
import time
from pathlib import Path

import torch
from run_stage import with_overrides

from mind_the_glitch.backbone_train import BackboneTrainConfig, render_training_views, train_ddpm
from mind_the_glitch.core import load_checkpoint, load_params
from mind_the_glitch.world import GlitchWorld

SAVE_MARGIN_S = 30  # the final checkpoint and EMA model are written after the budget's last step
FAST_ENOUGH = 0.8  # --auto-batch: the smallest batch within this share of the fastest samples/s


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--override", default=None, help="a profile merged onto --params")
    ap.add_argument("--set", action="append", default=[], metavar="GROUP.KEY=VALUE", help="override one param")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="render processes (default: every core)")
    ap.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget of the whole run")
    ap.add_argument("--auto-batch", default=None, metavar="B1,B2,...", help="probe these batch sizes, pick one")
    ap.add_argument("--probe-seconds", type=float, default=12.0, help="training time per probed batch size")
    return ap.parse_args(argv)


def first_step(checkpoint: Path) -> int:
    "The step a run resumes from: its checkpoint's, or 0."
    return int(load_checkpoint(checkpoint)[1]["step"]) if checkpoint.exists() else 0


def probe_batch_sizes(images, labels, config: BackboneTrainConfig, sizes: list[int], seconds: float) -> list[dict]:
    "Samples per second of a fresh model trained for `seconds` at each batch size, the config otherwise."
    rows = []
    for size in sizes:
        trial = dataclasses.replace(
            config, batch_size=size, steps=10**9, checkpoint_every=10**9, snapshot_every=0, log_every=10**9
        )
        with tempfile.TemporaryDirectory() as folder:
            final = train_ddpm(folder, images, labels, trial, max_seconds=seconds)
            info = json.loads((final / "training.json").read_text())
        steps, spent = info["steps_done"], info["train_seconds_this_run"]
        rows.append({"batch_size": size, "steps": steps, "seconds": spent, "samples_per_s": steps * size / spent})
        print(f"batch {size:5d}: {steps / spent:6.1f} steps/s, {steps * size / spent:8.0f} samples/s", flush=True)
    return rows


def choose_batch(rows: list[dict], share: float = FAST_ENOUGH) -> int:
    "The smallest probed batch size whose samples/s is within `share` of the fastest."
    fastest = max(r["samples_per_s"] for r in rows)
    return min(r["batch_size"] for r in rows if r["samples_per_s"] >= share * fastest)


def scaled_lr(lr: float, batch_size: int, new_batch_size: int) -> float:
    "The square-root scaling rule for Adam: `lr` at `batch_size` becomes `lr·sqrt(new / old)`."
    return lr * math.sqrt(new_batch_size / batch_size)


def auto_batch(images, labels, config: BackboneTrainConfig, args, out_dir: Path) -> BackboneTrainConfig:
    "The config at the probed batch size and its scaled learning rate (reusing OUT_DIR/batch_probe.json if present)."
    record = out_dir / "batch_probe.json"
    if record.is_file():
        probe = json.loads(record.read_text())
        print(f"reusing {record}: batch {probe['batch_size']}, lr {probe['lr']:.3g}", flush=True)
    else:
        sizes = [int(b) for b in args.auto_batch.split(",")]
        rows = probe_batch_sizes(images, labels, config, sizes, args.probe_seconds)
        size = choose_batch(rows)
        probe = {"rows": rows, "batch_size": size, "lr": scaled_lr(config.lr, config.batch_size, size)}
        out_dir.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(probe, indent=1) + "\n")
        print(f"chosen: batch {size}, lr {probe['lr']:.3g} (params: batch {config.batch_size}, lr {config.lr:g})")
    return dataclasses.replace(config, batch_size=probe["batch_size"], lr=probe["lr"])


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    params = with_overrides(load_params(args.params, args.override), args.set)
    config = BackboneTrainConfig.from_params(params)
    world = GlitchWorld(seed=config.seed, size=config.image_size)
    images, labels = render_training_views(world, config.n_subjects, config.views_per_subject, workers=args.workers)
    print(f"rendered {len(images)} views in {time.perf_counter() - t0:.0f} s with {args.workers} processes", flush=True)
    if config.prefetch > 0:  # one intra-op thread per batch builder, so that they do not oversubscribe the cores
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // (config.prefetch + 1)))
    torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest convolutions
    if args.auto_batch:
        config = auto_batch(images, labels, config, args, Path(args.out_dir))
    budget = None
    if args.max_minutes is not None:
        budget = max(1.0, 60 * args.max_minutes - (time.perf_counter() - t0) - SAVE_MARGIN_S)
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
