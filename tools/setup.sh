#!/usr/bin/env bash
# Create .venv with the pinned CPU stack and an editable install of the package.
# Idempotent: skips the install when requirements.txt and setup files are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.setup-stamp
want=$(cat requirements.txt settings.ini setup.py | md5sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: .venv up to date"; exit 0
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
# --no-compile, then compileall on every core: pip byte-compiles ~20,000 files on one core (86 of its 126 s here)
.venv/bin/pip install -q --no-compile -r requirements.txt 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m compileall -q -q -j 0 .venv/lib/python*/site-packages || true
.venv/bin/pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import torch, diffusers, nbdev, mind_the_glitch; print('setup: torch', torch.__version__, '| diffusers', diffusers.__version__, '| mind_the_glitch', mind_the_glitch.__version__)"
echo "$want" > "$stamp"
