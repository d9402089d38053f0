#!/usr/bin/env bash
# Notebooks -> package: nbdev_export, then ruff format, which wraps what nbdev writes on one line (`__all__`) and
# spaces the cells as the formatter does; the notebooks are the formatted source.
set -euo pipefail
cd "$(dirname "$0")/.."
nbdev_export
ruff format --quiet mind_the_glitch
