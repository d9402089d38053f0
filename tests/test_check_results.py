"""tools/check_results.py: which `dvc status` entries make a stage's committed results stale."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "check_results", Path(__file__).resolve().parents[1] / "tools" / "check_results.py"
)
check_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_results)

TRACKED = {"mind_the_glitch/train.py", "mind_the_glitch/weights/glitch-ddpm/config.json", "params.yaml"}


def test_cache_only_paths_missing_on_a_fresh_clone_are_not_staleness():
    entries = [
        {"changed deps": {"data/dataset": "deleted", "data/models/mtg-glitch": "deleted"}},
        {"changed outs": {"data/models/mtg-glitch": "not in cache"}},
    ]
    assert check_results.stage_changes(entries, TRACKED) == []


def test_command_params_and_tracked_code_are_staleness():
    entries = [
        {
            "changed deps": {
                "mind_the_glitch/train.py": "modified",
                "mind_the_glitch/weights/glitch-ddpm": "modified",  # a tracked folder
                "params.yaml": {"train.epochs": "modified", "base.backbone": "new"},
                "data/dataset": "deleted",
            }
        },
        "changed command",
    ]
    assert check_results.stage_changes(entries, TRACKED) == [
        "mind_the_glitch/train.py modified",
        "mind_the_glitch/weights/glitch-ddpm modified",
        "param train.epochs modified",
        "param base.backbone new",
        "command",
    ]
