"""Run the `dataset` or `train` stage outside its notebook, so that `accelerate launch` can spread it over several GPUs
(papermill runs a notebook in one process):

    accelerate launch --num_processes 4 tools/run_stage.py dataset
    accelerate launch --num_processes 4 tools/run_stage.py train
    dvc commit dataset train        # record what the launch wrote as the stages' outputs

It reads the same params and writes the same outputs as the stage's notebook (`nbs/05_dataset.ipynb`,
`nbs/07_train.ipynb`) under `dvc repro`. The dataset is sharded: process r of W generates samples r, r + W, ..., and the
samples equal a one-process run's. Training splits each batch across the processes; `train.batch_size` stays the global
batch, so a run takes the same steps at any process count. The main process writes the metrics, figures and heads.
Run it from the repository root; one process (`python tools/run_stage.py train`) works too.

    python tools/run_stage.py {dataset,train} [--params params.yaml] [--override PROFILE.yaml] [--data data]
        [--set group.key=value ...] [--glitchworld]

--set overrides single params (e.g. --set train.epochs=1); --glitchworld trains on exact GlitchWorld samples instead
of the generated dataset.
"""

import argparse
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("dataset", "train"))
    ap.add_argument("--params", default=str(ROOT / "params.yaml"))
    ap.add_argument("--override", default=None, help="a profile merged onto --params (e.g. params.paper.yaml)")
    ap.add_argument("--data", default=str(ROOT / "data"), help="the data folder the stage reads and writes")
    ap.add_argument("--set", action="append", default=[], metavar="GROUP.KEY=VALUE", help="override one param")
    ap.add_argument("--glitchworld", action="store_true", help="train: exact GlitchWorld samples, not the dataset")
    return ap.parse_args(argv)


def with_overrides(params: dict, settings: list[str]) -> dict:
    """`params` with each `group.key=value` (the value read as YAML) set; an unknown group or key is an error. A
    string param stays a string where YAML would read a boolean (`mixed_precision=no` is "no", not False)."""
    for item in settings:
        name, sep, value = item.partition("=")
        group, dot, key = name.partition(".")
        if not sep or not dot:
            raise SystemExit(f"--set takes group.key=value, got {item!r}")
        if key not in params.get(group, {}):
            raise SystemExit(f"--set {name}: params have no {name!r}")
        parsed = yaml.safe_load(value)
        keep_string = isinstance(params[group][key], str) and isinstance(parsed, bool)
        params[group][key] = value if keep_string else parsed
    return params


def world_size() -> int:
    "How many processes `accelerate launch` started (1 without it)."
    return int(os.environ.get("WORLD_SIZE", "1"))


def run_dataset_stage(params: dict, data: Path) -> None:
    from mind_the_glitch.dataset_stage import DatasetPaths, DatasetStageConfig, run_dataset

    run_dataset(DatasetStageConfig.from_params(params), DatasetPaths.stage(data))


def run_train_stage(params: dict, data: Path, glitchworld: bool) -> None:
    from mind_the_glitch.train_stage import TrainPaths, TrainStageConfig, run_train

    config = TrainStageConfig.from_params(params)
    if config.batch_size % world_size():
        raise SystemExit(f"train.batch_size {config.batch_size} is not divisible by {world_size()} processes")
    config.batch_size //= world_size()  # per process: the global batch stays train.batch_size
    paths = TrainPaths.stage(data)
    if glitchworld:
        paths.dataset_dir = None
    run_train(config, paths)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mind_the_glitch.core import load_params

    override = Path(args.override).resolve() if args.override else None
    params = with_overrides(load_params(Path(args.params).resolve(), override), args.set)
    data = Path(args.data).resolve()
    os.chdir(ROOT / "nbs")  # where the stages run: params' relative paths (e.g. dataset.pairs_dir) start here
    if args.stage == "dataset":
        run_dataset_stage(params, data)
    else:
        run_train_stage(params, data, args.glitchworld)
    return 0


if __name__ == "__main__":
    sys.exit(main())
