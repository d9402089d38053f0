"""What the heads and VSM cost beside the backbone, for the backbone that issue 19 trains (issue 18's 1.15x target).

The embedded backbone being retrained (issue 19) denoises 48x16x16 patch latents (`backbone.PatchCodec`), so its
forward pass is far cheaper than the shipped pixel-space model's, while the heads, sized for the shipped model, still
run at the 32 grid. This script times, on GlitchWorld test pairs:
  backbone   the backbone's forward on the images (layers us2-us4, resized to the grid 32): the floor;
  heads      `Disentangler` forward for candidate sizes q (proj_dim 128 / 64 / 32, bottleneck q/4) and layouts:
               grid32  the shipped layout: every layer resized to the 32 grid, then the bottleneck blocks;
               grid16  the same on a 16 grid (the patch backbone's finest decoder resolution);
               native  each layer's block at the layer's own resolution, the mixed sum resized to the 32 grid
                       (a candidate layout, not in the package);
  vsm        `vsm_score` on the pairs' exact masks, with the shipped model's maps on its 32 grid and pooled to 16;
and prints each as a multiple of the backbone, with the scoring ratio it implies:
(backbone + heads for the two images of a pair + vsm for the pair) / backbone. Weights do not change the cost, so the
patch architecture is timed with random weights until trained ones exist.

    python benchmarks/head_cost.py [--weights random|shipped|FOLDER] [--pairs 32] [--batch 16] [--repeats 7]
                                   [--threads 1] [--json benchmarks/results/head_cost_patch.json]
"""

import argparse

import torch
import torch.nn.functional as F
from scoring_pairs import scoring_pairs
from timing import add_size_args, timed_interleaved, write_record

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.disentangle import EMBEDDED_LAYERS, Disentangler, disentangler_for
from mind_the_glitch.vsm import vsm_score

SIZES = (128, 64, 32)
LAYOUTS = ("grid32", "grid16", "native")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="random", help="random (patch architecture), shipped, or a backbone folder")
    return add_size_args(ap).parse_args()


def load_backbone(weights: str) -> EmbeddedFeatures:
    "The backbone to time: the patch architecture with random weights, the shipped model, or a folder."
    if weights == "random":
        return EmbeddedFeatures.random(device="cpu").eval()
    return EmbeddedFeatures.from_pretrained(None if weights == "shipped" else weights, device="cpu").eval()


def native_forward(heads: Disentangler, features: dict[str, torch.Tensor], grid: int) -> list[torch.Tensor]:
    "The candidate layout: each layer's block at the layer's own resolution; the weighted sum resized to `grid`."
    maps = []
    for blocks, theta in ((heads.semantic, heads.semantic_weights), (heads.visual, heads.visual_weights)):
        weights = F.softmax(theta, 0)
        total = 0
        for weight, block, layer in zip(weights, blocks, heads.layers):
            out = F.interpolate(block(features[layer]), size=(grid, grid), mode="bilinear", align_corners=False)
            total = total + weight * out
        maps.append(F.normalize(total, dim=1))
    return maps


def head_runs(backbone: EmbeddedFeatures, batches: list[torch.Tensor]) -> dict:
    "One timing function per (layout, q): the heads on features computed once beforehand."
    layers = list(EMBEDDED_LAYERS)
    with torch.no_grad():
        on_grid = {g: [backbone(x, layers=layers, grid=g) for x in batches] for g in (32, 16)}
        native = [backbone(x, layers=layers, grid=None) for x in batches]
    runs = {}
    for q in SIZES:
        torch.manual_seed(0)
        heads32 = disentangler_for(backbone, layers, grid=32, proj_dim=q, num_groups=8).eval()
        heads16 = disentangler_for(backbone, layers, grid=16, proj_dim=q, num_groups=8).eval()
        runs[f"grid32_q{q}"] = lambda h=heads32: [h(f) for f in on_grid[32]]
        runs[f"grid16_q{q}"] = lambda h=heads16: [h(f) for f in on_grid[16]]
        runs[f"native_q{q}"] = lambda h=heads32: [native_forward(h, f, 32) for f in native]
    return runs


def shipped_maps(images: torch.Tensor, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The shipped model's semantic and visual maps of `images` on its 32 grid: VSM's cost depends on how many points
    match, so it is timed on trained maps, not random ones (which match nothing and skip the assignment)."""
    from mind_the_glitch.scorer import load_model

    model = load_model(None, device="cpu").eval()
    with torch.no_grad():
        maps = [model(x) for x in images.split(batch)]
    return torch.cat([s for s, _ in maps]), torch.cat([v for _, v in maps])


def vsm_runs(maps: tuple[torch.Tensor, torch.Tensor], masks: tuple[list, list]) -> dict:
    "`vsm_score` over every pair on the 32 grid and on the 16 grid (the maps average-pooled 2x2, renormalised)."
    mrefs, mgens = masks
    n = len(mrefs)
    runs = {}
    for g in (32, 16):
        sem, vis = (F.normalize(F.adaptive_avg_pool2d(m, g), dim=1) for m in maps)

        def run(sem=sem, vis=vis):
            for i, (mref, mgen) in enumerate(zip(mrefs, mgens)):
                vsm_score(sem[n + i], sem[i], vis[n + i], vis[i], mgen, mref, thresholds=(0.6,))

        runs[f"vsm_grid{g}"] = run
    return runs


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    backbone = load_backbone(args.weights)
    refs, gens, mrefs, mgens = scoring_pairs(args.pairs)
    images = torch.stack(refs + gens)
    batches = list(images.split(args.batch))
    layers = list(EMBEDDED_LAYERS)

    @torch.no_grad()
    def backbone_only():
        for x in batches:
            backbone(x, layers=layers, grid=32)

    maps = shipped_maps(images, args.batch)
    runs = {"backbone": backbone_only, **head_runs(backbone, batches), **vsm_runs(maps, (mrefs, mgens))}
    with torch.no_grad():
        seconds = timed_interleaved(runs, args.repeats)
    floor = seconds["backbone"]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; backbone {args.weights} "
        f"({backbone.unet.config.sample_size}x{backbone.unet.config.sample_size} latents, "
        f"patch {backbone.codec.patch_size}); {args.pairs} pairs = {len(images)} images, batch {args.batch}; median of "
        f"{args.repeats} interleaved rounds"
    )
    print(f"{'backbone (grid 32)':20s} {floor * 1000:8.1f} ms   1.00 x backbone")
    ratios = {}
    for q in SIZES:
        for layout in LAYOUTS:
            name = f"{layout}_q{q}"
            vsm = seconds["vsm_grid16" if layout == "grid16" else "vsm_grid32"]
            ratios[name] = {
                "heads": seconds[name] / floor,
                "vsm": vsm / floor,
                "scoring": (floor + seconds[name] + vsm) / floor,
            }
            r = ratios[name]
            print(
                f"{'heads ' + name:20s} {seconds[name] * 1000:8.1f} ms   {r['heads']:.2f} x backbone;   with vsm: "
                f"scoring {r['scoring']:.2f} x backbone"
            )
    for g in (32, 16):
        print(
            f"{f'vsm_score, grid {g}':20s} {seconds[f'vsm_grid{g}'] * 1000:8.1f} ms   "
            f"{seconds[f'vsm_grid{g}'] / floor:.2f} x backbone"
        )
    if args.json:
        write_record(args.json, args, weights=args.weights, seconds=seconds, over_backbone=ratios)


if __name__ == "__main__":
    main()
