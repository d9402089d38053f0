#!/usr/bin/env bash
# Smoke-scale `dvc repro` of the whole pipeline in a throw-away copy of the work tree
# (tracked + untracked-but-not-ignored files), with the smoke profile (params.smoke.yaml) merged onto params.yaml and
# Table 2 cut to its `default` variant (tools/smoke_profile.py).
# Leaves your data/ and dvc.lock untouched. Set KEEP_SMOKE=1 to keep the copy, SMOKE_DIR=PATH (a new folder) to choose it.
# The stages import the copy's own package (PYTHONPATH), not the editable install the .venv points to.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=${SMOKE_DIR:-$(mktemp -d -t mtg-smoke-XXXXXX)}
# the copy is deleted on exit: never point it at a folder that holds something
if [ -n "$(ls -A "$tmp" 2>/dev/null)" ]; then echo "smoke_repro: SMOKE_DIR $tmp is not empty" >&2; exit 2; fi
mkdir -p "$tmp"
trap '[ -n "${KEEP_SMOKE:-}" ] || rm -rf "$tmp"' EXIT
git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -a {} "$tmp/" 2>/dev/null || true
# a missing file fails the copy loudly only if it matters: check the essentials arrived
for f in dvc.yaml params.smoke.yaml settings.ini; do [ -f "$tmp/$f" ] || { echo "smoke: $f missing from copy"; exit 1; }; done
cd "$tmp"
"$root/.venv/bin/python" tools/smoke_profile.py  # params.smoke.yaml merged on; Table 2: `default` only
rm -f dvc.lock
git init -q && git add -A >/dev/null 2>&1 && git -c user.email=ci@local -c user.name=ci commit -qm smoke >/dev/null
export PATH="$root/.venv/bin:$PATH" PYTHONPATH="$tmp${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
dvc repro
echo "smoke dvc repro: $(( $(date +%s) - start )) s"
