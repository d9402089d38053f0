"""params.smoke.yaml is a profile of overrides merged onto params.yaml: every key it sets must exist in params.yaml
(a typo would otherwise be silently ignored), and dvc.yaml may only interpolate parameters that exist."""

from pathlib import Path

import yaml

from mind_the_glitch.core import load_params

ROOT = Path(__file__).resolve().parents[1]


def _keys(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_smoke_overrides_name_existing_keys():
    full, smoke = (yaml.safe_load((ROOT / f).read_text()) for f in ("params.yaml", "params.smoke.yaml"))
    assert _keys(smoke) - _keys(full) == set(), "params.smoke.yaml sets keys that params.yaml lacks"


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
