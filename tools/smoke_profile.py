"""Turn a throw-away copy of the repo into the smoke pipeline (tools/smoke_repro.sh runs it inside the copy).

    python tools/smoke_profile.py [--variants default,skew_low]

1. params.yaml becomes params.yaml with params.smoke.yaml merged on top (core.load_params).
2. Table 2's retrained variants are cut to `--variants`. The default pair covers both ways a variant is built: `default`
   reads the main dataset and filters it at load time (as `alpha1` and `skew_high` do, with other numbers), and
   `skew_low` regenerates its own dataset (stage dataset_skew_low). Each variant costs two stages, mostly kernel start
   and imports, so the two left out save about two minutes of CI. The `evaluate` stage's dependencies on the eval.json
   of the variants left out are dropped from dvc.yaml (Table 2 reads whichever variants exist).

It rewrites params.yaml and dvc.yaml in place: never run it in your work tree.
"""

import argparse
from pathlib import Path

import yaml

from mind_the_glitch.core import load_params


def smoke_params(params: dict, variants: list[str]) -> dict:
    "`params` with `ablate.variants` cut to `variants` (each must exist)."
    known = params["ablate"]["variants"]
    missing = [v for v in variants if v not in known]
    if missing:
        raise SystemExit(f"smoke: unknown ablation variant(s) {missing}; params.yaml has {sorted(known)}")
    params["ablate"]["variants"] = {v: known[v] for v in variants}
    return params


def smoke_pipeline(pipeline: dict, variants: list[str]) -> dict:
    "dvc.yaml's stages with `evaluate` no longer depending on the eval.json of variants outside `variants`."
    evaluate = pipeline["stages"]["evaluate"]
    left_out = [d for d in evaluate["deps"] if d.startswith("data/ablations/") and d.endswith("/eval.json")]
    left_out = [d for d in left_out if d.split("/")[2] not in variants]
    evaluate["deps"] = [d for d in evaluate["deps"] if d not in left_out]
    return pipeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="default,skew_low", help="comma-separated Table 2 variants to keep")
    variants = ap.parse_args().variants.split(",")
    params = smoke_params(load_params("params.yaml", "params.smoke.yaml"), variants)
    pipeline = smoke_pipeline(yaml.safe_load(Path("dvc.yaml").read_text()), variants)
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    Path("dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False, width=1000))


if __name__ == "__main__":
    main()
