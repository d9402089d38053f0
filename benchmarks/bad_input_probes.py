"""Issue 17's bad-input probes, run against the installed CLI (`python -m mind_the_glitch`) as a user would.

Each probe builds its input in a temporary folder, runs one command in a fresh process and records the exit code, the
first line of stderr and what happened to the files. Prints a markdown table (the "after" column of the issue's
probe list) and writes it to benchmarks/results/bad_input_probes.json.

Usage: python benchmarks/bad_input_probes.py
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "subject_driven" / "subject_00"
GEN = CASE / "retexture-hard"
SHIPPED = ROOT / "mind_the_glitch" / "weights" / "mtg-glitch"
CLI = [sys.executable, "-m", "mind_the_glitch"]


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    "One CLI command in a fresh process."
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)


def first_line(text: str) -> str:
    "The CLI's own message (`mind-the-glitch: ...`), else the first non-empty line that is not a progress bar."
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    own = [line for line in lines if line.startswith("mind-the-glitch")]
    rest = [line for line in lines if "it/s]" not in line and "pair/s]" not in line]
    return (own or rest or [""])[0]


def digest(folder: Path) -> str:
    "md5 over every file's name and bytes in `folder`."
    h = hashlib.md5()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def folders(tmp: Path, n: int = 6) -> tuple[Path, Path, Path, Path]:
    "refs/, gens/ and their mask folders with `n` pairs matched by file stem."
    out = [tmp / name for name in ("refs", "gens", "mrefs", "mgens")]
    for d in out:
        d.mkdir()
    for i in range(n):
        case = ROOT / "examples" / "subject_driven" / f"subject_{i:02d}"
        shutil.copy(case / "reference.png", out[0] / f"p{i}.png")
        shutil.copy(case / "retexture-hard" / "generated.png", out[1] / f"p{i}.png")
        shutil.copy(case / "reference_mask.png", out[2] / f"p{i}.png")
        shutil.copy(case / "retexture-hard" / "generated_mask.png", out[3] / f"p{i}.png")
    return tuple(out)


def pair_args(mask_gen: Path | None = None) -> list:
    "A single scored pair with its masks."
    mask_gen = mask_gen or GEN / "generated_mask.png"
    return ["score", CASE / "reference.png", GEN / "generated.png", "--mask-ref", CASE / "reference_mask.png",
            "--mask-gen", mask_gen]  # fmt: skip


def model_with(tmp: Path, name: str, edit=None, drop_tensor: bool = False, bin_file: bool = False) -> Path:
    "A copy of the shipped model folder with one config field changed, one tensor removed or a `.bin` beside it."
    from safetensors.torch import load_file, save_file

    folder = tmp / name
    shutil.copytree(SHIPPED, folder)
    if edit is not None:
        config = json.loads((folder / "config.json").read_text())
        config.update(edit)
        (folder / "config.json").write_text(json.dumps(config))
    weights = folder / "diffusion_pytorch_model.safetensors"
    if drop_tensor:
        tensors = load_file(weights)
        tensors.pop(sorted(tensors)[0])
        save_file(tensors, weights)
    if bin_file:
        weights.rename(folder / "diffusion_pytorch_model.bin")
    return folder


def probe_heatmap_into_inputs(tmp: Path) -> dict:
    refs, gens, mrefs, mgens = folders(tmp)
    before = digest(gens)
    out = run(["score", refs, gens, "--mask-ref", mrefs, "--mask-gen", mgens, "--heatmap", gens])
    return {"code": out.returncode, "message": first_line(out.stderr), "inputs_unchanged": digest(gens) == before}


def probe_unwritable_out(tmp: Path) -> dict:
    # a folder without write permission stops no one when run as root: a file as the parent stops everyone
    refs, gens, mrefs, mgens = folders(tmp)
    blocker = tmp / "not-a-folder"
    blocker.write_text("")
    t0 = time.perf_counter()
    out = run(["score", refs, gens, "--mask-ref", mrefs, "--mask-gen", mgens, "--out", blocker / "scores.csv"])
    return {"code": out.returncode, "message": first_line(out.stderr), "seconds": round(time.perf_counter() - t0, 1)}


def probe_bad_heatmap_suffix(tmp: Path) -> dict:
    out = run(pair_args() + ["--heatmap", tmp / "h.xyz", "--json"])
    return {"code": out.returncode, "message": first_line(out.stderr)}


def probe_ctrl_c(tmp: Path) -> dict:
    refs, gens, mrefs, mgens = folders(tmp, n=10)
    target = tmp / "scores.csv"
    args = ["score", refs, gens, "--mask-ref", mrefs, "--mask-gen", mgens, "--out", target, "--batch-size", "1"]
    proc = subprocess.Popen(CLI + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = tmp / "scores.csv.partial"
    deadline = time.time() + 300
    while time.time() < deadline and not (partial.is_file() and partial.read_text().count("\n") >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    rows = partial.read_text().count("\n") - 1 if partial.is_file() else 0
    return {"code": proc.returncode, "message": first_line(err), "rows_kept": rows, "complete_file": target.exists()}


def probe_jpeg_mask(tmp: Path) -> dict:
    jpeg = tmp / "mask.jpg"
    Image.open(GEN / "generated_mask.png").convert("L").save(jpeg, quality=75)
    refused = run(pair_args(jpeg) + ["--json"])
    accepted = run(pair_args(jpeg) + ["--json", "--mask-threshold", "0.5"])
    return {"code": refused.returncode, "message": first_line(refused.stderr),
            "with_mask_threshold_code": accepted.returncode}  # fmt: skip


def probe_rgb_mask(tmp: Path) -> dict:
    out = run(pair_args(GEN / "generated.png"))
    return {"code": out.returncode, "message": first_line(out.stderr)}


def probe_missing_tensor(tmp: Path) -> dict:
    out = run(pair_args() + ["--model", model_with(tmp, "m", drop_tensor=True)])
    return {"code": out.returncode, "message": first_line(out.stderr)}


def probe_config(tmp: Path, field: str, value) -> dict:
    out = run(pair_args() + ["--model", model_with(tmp, f"m-{field}", edit={field: value})])
    return {"code": out.returncode, "message": first_line(out.stderr)}


def probe_bin_weights(tmp: Path) -> dict:
    out = run(pair_args() + ["--model", model_with(tmp, "m-bin", bin_file=True)])
    return {"code": out.returncode, "message": first_line(out.stderr)}


def probe_python_m(tmp: Path) -> dict:
    out = run(["--version"])
    return {"code": out.returncode, "message": first_line(out.stdout or out.stderr)}


def probe_subject_driven_layout(tmp: Path) -> dict:
    out = run(["evaluate", ROOT / "examples" / "subject_driven"])
    return {"code": out.returncode, "message": first_line(out.stdout)}


PROBES = [
    ("1. `--heatmap` pointed at the generated-images folder", probe_heatmap_into_inputs),
    ("2. unwritable `--out` (its parent is a file)", probe_unwritable_out),
    ("3. `--heatmap h.xyz`", probe_bad_heatmap_suffix),
    ("4. Ctrl-C during folder mode", probe_ctrl_c),
    ("5a. JPEG copy of a mask", probe_jpeg_mask),
    ("5b. RGB image passed as a mask", probe_rgb_mask),
    ("6. checkpoint missing a tensor", probe_missing_tensor),
    ("7a. config `image_size: 0`", lambda t: probe_config(t, "image_size", 0)),
    ("7b. config `grid: 1000`", lambda t: probe_config(t, "grid", 1000)),
    ('7c. config `vsm_one_to_one: "false"`', lambda t: probe_config(t, "vsm_one_to_one", "false")),
    ("7d. config `timestep: 5000`", lambda t: probe_config(t, "timestep", 5000)),
    ("conventions: `.bin` weights beside the config", probe_bin_weights),
    ("conventions: `python -m mind_the_glitch --version`", probe_python_m),
    ("conventions: `evaluate` on the subject-driven layout", probe_subject_driven_layout),
]


def main():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = {}
    print("| probe | exit code | first line of the message | files |")
    print("|---|---|---|---|")
    for name, probe in PROBES:
        with tempfile.TemporaryDirectory() as tmp:
            r = probe(Path(tmp))
        results[name] = r
        extra = {k: v for k, v in r.items() if k not in ("code", "message")}
        print(f"| {name} | {r['code']} | {r['message'][:150]} | {extra or ''} |", flush=True)
    out = ROOT / "benchmarks" / "results" / "bad_input_probes.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if np.all([r["code"] in (0, 1, 2, 130) for r in results.values()]) else 1


if __name__ == "__main__":
    sys.exit(main())
