"""Run one DVC stage's command and record what it cost in data/metrics/resources.json (one entry per stage).

    python tools/track.py STAGE -- COMMAND [ARGS...]

Wall time, CPU time (user + system, of the command and every process it waited for: papermill and its kernel)
and peak resident memory (the largest single process) are measured with `resource.getrusage(RUSAGE_CHILDREN)`.
The entry is written only when the command succeeds, atomically and under a file lock, so stages that run one
after another or side by side never lose each other's entries. The exit code is the command's.
"""

import fcntl
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESOURCES = Path("data/metrics/resources.json")


def _record(stage: str, entry: dict) -> None:
    RESOURCES.parent.mkdir(parents=True, exist_ok=True)
    with open(RESOURCES.parent / ".resources.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(RESOURCES.read_text()) if RESOURCES.is_file() else {}
        data[stage] = entry
        data = dict(sorted(data.items()))
        fd, tmp = tempfile.mkstemp(dir=RESOURCES.parent, prefix=".resources.", suffix=".json")
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(data, indent=2) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, RESOURCES)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python tools/track.py STAGE -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    stage, command = argv[0], argv[2:]
    start = time.perf_counter()
    code = subprocess.call(command)
    wall = time.perf_counter() - start
    if code != 0:
        return code
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    _record(
        stage,
        {
            "wall_s": round(wall, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
