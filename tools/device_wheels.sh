#!/usr/bin/env bash
# Wheels that a lent GPU machine lacks, for tools/device_backbone.sh: run here (it needs PyPI), then name `.whl` in the
# device call's `carry`. The device image has torch, accelerate, peft, transformers, scipy and safetensors; of the
# packages the backbone's training imports, only diffusers is missing (pure Python, pinned as in requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
version=$(grep -E '^diffusers==' requirements.txt | cut -d= -f3)
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 -d .whl "diffusers==$version"
ls -l .whl
