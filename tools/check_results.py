"""The results committed with the code must be the ones the committed dvc.lock describes.

    python tools/check_results.py

For every output of every stage in dvc.lock that git tracks (the `cache: false` metrics, tables and figures), the file's
md5 must equal the lock's. A stale file means someone changed a result without `dvc repro`, or a repro without
committing its results; either way the README's numbers can no longer be trusted.

Second, `dvc status`: a stage whose committed results are in git must not have changed since they were made (its
command, params or git-tracked dependencies). Outputs and dependencies that live only in DVC's cache (datasets,
models) are absent on a fresh clone; that alone is not staleness. Frozen stages are skipped. Prints one line per
problem and exits 1 if there is any.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml


def tracked_files() -> set[str]:
    out = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout
    return set(out.splitlines())


def lock_outputs(lock: dict):
    for stage, entry in lock.get("stages", {}).items():
        for out in entry.get("outs", []):
            yield stage, out


def stage_changes(entries: list, tracked: set[str]) -> list[str]:
    "What `dvc status --json` says changed in one stage, less what a fresh clone lacks by design (cache-only paths)."
    changes = []
    for entry in entries:
        if entry == "changed command":
            changes.append("command")
        elif isinstance(entry, dict):
            for path, state in entry.get("changed deps", {}).items():
                if isinstance(state, dict):  # a params file: {"group.key": "modified" | "new" | "deleted"}
                    changes += [f"param {key} {how}" for key, how in state.items()]
                elif path in tracked or any(t.startswith(path.rstrip("/") + "/") for t in tracked):
                    changes.append(f"{path} {state}")
    return changes


def stale_stages(tracked: set[str]) -> list[str]:
    "One line per non-frozen stage that changed since dvc.lock (see `stage_changes`)."
    stages = yaml.safe_load(Path("dvc.yaml").read_text())["stages"]
    frozen = {name for name, stage in stages.items() if stage.get("frozen")}
    # the DVC of this interpreter: works from .venv/bin/python without an activated environment
    out = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], capture_output=True, text=True).stdout
    status = json.loads(out or "{}")
    problems = []
    for stage, entries in status.items():
        if stage.split("@")[0] in frozen:
            continue
        changes = stage_changes(entries, tracked)
        if changes:
            problems.append(
                f"stage {stage} changed since its committed results ({', '.join(changes[:4])}"
                f"{', ...' if len(changes) > 4 else ''}): run `dvc repro {stage}` and commit the results"
            )
    return problems


def main() -> int:
    lock = yaml.safe_load(Path("dvc.lock").read_text())
    tracked = tracked_files()
    problems, checked = [], 0
    for stage, out in lock_outputs(lock):
        path = Path(out["path"])
        if str(path) not in tracked or path.is_dir():
            continue
        checked += 1
        actual = hashlib.md5(path.read_bytes()).hexdigest()
        if actual != out.get("md5"):
            problems.append(
                f"{path}: committed file differs from dvc.lock (stage {stage}); run `dvc repro` and commit the results"
            )
    n_files = len(problems)
    problems += stale_stages(tracked)
    for line in problems:
        print(line)
    print(
        f"check_results: {checked} committed results checked against dvc.lock, {n_files} stale; "
        f"{len(problems) - n_files} stages changed since their results"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
