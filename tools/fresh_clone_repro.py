"""Measure the README's first command, `make repro`, on a fresh clone, and record it for the README.

    python tools/fresh_clone_repro.py [--source .] [--out benchmarks/results/fresh_clone_repro.json] [--keep]
    python tools/fresh_clone_repro.py --summarise CLONE --log LOG --time TIME --setup-s S [--out ...]

The first form clones `--source` (its HEAD) into a temporary folder, times `bash tools/setup.sh` (the `.venv`), then
runs `make repro` there under GNU `time -v`, and writes what it cost: the whole wall time (setup included), the
largest process's peak memory, each stage that ran (from the clone's `data/metrics/resources.json`, written by
`tools/track.py`), the stages DVC skipped, and which stage outputs hash to their values in the committed
`dvc.lock`: the data DVC caches (a fresh clone regenerates it), and the committed records (metrics with timings and
the executed reports always differ). It takes about an hour on the 2-core machine: run it on an
otherwise idle machine. The second form writes the same record from a run made by hand (its DVC log and `time -v`
output). `tools/readme_results.py` renders the record into the README.
"""

import argparse
import datetime
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path("benchmarks/results/fresh_clone_repro.json")


def stages_in_log(log: str) -> tuple[list[str], list[str]]:
    "The stages DVC ran and the ones it skipped, in order, from `dvc repro`'s output."
    ran = re.findall(r"^Running stage '([^']+)'", log, flags=re.M)
    skipped = re.findall(r"^Stage '([^']+)' didn't change, skipping", log, flags=re.M)
    return ran, skipped


def time_v(text: str) -> dict:
    "Wall seconds, CPU seconds and the largest process's peak RSS (MB) from GNU `time -v` output."

    def field(name: str) -> str:
        return re.search(rf"^\s*{re.escape(name)}: (.+)$", text, flags=re.M).group(1).strip()

    clock = [float(x) for x in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = sum(v * 60**i for i, v in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_mb": round(int(field("Maximum resident set size (kbytes)")) / 1024, 1),
    }


def lock_outs(text: str) -> dict[str, str]:
    "`{path: md5}` of every stage output in a `dvc.lock`."
    import yaml

    stages = yaml.safe_load(text)["stages"]
    return {o["path"]: o.get("md5", "") for s in stages.values() for o in s.get("outs", [])}


def compare_outs(clone: Path) -> dict[str, list[str]]:
    """Stage outputs of the clone's `dvc.lock` against the committed one: the outputs DVC caches (not in git: the data
    a fresh clone must regenerate) that reproduced or changed, and the committed records (metrics, figures, reports)
    that changed."""
    committed = subprocess.run(["git", "show", "HEAD:dvc.lock"], cwd=clone, capture_output=True, text=True, check=True)
    before, after = lock_outs(committed.stdout), lock_outs((clone / "dvc.lock").read_text())
    tracked = subprocess.run(["git", "ls-files"], cwd=clone, capture_output=True, text=True, check=True)
    files = tracked.stdout.splitlines()
    in_git = {p for p in after if p in files or any(f.startswith(p + "/") for f in files)}
    cached = sorted(p for p in after if p not in in_git)
    return {
        "cached_outs_reproduced": [p for p in cached if before.get(p) == after[p]],
        "cached_outs_changed": [p for p in cached if before.get(p) != after[p]],
        "records_changed": sorted(p for p in in_git if before.get(p) != after[p]),
    }


def summarise(clone: Path, log: str, time_text: str, setup_s: float) -> dict:
    "The record of one `make repro` on a fresh clone."
    ran, skipped = stages_in_log(log)
    resources = json.loads((clone / "data/metrics/resources.json").read_text())
    run = time_v(time_text)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
    return {
        "_about": "make repro on a fresh clone (tools/fresh_clone_repro.py): setup of .venv, then dvc repro; stages "
        "from the clone's resources.json (tools/track.py), peak_rss_mb the largest process (GNU time -v)",
        "commit": commit.stdout.strip(),
        "date": datetime.date.today().isoformat(),
        "command": "make repro",
        "wall_s": round(setup_s + run["wall_s"], 1),
        "setup_s": round(setup_s, 1),
        "repro_wall_s": run["wall_s"],
        "repro_cpu_s": run["cpu_s"],
        "peak_rss_mb": run["peak_rss_mb"],
        "ran": ran,
        "skipped": skipped,
        **compare_outs(clone),
        "stages": {s: resources[s] for s in ran if s in resources},
    }


def measure(source: Path, keep: bool) -> dict:
    "Clone `source`, time setup and `make repro` there, and summarise."
    work = Path(tempfile.mkdtemp(prefix="fresh-clone-"))
    clone = work / "repo"
    subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
    start = time.perf_counter()
    subprocess.run(["bash", "tools/setup.sh"], cwd=clone, check=True)
    setup_s = time.perf_counter() - start
    log, timing = work / "repro.log", work / "time.txt"
    with open(log, "w") as f:
        code = subprocess.call(
            ["/usr/bin/time", "-v", "-o", str(timing), "make", "repro"], cwd=clone, stdout=f, stderr=subprocess.STDOUT
        )
    if code != 0:
        raise SystemExit(f"make repro failed with exit code {code}; its output is in {log}")
    record = summarise(clone, log.read_text(), timing.read_text(), setup_s)
    if keep:
        print(f"the clone is kept in {clone}")
    else:
        subprocess.run(["rm", "-rf", str(work)], check=True)
    return record


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=Path("."))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    ap.add_argument("--summarise", type=Path, default=None, help="a clone where `make repro` already ran")
    ap.add_argument("--log", type=Path, help="with --summarise: the output of its `make repro`")
    ap.add_argument("--time", type=Path, help="with --summarise: GNU `time -v` output of that run")
    ap.add_argument("--setup-s", type=float, default=0.0, help="with --summarise: seconds `tools/setup.sh` took")
    args = ap.parse_args()
    if args.summarise is not None:
        if args.log is None or args.time is None:
            ap.error("--summarise needs --log and --time")
        record = summarise(args.summarise, args.log.read_text(), args.time.read_text(), args.setup_s)
    else:
        record = measure(args.source.resolve(), args.keep)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    minutes, peak = record["wall_s"] / 60, record["peak_rss_mb"]
    differ = ", ".join(record["cached_outs_changed"]) or "none"
    print(f"make repro on a fresh clone of {record['commit']}: {minutes:.1f} min, peak {peak:.0f} MB")
    print(f"  ran {', '.join(record['ran'])}; cached outputs that differ from dvc.lock: {differ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
