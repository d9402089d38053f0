"""A params profile as `dvc exp run` flags: one `-S group.key=value` per value the profile sets.

    dvc exp run $(python tools/profile_flags.py params.paper.yaml)

DVC then runs the pipeline as an experiment with the profile's values on top of params.yaml, which stays as it is in
the commit; `dvc exp show` lists the run beside the default one. Every key must exist in params.yaml.
"""

import argparse
import shlex
import sys
from pathlib import Path

import yaml


def leaves(tree: dict, prefix: str = "") -> list[tuple[str, object]]:
    "The (dotted key, value) pairs of a nested dict."
    out = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out += leaves(value, f"{prefix}{key}.")
        else:
            out.append((prefix + key, value))
    return out


def scalar(value) -> str:
    "`value` as DVC parses it back (YAML): strings YAML would misread, such as 'no', stay quoted."
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9).strip()
    return text.removesuffix("\n...").strip()


def flags(profile: Path, params: Path) -> list[str]:
    "The `-S key=value` arguments of `profile`; a key that `params` lacks is an error."
    base = dict(leaves(yaml.safe_load(params.read_text())))
    out = []
    for key, value in leaves(yaml.safe_load(profile.read_text()) or {}):
        if key not in base:
            raise SystemExit(f"{profile}: {key} is not a parameter of {params}")
        out += ["-S", f"{key}={scalar(value)}"]
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("profile", type=Path)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = parser.parse_args()
    print(shlex.join(flags(args.profile, args.params)))
    sys.exit(0)
