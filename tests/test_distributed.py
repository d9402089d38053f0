"""The distributed path, proven: `accelerate launch --num_processes 2 --cpu` gives the same dataset samples and the same
trained heads (same global batch, up to float tolerance) as one process (tests/distributed_job.py)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from mind_the_glitch.store import read_jsonl

JOB = Path(__file__).with_name("distributed_job.py")
RUNNER = Path(__file__).resolve().parents[1] / "tools" / "run_stage.py"
LAUNCH = [
    sys.executable,
    "-m",
    "accelerate.commands.launch",
    "--num_processes",
    "2",
    "--num_machines",
    "1",
    "--cpu",
    "--mixed_precision",
    "no",
    "--dynamo_backend",
    "no",
]


def _run(cmd: list[str]):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_processes_match_one(tmp_path):
    _run([sys.executable, str(JOB), str(tmp_path / "one"), "4"])
    _run(LAUNCH + [str(JOB), str(tmp_path / "two"), "4"])
    one = read_jsonl(tmp_path / "one" / "dataset" / "val" / "manifest.jsonl")
    two = read_jsonl(tmp_path / "two" / "dataset" / "val" / "manifest.jsonl")
    assert [r["id"] for r in one] == [r["id"] for r in two] and len(one) == 6
    for a, b in zip(one, two):
        assert a["alteration"] == b["alteration"] and abs(a["oracle"] - b["oracle"]) < 1e-6
        assert a["points_in1"] == b["points_in1"] and a["points_out1"] == b["points_out1"]
    w1 = load_file(str(tmp_path / "one" / "heads" / "diffusion_pytorch_model.safetensors"))
    w2 = load_file(str(tmp_path / "two" / "heads" / "diffusion_pytorch_model.safetensors"))
    assert w1.keys() == w2.keys()
    for k in w1:
        assert torch.allclose(w1[k], w2[k], atol=1e-5, rtol=1e-4), k


def test_train_stage_on_two_processes(tmp_path):
    "tools/run_stage.py: the train stage under `accelerate launch` equals one process with the same global batch."
    tiny = {
        "n_train": 4,
        "n_val": 2,
        "epochs": 1,
        "batch_size": 4,
        "proj_dim": 16,
        "num_groups": 4,
        "n_figure_pairs": 1,
    }
    args = [a for k, v in tiny.items() for a in ("--set", f"train.{k}={v}")] + ["--glitchworld"]
    _run([sys.executable, str(RUNNER), "train", "--data", str(tmp_path / "one"), *args])
    _run(LAUNCH + [str(RUNNER), "train", "--data", str(tmp_path / "two"), *args])
    heads = [
        load_file(str(tmp_path / d / "models/mtg-glitch/diffusion_pytorch_model.safetensors")) for d in ("one", "two")
    ]
    for k in heads[0]:
        assert torch.allclose(heads[0][k], heads[1][k], atol=1e-5, rtol=1e-4), k
    for d in ("one", "two"):  # the main process wrote the metrics and figures
        assert (tmp_path / d / "metrics/train.json").is_file() and (
            tmp_path / d / "figures/train_features.png"
        ).is_file()


def test_run_stage_rejects_unknown_params():
    "A --set naming a param that params.yaml does not have, or without '=', stops before any work."
    spec = importlib.util.spec_from_file_location("run_stage", RUNNER)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    params = {"train": {"epochs": 4, "mixed_precision": "bf16", "flag": True}}
    assert runner.with_overrides(params, ["train.epochs=1"])["train"]["epochs"] == 1
    # YAML reads `no` as False: a string param keeps the string; a boolean param still gets the boolean
    assert runner.with_overrides(params, ["train.mixed_precision=no"])["train"]["mixed_precision"] == "no"
    assert runner.with_overrides(params, ["train.flag=no"])["train"]["flag"] is False
    for bad, message in (("train.epoch=1", "no 'train.epoch'"), ("train.epochs", "group.key=value")):
        with pytest.raises(SystemExit, match=message):
            runner.with_overrides(params, [bad])
