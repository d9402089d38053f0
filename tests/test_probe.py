"""The probe stage as one call: run_probe writes its four outputs, and bad operator input gets a clear error."""

import json

import pytest

from mind_the_glitch.cli import save_random_model
from mind_the_glitch.disentangle import MindTheGlitch
from mind_the_glitch.probe import ProbeConfig, run_probe
from mind_the_glitch.probe_operators import check_operator


def test_run_probe_writes_the_stage_outputs(tmp_path):
    model = MindTheGlitch.from_pretrained(save_random_model(tmp_path / "model"), device="cpu").eval()
    metrics = run_probe(model, ProbeConfig(n_pairs=6, batch_size=3), tmp_path / "data", seed=1)
    saved = json.loads((tmp_path / "data" / "metrics" / "probe.json").read_text())
    assert saved["n_pairs"] == metrics["n_pairs"] == 6
    assert saved["held_out_operators"] == ["hue", "brightness", "saturation"]
    assert {"visual", "semantic", "pixel", "layers"} <= set(saved["point_auroc"])
    rows = (tmp_path / "data" / "results" / "probe_pairs.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 6
    assert (tmp_path / "data" / "figures" / "probe.png").stat().st_size > 0
    assert "| held out |" in (tmp_path / "data" / "results" / "probe.md").read_text()


def test_probe_config_and_operators_reject_bad_input():
    with pytest.raises(ValueError, match="probe operators must be among"):
        ProbeConfig(operators="hue,sepia")
    with pytest.raises(ValueError, match="outside its range"):
        check_operator("hue", 400.0)
