#!/usr/bin/env bash
# Notebooks -> package: nbdev_export, then the package's imports sorted and formatted by ruff (nbdev writes relative
# imports and its own __all__ lines, which ruff then formats like the notebooks' code). `make export` and CI use this.
set -euo pipefail
cd "$(dirname "$0")/.."
nbdev_export
ruff check --select I --fix --quiet mind_the_glitch
ruff format --quiet mind_the_glitch
