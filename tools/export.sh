#!/usr/bin/env bash
# Notebooks -> package: plain nbdev_export. The package is kept exactly as nbdev writes it (so a bare `nbdev_export`
# changes nothing); the notebooks are the formatted source.
set -euo pipefail
cd "$(dirname "$0")/.."
nbdev_export
