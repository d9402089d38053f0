#!/usr/bin/env bash
# The whole device call that retrains the embedded backbone on a lent GPU (README, "Retraining the embedded
# backbone"). Run `bash tools/device_wheels.sh` here first, then the device call, e.g.
#   run(command="bash tools/device_backbone.sh 9", carry=[".whl"], timeout_s=600)
# $1: wall-clock minutes for rendering, the batch probe and training (default 9; keep it a minute under the call's
# timeout). Any further arguments go to tools/gpu_retrain_backbone.py after these defaults, so they win (e.g.
# --auto-batch 512 or --set backbone_train.prefetch=4). By default it builds batches 8 steps ahead (the GPU outruns one
# CPU core building them) and probes batch sizes 64-1024 for 12 s each, training at the first that is nearly fastest.
# What comes back under $OUT: glitch-ddpm/ (the EMA weights, fp16, ready for mind_the_glitch/weights/), train.log and
# batch_probe.json (samples/s per batch size, and the batch and learning rate trained with).
set -euo pipefail
minutes=${1:-9}
shift || true
out=${OUT:-/tmp/device_out}
mkdir -p "$out"
site=/tmp/site
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
export PYTHONPATH="$site:$PWD" PYTHONUNBUFFERED=1
python3 -c "import torch; print('torch', torch.__version__, '| cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
run=/tmp/backbone_run
python3 tools/gpu_retrain_backbone.py "$run" --max-minutes "$minutes" --auto-batch 64,128,256,512,1024 \
  --set backbone_train.prefetch=8 "$@" 2>&1 | tr '\r' '\n' | tee "$out/train.log"
rm -rf "$out/glitch-ddpm"
cp -r "$run/glitch-ddpm" "$out/glitch-ddpm"
if [ -f "$run/batch_probe.json" ]; then cp "$run/batch_probe.json" "$out/"; fi
find "$out" -type f -exec ls -l {} +
