"""The scoring benchmarks' clock (median seconds of several functions timed in interleaved rounds) and record."""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Callable

import torch


def timed_interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each function over `repeats` rounds, one call of each per round, after one warm-up call
    each. On a shared machine whose speed drifts, every measurement then sees the same drift and their ratios hold;
    timed one after another, they did not."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def write_record(path: str, args: argparse.Namespace, **fields) -> None:
    "Write a benchmark's JSON record to `path`: its size settings, the machine and torch, then `fields`."
    record = {
        "pairs": args.pairs,
        "batch": args.batch,
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        **fields,
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n")


def add_size_args(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    "The head benchmarks' common options: pairs, batch, interleaved rounds, torch threads and the JSON record's path."
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    return ap
