"""tools/fresh_clone_repro.py: what a `make repro` log, GNU `time -v` output and two `dvc.lock` files say."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "fresh_clone_repro", Path(__file__).resolve().parents[1] / "tools" / "fresh_clone_repro.py"
)
fresh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fresh)

LOG = """bash tools/setup.sh
setup: .venv up to date
dvc repro
Stage 'world' didn't change, skipping
Running stage 'dataset':
> mkdir -p data/reports && python tools/track.py dataset -- papermill ...
Stage 'backbone_eval' didn't change, skipping
Running stage 'ablate_train@skew_low':
"""

TIME = """\tCommand being timed: "make repro"
\tUser time (seconds): 5000.25
\tSystem time (seconds): 120.50
\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03.5
\tMaximum resident set size (kbytes): 3145728
"""


def test_stages_in_log():
    ran, skipped = fresh.stages_in_log(LOG)
    assert ran == ["dataset", "ablate_train@skew_low"]
    assert skipped == ["world", "backbone_eval"]


def test_time_v():
    assert fresh.time_v(TIME) == {"wall_s": 3723.5, "cpu_s": 5120.8, "peak_rss_mb": 3072.0}
    short = TIME.replace("1:02:03.5", "4:05.25")
    assert fresh.time_v(short)["wall_s"] == 245.2  # m:ss.ss, rounded to 0.1 s


def test_lock_outs():
    lock = """schema: '2.0'
stages:
  dataset:
    cmd: python x
    outs:
    - path: data/dataset
      md5: abc.dir
    - path: data/metrics/dataset.json
      md5: 123
  world:
    cmd: python y
"""
    assert fresh.lock_outs(lock) == {"data/dataset": "abc.dir", "data/metrics/dataset.json": 123}


LOCK = """schema: '2.0'
stages:
  dataset:
    cmd: python x
    outs:
    - path: data/dataset
      md5: {dataset}
    - path: data/metrics/dataset.json
      md5: {metrics}
  train:
    cmd: python y
    outs:
    - path: data/models/heads
      md5: {heads}
"""


def test_compare_outs(tmp_path):
    "A clone whose run changed one cached output and one committed record, against its committed `dvc.lock`."
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "data" / "metrics").mkdir(parents=True)
    (tmp_path / "data" / "metrics" / "dataset.json").write_text("{}")
    (tmp_path / "dvc.lock").write_text(LOCK.format(dataset="a.dir", metrics="m1", heads="h.dir"))
    git("add", "dvc.lock", "data/metrics/dataset.json")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "lock")
    (tmp_path / "dvc.lock").write_text(LOCK.format(dataset="a.dir", metrics="m2", heads="other.dir"))
    assert fresh.compare_outs(tmp_path) == {
        "cached_outs_reproduced": ["data/dataset"],
        "cached_outs_changed": ["data/models/heads"],
        "records_changed": ["data/metrics/dataset.json"],
    }
