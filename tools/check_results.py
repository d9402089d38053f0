"""The results committed with the code must be the ones the committed dvc.lock describes.

    python tools/check_results.py

For every output of every stage in dvc.lock that git tracks (the `cache: false` metrics, tables and figures), the file's
md5 must equal the lock's. A stale file means someone changed a result without `dvc repro`, or a repro without
committing its results; either way the README's numbers can no longer be trusted. Prints one line per problem and
exits 1 if there is any.
"""

import hashlib
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
    for line in problems:
        print(line)
    print(f"check_results: {checked} committed results checked against dvc.lock, {len(problems)} stale")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
