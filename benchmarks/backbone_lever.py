"""Does a longer-trained embedded backbone move issue 4's criterion? (a GPU design experiment, not part of the pipeline)

Fine-tunes the shipped DDPM for more steps (fresh warm-up, new batches, more subjects), then, for the shipped and the
fine-tuned backbone alike: PCK per layer on held-out GlitchWorld test pairs (how semantic the raw features are) and
`train_disentangler` with params.yaml's `train` settings on a dataset folder (val metrics, trained heads vs raw
features: the visual separation AUROC of issue 4). Results are written after every step, so a run cut short keeps
what it finished.

    python benchmarks/backbone_lever.py OUT_DIR --dataset .sweep/dataset [--n-val 60] [--budget-s 300]
        [--n-subjects 10000] [--steps 0 (= as many as fit in --budget-s)] [--pck-pairs 200]

The dataset's images were made with the shipped backbone (its inpainter and filters); only the features change here.
The H200 run in benchmarks/results/backbone_lever_h200.json predates the fix that put `points_batch` on the features'
device (the training loop crashed on CUDA); that run moved the points there from this script.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path

import torch
import yaml

from mind_the_glitch.backbone import EMBEDDED_WEIGHTS, EmbeddedFeatures
from mind_the_glitch.backbone_train import render_training_views, train_ddpm
from mind_the_glitch.core import save_checkpoint
from mind_the_glitch.correspondence import evaluate_pck
from mind_the_glitch.dataset import load_dataset
from mind_the_glitch.disentangle import LossConfig
from mind_the_glitch.train import train_disentangler
from mind_the_glitch.world import GlitchWorld

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from dvclive_stub import ensure_dvclive  # noqa: E402

ensure_dvclive()   # a bare GPU machine: train without curves

ap = argparse.ArgumentParser()
ap.add_argument("out_dir"); ap.add_argument("--dataset", required=True)
ap.add_argument("--n-train", type=int, default=0); ap.add_argument("--n-val", type=int, default=60)
ap.add_argument("--budget-s", type=float, default=300, help="fine-tuning time when --steps is 0")
ap.add_argument("--steps", type=int, default=0); ap.add_argument("--n-subjects", type=int, default=10000)
ap.add_argument("--tuned", default=None, help="a fine-tuned backbone folder: skip the fine-tuning");
ap.add_argument("--extra-steps", type=int, default=0, help="then fine-tune the tuned backbone this many steps more and measure it too");
ap.add_argument("--only-extra", action="store_true", help="skip measuring the shipped and tuned backbones (measured before)");
ap.add_argument("--pck-pairs", type=int, default=200); ap.add_argument("--seed", type=int, default=1, help="batches unlike the shipped run's (seed 0)")
a = ap.parse_args()
root = Path(__file__).resolve().parents[1]
params = yaml.safe_load(open(root / "params.yaml")); base, bt, tp = params["base"], params["backbone_train"], params["train"]
dev = "cuda" if torch.cuda.is_available() else "cpu"
out = Path(a.out_dir); out.mkdir(parents=True, exist_ok=True)
report: dict = {"device": torch.cuda.get_device_name() if dev == "cuda" else "cpu"}
save = lambda: (out / "backbone_lever.json").write_text(json.dumps(report, indent=1))
t_all = time.perf_counter()

# 1. fine-tune: the shipped weights as a step-0 checkpoint that train_ddpm resumes from (fresh optimizer and schedule)
world = GlitchWorld(seed=base["seed"], size=base["image_size"])
def render():
    global images, labels
    t0 = time.perf_counter()
    images, labels = render_training_views(world, a.n_subjects, bt["views_per_subject"], workers=int(bt["render_workers"]), progress=False)
    print(f"rendered {len(images)} views in {time.perf_counter() - t0:.0f} s", flush=True)
if not a.tuned: render()
shipped = EmbeddedFeatures.from_pretrained(device="cpu")
args = dict(batch_size=bt["batch_size"], lr=bt["lr"], warmup_steps=bt["warmup_steps"], class_dropout=bt["class_dropout"], seed=a.seed,
            mixed_precision=bt["mixed_precision"] if dev == "cuda" else "no", image_size=base["image_size"])
def run(folder: Path, steps: int, start=shipped, **kw) -> Path:
    opt = torch.optim.AdamW(start.unet.parameters(), lr=bt["lr"], weight_decay=1e-2)
    save_checkpoint(folder / "checkpoint", {"model": start.unet.state_dict(), "optimizer": opt.state_dict()}, step=0, loss=None)
    return train_ddpm(folder, images, labels, steps=steps, **{**args, **kw})
steps = a.steps
if not a.tuned and not steps:   # two probes, so that start-up cancels out of the step time
    def probe(n):
        t = time.perf_counter(); run(Path(tempfile.mkdtemp()), n, checkpoint_every=10**9, log_every=10**9); return time.perf_counter() - t
    per_step = max(1e-4, (probe(60) - probe(20)) / 40)
    steps = max(100, int(a.budget_s / per_step) // 100 * 100)
    print(f"probe: {per_step * 1000:.1f} ms/step -> {steps} steps in ~{a.budget_s:.0f} s", flush=True)
t1 = time.perf_counter()
if a.tuned: tuned_dir = Path(a.tuned); report["finetune"] = json.loads((tuned_dir / "training.json").read_text())
else:
  tuned_dir = run(out / "finetune", steps, checkpoint_every=10**9, log_every=10**9)
  report["finetune"] = {"steps": steps, "batch_size": bt["batch_size"], "n_views": len(images), "seconds": round(time.perf_counter() - t1, 1),
                        "total_steps_from_scratch": bt["steps"] + steps, "images_seen": (bt["steps"] + steps) * bt["batch_size"]}
  print(f"fine-tuned {steps} steps in {report['finetune']['seconds']:.0f} s -> {tuned_dir}", flush=True); save()

# 2. the same measurements for both backbones
take = lambda ds, n: [ds[i] for i in range(len(ds) if not n else min(n, len(ds)))]
train, val = take(load_dataset(a.dataset, "train"), a.n_train), take(load_dataset(a.dataset, "val"), a.n_val)
pairs = [world.pair(i, "test") for i in range(a.pck_pairs)]
loss = (LossConfig.code if tp["loss_variant"] == "code" else LossConfig)(alpha=float(tp["alpha"]), temperature=float(tp["temperature"]))
class _FeaturesOnCPU:
    "evaluate_pck builds its masks on the CPU: hand it the features there."
    def __init__(self, bb): self.bb, self.layer_names = bb, bb.layer_names
    def __call__(self, *args, **kw): return {l: f.float().cpu() for l, f in self.bb(*args, **kw).items()}

def fresh_accelerator_state():
    "The DDPM fine-tunes in bf16 and the heads train in fp32: accelerate keeps one global state, so drop it between them."
    from accelerate.state import AcceleratorState
    AcceleratorState._reset_state(True)

def measure(name: str, folder: Path) -> dict:
    t0 = time.perf_counter()
    bb = EmbeddedFeatures.from_pretrained(folder, device=dev, timestep=100)
    pck = evaluate_pck(_FeaturesOnCPU(bb), pairs, grid=base["grid"], desc=f"pck {name}")
    fresh_accelerator_state()
    res = train_disentangler(bb, train, val, Path(tempfile.mkdtemp()) / "model", layers=str(tp["layers"]).split(","),
                             proj_dim=int(tp["proj_dim"]), num_groups=int(tp["num_groups"]), loss=loss, correspondences=tp["correspondences"],
                             epochs=int(tp["epochs"]), batch_size=int(tp["batch_size"]), lr=float(tp["lr"]),
                             weight_decay=float(tp["weight_decay"]), progress=False)
    return {"device": dev, "pck@0.1": {l: round(v["pck@0.1"], 3) for l, v in pck.items()}, "trained": res["val"], "raw": res["val_raw_backbone"],
            "calibration": {k: res["val_calibration"].get(k) for k in ("threshold", "spearman")}, "seconds": round(time.perf_counter() - t0, 1)}

def measure_and_report(name: str, folder: Path):
    report[name] = measure(name, folder)
    t, r = report[name]["trained"], report[name]["raw"]
    print(f"{name:>9s}: PCK@0.1 best {max(report[name]['pck@0.1'].values()):.3f} | AUROC {t['visual_separation_auroc']:.3f} "
          f"(raw {r['visual_separation_auroc']:.3f}) | sem acc in {t['semantic_accuracy_in']:.3f} (raw {r['semantic_accuracy_in']:.3f}) "
          f"| match in/out @0.7 {t['visual_match_rate_in@0.7']:.3f}/{t['visual_match_rate_out@0.7']:.3f} "
          f"(raw {r['visual_match_rate_in@0.7']:.3f}/{r['visual_match_rate_out@0.7']:.3f}) | {report[name]['seconds']:.0f} s", flush=True)
    save()

if not a.only_extra:
    for name, folder in (("shipped", EMBEDDED_WEIGHTS), ("finetuned", tuned_dir)): measure_and_report(name, folder)
if a.extra_steps:
    if a.tuned: render()
    fresh_accelerator_state()
    t1 = time.perf_counter()
    more_dir = run(out / "finetune_more", a.extra_steps, start=EmbeddedFeatures.from_pretrained(tuned_dir, device="cpu"),
                   checkpoint_every=10**9, log_every=10**9, seed=a.seed + 1)
    report["finetune_more"] = {"steps": a.extra_steps, "seconds": round(time.perf_counter() - t1, 1),
                               "total_steps_from_scratch": bt["steps"] + report["finetune"]["steps"] + a.extra_steps}
    print(f"fine-tuned {a.extra_steps} more steps in {report['finetune_more']['seconds']:.0f} s", flush=True); save()
    measure_and_report("finetuned_more", more_dir)
report["seconds"] = round(time.perf_counter() - t_all, 1); save()
