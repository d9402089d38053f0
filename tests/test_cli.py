"""The installed console script `mind-the-glitch` (a subprocess, as a user runs it) on PNG files, with a random-weight
model folder."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mind_the_glitch.cli import save_random_model
from mind_the_glitch.world import GlitchWorld

SCRIPT = Path(sys.executable).parent / "mind-the-glitch"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    heads = save_random_model(d / "model")
    a, b = GlitchWorld(seed=0, size=64).pair(0, "test")
    for name, arr in (("gen.png", a.image), ("ref.png", b.image)):
        Image.fromarray((arr * 255).round().astype(np.uint8)).save(d / name)
    for name, m in (("mgen.png", a.mask), ("mref.png", b.mask)):
        Image.fromarray(m.astype(np.uint8) * 255).save(d / name)
    Image.fromarray((a.image * 255).round().astype(np.uint8)).convert("RGBA").save(d / "rgba.png")
    return d, heads


def run(*args):
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=300)


pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed (pip install -e .)")


def score_pair(d, heads, generated: str, *options):
    "`mind-the-glitch score` of the reference against `generated` in `d`, with the exact masks and `heads`."
    masks = ("--mask-ref", d / "mref.png", "--mask-gen", d / "mgen.png")
    return run("score", d / "ref.png", d / generated, *masks, "--model", heads, *options)


def test_console_script_scores_a_pair_as_json_with_a_heatmap(files):
    d, heads = files
    p = score_pair(d, heads, "gen.png", "--json", "--heatmap", d / "heat.png")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["status"] == "ok" and res["n_matches"] > 0
    assert all(0 <= res[f"vsm_{t}"] <= 1 for t in ("0.5", "0.6", "0.7"))
    assert (d / "heat.png").is_file()


def test_console_script_rejects_rgba_with_a_clear_message(files):
    d, heads = files
    p = score_pair(d, heads, "rgba.png")
    assert p.returncode == 1 and "RGBA" in p.stderr and "Traceback" not in p.stderr


def test_console_script_version_and_help():
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("mind-the-glitch ")
    p = run("score", "--help")
    assert p.returncode == 0 and "--heatmap" in p.stdout
