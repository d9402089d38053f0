#!/usr/bin/env bash
# Rehearse issue 19's backbone swap at smoke scale on the CPU (about 7 minutes), so that the session that gets a GPU
# spends its device time on training, not on finding what breaks downstream of new weights. In a throw-away clone of
# HEAD it runs the same three steps as that session:
#   1. tools/gpu_retrain_backbone.py with the smoke profile: a few steps of the `backbone_train` architecture
#      (the patch-latent DDPM of params.yaml), written as a glitch-ddpm folder;
#   2. tools/adopt_backbone.py on that folder: params, the package's weights, `dvc commit -f backbone_train`;
#   3. tools/smoke_repro.sh: every stage at smoke scale on the adopted weights;
# then checks that the heads were built for the adopted backbone's layers, and that the generation metrics came from it.
# Leaves your work tree untouched. Set KEEP_REHEARSAL=1 to keep the clone and the smoke copy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d -t mtg-rehearsal-XXXXXX)
trap '[ -n "${KEEP_REHEARSAL:-}" ] || rm -rf "$tmp"' EXIT
git clone -q "$root" "$tmp/repo"
cd "$tmp/repo"
echo ".venv" >>.git/info/exclude
ln -s "$root/.venv" .venv
export PATH="$root/.venv/bin:$PATH" PYTHONPATH="$tmp/repo" PYTHONHASHSEED=0
echo "rehearsal 1/3: train a smoke-scale backbone ($tmp/run)"
python tools/gpu_retrain_backbone.py "$tmp/run" --override params.smoke.yaml --max-minutes 3 --workers 2
echo "rehearsal 2/3: adopt it"
python tools/adopt_backbone.py "$tmp/run/glitch-ddpm"
echo "rehearsal 3/3: smoke-scale dvc repro on the adopted weights ($tmp/smoke)"
SMOKE_DIR="$tmp/smoke" KEEP_SMOKE=1 bash tools/smoke_repro.sh
PYTHONPATH="$tmp/smoke" python - "$tmp/smoke" <<'EOF'
import json
import sys
from pathlib import Path

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.disentangle import layer_channels

smoke = Path(sys.argv[1])
heads = json.loads((smoke / "data/models/mtg-glitch/config.json").read_text())
backbone = EmbeddedFeatures.from_pretrained(smoke / "mind_the_glitch/weights/glitch-ddpm", device="cpu")
expected = layer_channels(backbone, heads["layers"])
if heads["in_channels"] != expected:
    sys.exit(f"rehearsal failed: heads built for channels {heads['in_channels']}, the adopted backbone has {expected}")
generation = json.loads((smoke / "data/metrics/backbone.json").read_text())["generation"]
print(
    f"rehearsal passed: the adopted backbone ({backbone.unet.config.sample_size}x{backbone.unet.config.sample_size} "
    f"latents, patch {backbone.codec.patch_size}) fed every stage; heads on {heads['layers']} with channels "
    f"{heads['in_channels']}; generation metrics of {generation['settings']['n_samples']} samples written"
)
EOF
