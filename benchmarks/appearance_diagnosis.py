"""Why was the visual head Ψv appearance-blind? Each hypothesis of issue 15 as one `sweep_heads.py` run, measured.

Every run trains the heads on GlitchWorld pairs with one part re-textured (`--glitch`: exact correspondences, no
dataset stage, so the inpainter is out of the picture) and measures them on validation pairs and on the appearance
probe (held-out pairs and operators, nbs/13_probe.ipynb). A hypothesis changes one thing against `base`.
Results go to benchmarks/results/appearance_diagnosis.json (rows already there are kept unless --redo); the table
is shown in nbs/13_probe.ipynb.

    python benchmarks/appearance_diagnosis.py [--only NAME ...] [--redo] [--threads 1]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "appearance_diagnosis.json"
COMMON = ["--glitch", "400", "--n-val", "60", "--probe", "96"]

# name: (what it tests, extra sweep_heads arguments, the variant's overrides of the train group)
HYPOTHESES = {
    "same_look": (
        "pre-fix data: the re-textured part has ONE new look in both views, which the paper's visual_in term "
        "(I'_1 vs I'_2) must push apart",
        ["--same-appearance"],
        {"epochs": 3},
    ),
    "same_look_code_loss": (
        "pre-fix data with the released code's passes (I'_1 vs I_2, and I_1 vs I_2): no altered-vs-altered term",
        ["--same-appearance"],
        {"epochs": 3, "loss_variant": "code"},
    ),
    "base": ("one new look per view (the fix), paper loss, layers us2-us4, t = 100, 3 epochs", [], {"epochs": 3}),
    "code_loss": ("the fix with the released code's passes", [], {"epochs": 3, "loss_variant": "code"}),
    "epochs6": ("the fix, twice the training", [], {"epochs": 6}),
    "layers_us4_us6": ("the fix, the high-resolution decoder layers", [], {"epochs": 3, "layers": "us4,us5,us6"}),
    "timestep0": ("the fix, the backbone read at t = 0 instead of 100", [], {"epochs": 3, "timestep": 0}),
    "same_lighting": (
        "the fix, both views of a training pair under one lighting and tint: does matching unaltered points across "
        "lighting changes (L_v^out) teach the invariance that hides the held-out colour operators? (val is re-lit too)",
        ["--same-lighting"],
        {"epochs": 3},
    ),
    "colours_only_half": (
        "the fix, and half of the training pairs' parts keep their pattern and get new colours: does training that "
        "always changes the pattern let the heads ignore colour? (no held-out operator is applied in training)",
        ["--colours-only", "0.5"],
        {"epochs": 3},
    ),
    "pixels_added": (
        "diagnostic, not the method: the input pixels offered as a fourth layer (can the heads use colour at all?)",
        ["--pixels"],
        {"epochs": 3, "layers": "us2,us3,us4,pixels"},
    ),
}


def largest_changes(by_change: dict) -> dict:
    "Held-out point AUROC of Ψv and of pixels on the largest changes (probes measured before the split: none)."
    bins = by_change.get("bins") or {}
    if not bins:
        return {}
    row = list(bins.values())[-1]
    return {"probe_held_out_largest_visual_auroc": row["visual"], "probe_held_out_largest_pixel_auroc": row["pixel"]}


def summary(row: dict) -> dict:
    "The numbers the notebook's table shows, from one sweep_heads row."
    probe = row.get("probe", {})
    held = probe.get("point_auroc", {}).get("held_out", {})
    vsm = probe.get("vsm", {})
    return {
        "val_separation_auroc": row["trained"]["visual_separation_auroc"],
        "val_separation_auroc_raw": row["raw"]["visual_separation_auroc"],
        "val_vsm_spearman": row["calibration"]["spearman"],
        "probe_held_out_visual_auroc": held.get("visual"),
        "probe_held_out_semantic_auroc": held.get("semantic"),
        "probe_held_out_pixel_auroc": held.get("pixel"),
        "probe_vsm_spearman": vsm.get("spearman"),
        "probe_vsm_spearman_held_out": (vsm.get("held_out") or {}).get("spearman"),
        "probe_control_delta": vsm.get("control_delta"),
        **largest_changes(probe.get("point_auroc", {}).get("held_out_by_change", {})),
        "seconds": row["seconds"],
    }


def run(name: str, threads: int) -> dict:
    what, args, variant = HYPOTHESES[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "row.json"
        cmd = [sys.executable, str(ROOT / "benchmarks" / "sweep_heads.py"), *COMMON, *args, "--out", str(out)]
        cmd += ["--variant", json.dumps({"name": name, **variant})]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        subprocess.run(cmd, check=True, cwd=ROOT, env=env)
        row = json.loads(out.read_text())[0]
    return {"hypothesis": what, "arguments": args, "variant": variant, **summary(row)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None, choices=list(HYPOTHESES))
    parser.add_argument("--redo", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--merge", nargs="*", default=[], help="NAME=ROW.json: a sweep_heads output already run")
    a = parser.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for spec in a.merge:
        name, path = spec.split("=", 1)
        what, args, variant = HYPOTHESES[name]
        row = json.loads(Path(path).read_text())[0]
        results[name] = {"hypothesis": what, "arguments": args, "variant": variant, **summary(row)}
    for name in a.only if a.only is not None else ([] if a.merge else list(HYPOTHESES)):
        if name in results and not a.redo:
            continue
        results[name] = run(name, a.threads)
        OUT.write_text(json.dumps(results, indent=1))
        print(name, json.dumps({k: v for k, v in results[name].items() if k.startswith(("val", "probe"))}), flush=True)
    OUT.write_text(json.dumps(results, indent=1))
