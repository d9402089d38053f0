"""Turn a throw-away copy of the repo into the smoke pipeline (tools/smoke_repro.sh runs it inside the copy).

    python tools/smoke_profile.py [--variants default]

1. params.yaml becomes params.yaml with params.smoke.yaml merged on top (core.load_params).
2. Table 2's retrained variants are cut to `--variants`: by default `default`, which runs the ablation stages'
   `foreach` wiring once. The others differ from it in numbers (`alpha1`, `skew_high`) or in a dataset of their own
   (`skew_low`: stage dataset_skew_low, whose settings `nbs/05g_dataset_stage.ipynb` tests). Each variant costs two or
   three stages, mostly kernel start and imports (25-40 s each on the 2-core CPU), which CI cannot afford four times.
   From dvc.yaml go the stages that read a dropped variant's params, and `evaluate`'s dependencies on the dropped
   variants' eval.json (Table 2 reads whichever variants exist).

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
    """dvc.yaml's stages without those that read the params of a variant outside `variants`, and with `evaluate` no
    longer depending on those variants' eval.json."""
    stages = pipeline["stages"]
    for name in [n for n, s in stages.items() if "foreach" not in s]:
        read = [p for p in stages[name].get("params", []) if isinstance(p, str) and p.startswith("ablate.variants.")]
        if any(p.split(".")[2] not in variants for p in read):
            del stages[name]
    evaluate = stages["evaluate"]
    left_out = [d for d in evaluate["deps"] if d.startswith("data/ablations/") and d.endswith("/eval.json")]
    left_out = [d for d in left_out if d.split("/")[2] not in variants]
    evaluate["deps"] = [d for d in evaluate["deps"] if d not in left_out]
    return pipeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="default", help="comma-separated Table 2 variants to keep")
    variants = ap.parse_args().variants.split(",")
    params = smoke_params(load_params("params.yaml", "params.smoke.yaml"), variants)
    pipeline = smoke_pipeline(yaml.safe_load(Path("dvc.yaml").read_text()), variants)
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    Path("dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False, width=1000))


if __name__ == "__main__":
    main()
