"""The distributed path, proven: `accelerate launch --num_processes 2 --cpu` gives the same dataset samples and the same
trained heads (same global batch, up to float tolerance) as one process (tests/distributed_job.py)."""

import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from mind_the_glitch.store import read_jsonl

JOB = Path(__file__).with_name("distributed_job.py")


def _run(cmd: list[str]):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_processes_match_one(tmp_path):
    _run([sys.executable, str(JOB), str(tmp_path / "one"), "4"])
    launch = [
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
    _run(launch + [str(JOB), str(tmp_path / "two"), "4"])
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
