"""Adopt a retrained embedded backbone: a `glitch-ddpm` folder written by tools/device_backbone.sh,
tools/gpu_retrain_backbone.py or the backbone_train stage.

    python tools/adopt_backbone.py FOLDER [--params params.yaml] [--dry-run]

It checks that the folder loads as the embedded backbone, sets params.yaml's `backbone_train` group to the settings
the weights were trained with (`steps` to the `steps_done` of a run stopped by its time budget, and the batch size and
learning rate that --auto-batch chose), puts the folder into the package (mind_the_glitch/weights/glitch-ddpm) and
records it with `dvc commit -f backbone_train`. Comments in params.yaml stay. Then `dvc repro` reruns everything
downstream of the backbone. --dry-run prints the changes and writes nothing.
"""

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "mind_the_glitch" / "weights" / "glitch-ddpm"
GROUP = "backbone_train"
# settings of how a run was executed, not of the model it trains: they stay as params.yaml has them
RUN_ONLY = {"render_workers", "prefetch", "checkpoint_every", "snapshot_every", "log_every", "mixed_precision"}


def trained_settings(info: dict, group: dict) -> dict:
    "The `group` params that differ from the run in `info` (a training.json), as the run had them."
    trained = {**info, "steps": info.get("steps_done", info.get("steps"))}
    return {key: trained[key] for key in group if key in trained and key not in RUN_ONLY and trained[key] != group[key]}


def set_group_values(text: str, group: str, values: dict) -> str:
    "params.yaml `text` with each `key: value` line of the top-level `group` set to `values[key]`, comments kept."
    lines = text.splitlines(keepends=True)
    inside, done = False, set()
    for i, line in enumerate(lines):
        if re.match(r"^\S", line):
            inside = line.startswith(f"{group}:")
            continue
        match = re.match(r"^(  )(\w+):(\s*)([^#\n]*?)(\s*#.*)?(\n?)$", line)
        if inside and match and match.group(2) in values:
            indent, key, space, _, comment, end = match.groups()
            value = yaml.safe_dump(values[key], default_flow_style=True).strip().removesuffix("...").strip()
            lines[i] = f"{indent}{key}:{space or ' '}{value}{comment or ''}{end}"
            done.add(key)
    missing = set(values) - done
    if missing:
        raise SystemExit(f"params has no {group}.{sorted(missing)} line to set")
    return "".join(lines)


def check_loads(folder: Path) -> None:
    "Fail with one line unless `folder` loads as the embedded backbone."
    from mind_the_glitch.backbone import EmbeddedFeatures

    try:
        EmbeddedFeatures.from_pretrained(folder, device="cpu")
    except Exception as e:  # any failure to load means: do not adopt
        raise SystemExit(f"{folder} does not load as the embedded backbone: {e}") from e


def ship(folder: Path) -> None:
    "Copy `folder` into the package, replacing the shipped weights only once the copy is complete."
    tmp = SHIPPED.with_name(SHIPPED.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(folder, tmp)
    shutil.rmtree(SHIPPED, ignore_errors=True)
    tmp.rename(SHIPPED)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    info_file = args.folder / "training.json"
    if not info_file.is_file():
        raise SystemExit(f"{args.folder} has no training.json: not a trained backbone folder")
    check_loads(args.folder)
    info = json.loads(info_file.read_text())
    text = args.params.read_text()
    params = yaml.safe_load(text)
    for key in ("seed", "image_size"):
        if key in info and info[key] != params["base"][key]:
            raise SystemExit(f"trained with {key} {info[key]}, params have base.{key} {params['base'][key]}")
    changes = trained_settings(info, params[GROUP])
    for key, value in changes.items():
        print(f"{GROUP}.{key}: {params[GROUP][key]} -> {value}")
    if args.dry_run:
        return
    args.params.write_text(set_group_values(text, GROUP, changes))
    if args.folder.resolve() != SHIPPED.resolve():
        ship(args.folder)
    subprocess.run(["dvc", "commit", "-f", GROUP], cwd=ROOT, check=True)
    print(f"adopted {args.folder} -> {SHIPPED.relative_to(ROOT)}; now run `dvc repro`")


if __name__ == "__main__":
    main()
