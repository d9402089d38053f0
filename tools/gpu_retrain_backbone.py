"""Retrain the embedded DDPM on a bare GPU machine without papermill or DVC: the two calls of nbs/03_backbone_train.ipynb
(`render_training_views`, `train_ddpm`) with the `base` and `backbone_train` groups of params.yaml.

    python tools/gpu_retrain_backbone.py OUT_DIR [--budget-s 330]

`make retrain-backbone` is the normal route (it runs the notebook through DVC); this is for a GPU machine that has torch
but not the notebook stack. dvclive is optional here: without it the loss curve is not logged. Before the run, a short
probe times the step; if `steps` would not fit in --budget-s, it trains the (rounded) number that fits instead and says
so: set params.yaml to the number actually trained (the result's training.json records it).
"""
import argparse, tempfile, time
from pathlib import Path

import yaml

from mind_the_glitch.backbone_train import render_training_views, train_ddpm
from mind_the_glitch.world import GlitchWorld

from dvclive_stub import ensure_dvclive   # tools/ is this script's folder, so on sys.path

ensure_dvclive()

ap = argparse.ArgumentParser()
ap.add_argument("out_dir"); ap.add_argument("--budget-s", type=float, default=None); ap.add_argument("--probe-steps", type=int, default=100)
ap.add_argument("--params", default="params.yaml")
a = ap.parse_args()
params = yaml.safe_load(open(a.params)); base, p = params["base"], params["backbone_train"]
t0 = time.perf_counter()
images, labels = render_training_views(GlitchWorld(seed=base["seed"], size=base["image_size"]), p["n_subjects"], p["views_per_subject"],
                                       workers=int(p["render_workers"]))
print(f"rendered {len(images)} views in {time.perf_counter() - t0:.0f} s", flush=True)
args = dict(batch_size=p["batch_size"], lr=p["lr"], warmup_steps=p["warmup_steps"], class_dropout=p["class_dropout"], seed=base["seed"],
            mixed_precision=p["mixed_precision"], image_size=base["image_size"])
if a.budget_s:   # two probes, so that the start-up (CUDA context, first kernels) cancels out of the step time
    def probe(n):
        t = time.perf_counter()
        train_ddpm(tempfile.mkdtemp(), images, labels, steps=n, checkpoint_every=10**9, log_every=10**9, **{**args, "warmup_steps": 1})
        return time.perf_counter() - t
    short = max(5, a.probe_steps // 4); per_step = max(1e-4, (probe(a.probe_steps + short) - probe(short)) / a.probe_steps)
    print(f"probe: {per_step * 1000:.1f} ms/step (batch {p['batch_size']}) -> {p['steps']} steps ~ {per_step * p['steps']:.0f} s", flush=True)
    if per_step * p["steps"] > a.budget_s:
        fit = min(p["steps"], max(100, int(a.budget_s / per_step) // 100 * 100))
        print(f"!! steps={p['steps']} would take ~{per_step * p['steps']:.0f} s > budget {a.budget_s:.0f} s: training {fit} steps instead; "
              f"set backbone_train.steps: {fit} in params.yaml", flush=True)
        p["steps"] = fit
t1 = time.perf_counter()
final = train_ddpm(a.out_dir, images, labels, steps=p["steps"], checkpoint_every=p["checkpoint_every"], log_every=25, **args)
print(f"trained {p['steps']} steps x {p['batch_size']} in {time.perf_counter() - t1:.0f} s -> {final}", flush=True)
