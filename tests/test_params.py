"""params.smoke.yaml must name every parameter of params.yaml: DVC interpolates `${group.key}` in dvc.yaml from
whichever file the smoke repro swaps in, and a key missing there fails the whole smoke `dvc repro`."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _keys(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        # ablate.variants is a matrix whose entries may differ between profiles (the smoke grid is reduced)
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) and k != "variants" else {prefix + k}
    return out


def test_smoke_params_have_the_same_keys():
    full, smoke = (yaml.safe_load((ROOT / f).read_text()) for f in ("params.yaml", "params.smoke.yaml"))
    assert _keys(full) - _keys(smoke) == set(), "keys missing from params.smoke.yaml"
    assert _keys(smoke) - _keys(full) == set(), "keys in params.smoke.yaml that params.yaml lacks"


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
