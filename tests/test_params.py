"""params.smoke.yaml is a profile of overrides merged onto params.yaml: every key it sets must exist in params.yaml
(a typo would otherwise be silently ignored), and dvc.yaml may only interpolate parameters that exist."""

from pathlib import Path

import pytest
import yaml

from mind_the_glitch.core import load_params

ROOT = Path(__file__).resolve().parents[1]


def _keys(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_profiles_override_existing_keys_only():
    full = yaml.safe_load((ROOT / "params.yaml").read_text())
    profiles = sorted(ROOT.glob("params.*.yaml"))
    assert {p.name for p in profiles} >= {"params.smoke.yaml", "params.paper.yaml"}
    for profile in profiles:
        extra = _keys(yaml.safe_load(profile.read_text())) - _keys(full)
        assert extra == set(), f"{profile.name} sets keys that params.yaml lacks: {sorted(extra)}"


def test_paper_profile_selects_the_papers_setting():
    paper = load_params(ROOT / "params.yaml", ROOT / "params.paper.yaml")
    assert paper["base"]["backbone"] == "stable-diffusion" and paper["base"]["grid"] == 48
    assert (paper["train"]["layers"], paper["train"]["proj_dim"]) == ("us8,us9,us10", 384)
    assert (paper["dataset"]["segmenter"], paper["dataset"]["inpainter"]) == ("grounded-sam", "sdxl")


def test_smoke_profile_merges_onto_params():
    merged = load_params(ROOT / "params.yaml", ROOT / "params.smoke.yaml")
    full = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert _keys(merged) == _keys(full)
    assert merged["train"]["epochs"] == 1 and merged["train"]["lr"] == full["train"]["lr"]


def test_every_interpolated_param_exists():
    import re

    full = yaml.safe_load((ROOT / "params.yaml").read_text())
    used = set(re.findall(r"\$\{((?!item\.|key\b)[a-z_]+\.[a-z_.]+)\}", (ROOT / "dvc.yaml").read_text()))
    assert used, "no ${group.key} found in dvc.yaml"
    for name in sorted(used):
        node = full
        for part in name.split("."):
            assert isinstance(node, dict) and part in node, f"dvc.yaml uses ${{{name}}}, which params.yaml lacks"
            node = node[part]


def test_profile_flags_round_trip_through_yaml():
    "tools/profile_flags.py: every -S value parses back (as DVC parses it, YAML) to the profile's value."
    import importlib.util

    spec = importlib.util.spec_from_file_location("profile_flags", ROOT / "tools" / "profile_flags.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for name in ("params.smoke.yaml", "params.paper.yaml"):
        args = tool.flags(ROOT / name, ROOT / "params.yaml")
        values = dict(tool.leaves(yaml.safe_load((ROOT / name).read_text())))
        pairs = [a.split("=", 1) for a in args[1::2]]
        assert args[::2] == ["-S"] * len(values) and len(pairs) == len(values)
        for key, text in pairs:
            assert yaml.safe_load(text) == values[key], (name, key, text)


def test_smoke_profile_cuts_table2_to_its_variants():
    "tools/smoke_profile.py: the smoke keeps the variants asked for, and no stage reads or waits for a dropped one."
    import importlib.util

    spec = importlib.util.spec_from_file_location("smoke_profile", ROOT / "tools" / "smoke_profile.py")
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    params = smoke.smoke_params(load_params(ROOT / "params.yaml", ROOT / "params.smoke.yaml"), ["default"])
    assert list(params["ablate"]["variants"]) == ["default"]
    full = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    stages = smoke.smoke_pipeline(yaml.safe_load((ROOT / "dvc.yaml").read_text()), ["default"])["stages"]
    assert set(full) - set(stages) == {"dataset_skew_low"}  # it reads ablate.variants.skew_low
    deps = [d for d in stages["evaluate"]["deps"] if d.startswith("data/ablations/")]
    assert deps == ["data/ablations/default/eval.json"]
    assert len(full["evaluate"]["deps"]) - len(stages["evaluate"]["deps"]) == 3  # alpha1, skew_low, skew_high
    kept = smoke.smoke_pipeline(yaml.safe_load((ROOT / "dvc.yaml").read_text()), ["default", "skew_low"])["stages"]
    assert "dataset_skew_low" in kept
    with pytest.raises(SystemExit, match="unknown ablation variant"):
        smoke.smoke_params(load_params(ROOT / "params.yaml"), ["default", "nope"])
