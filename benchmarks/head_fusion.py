"""How much of the heads' cost can go without changing the scores (issue 18's 1.15x target, shipped model).

The shipped heads (`Disentangler`: per layer, one bottleneck block per branch on the 32 grid) cost about 0.3x the
backbone, and the 1.15x target leaves them about 0.1x. This script measures the ceiling of rewrites that keep the
arithmetic of the method, on the shipped model and GlitchWorld test pairs:
  reference  the package's `Disentangler.forward` on features resized to the grid (what the scorer runs);
  fused      the two branches of a layer as one computation: their first 1x1 convolutions and shortcuts as one 1x1
             convolution, run at the layer's own resolution when that is coarser than the grid (a 1x1 convolution
             commutes with bilinear resizing), the 3x3 and last 1x1 convolutions as grouped convolutions (groups=2),
             each pair of GroupNorms as one GroupNorm with twice the groups;
  fused_cl   the same in channels-last memory format;
  split      the first 1x1 convolutions fused as above, the rest of each branch's block run on its own.
It prints each as a multiple of the backbone, the scoring ratio it implies (backbone + heads + VSM), and how far the
rewritten maps and VSM scores are from the reference: the rewrite is exact in real arithmetic, not in floating point,
so it counts the pairs whose VSM changes at the model's T_v.

    python benchmarks/head_fusion.py [--pairs 32] [--batch 16] [--repeats 7] [--threads 1] [--json FILE]
"""

import argparse

import torch
import torch.nn.functional as F
from scoring_pairs import scoring_pairs
from timing import add_size_args, timed_interleaved, write_record

from mind_the_glitch.disentangle import Disentangler
from mind_the_glitch.scorer import load_model
from mind_the_glitch.vsm import vsm_score


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    return add_size_args(ap).parse_args()


def _cat(*tensors: torch.Tensor) -> torch.Tensor:
    return torch.cat([t.detach() for t in tensors], 0)


class FusedHeads(torch.nn.Module):
    "Both branches of a `Disentangler` as one computation per layer (see the module docstring)."

    def __init__(self, heads: Disentangler, grouped: bool = True):
        super().__init__()
        self.grouped = grouped
        self.grid = heads.config.grid
        self.q = heads.config.proj_dim
        self.groups = heads.config.num_groups
        self.semantic_weights = F.softmax(heads.semantic_weights.detach(), 0)
        self.visual_weights = F.softmax(heads.visual_weights.detach(), 0)
        self.layers = []
        for sem, vis in zip(heads.semantic, heads.visual):
            b = sem.conv1.weight.shape[0]
            self.layers.append(
                {
                    "b": b,
                    "first": _cat(sem.conv1.weight, vis.conv1.weight, sem.shortcut.weight, vis.shortcut.weight),
                    "norm1": (_cat(sem.norm1.weight, vis.norm1.weight), _cat(sem.norm1.bias, vis.norm1.bias)),
                    "conv2": _cat(sem.conv2.weight, vis.conv2.weight),
                    "norm2": (_cat(sem.norm2.weight, vis.norm2.weight), _cat(sem.norm2.bias, vis.norm2.bias)),
                    "conv3": _cat(sem.conv3.weight, vis.conv3.weight),
                    "norm3": (_cat(sem.norm3.weight, vis.norm3.weight), _cat(sem.norm3.bias, vis.norm3.bias)),
                    "norm_sc": (_cat(sem.norm_sc.weight, vis.norm_sc.weight), _cat(sem.norm_sc.bias, vis.norm_sc.bias)),
                }
            )

    def _to_grid(self, x: torch.Tensor) -> torch.Tensor:
        g = self.grid
        if x.shape[-2:] == (g, g):
            return x
        return F.interpolate(x, size=(g, g), mode="bilinear", align_corners=False)

    def _layer(self, p: dict, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] > self.grid:
            x = self._to_grid(x)
        y = self._to_grid(F.conv2d(x, p["first"]))
        h, sc = y[:, : 2 * p["b"]], y[:, 2 * p["b"] :]
        if self.grouped:
            return self._rest(p, h, sc, 2, slice(None))
        halves = [self._rest(p, h.chunk(2, 1)[i], sc.chunk(2, 1)[i], 1, i) for i in (0, 1)]
        return torch.cat(halves, 1)

    def _rest(self, p: dict, h: torch.Tensor, sc: torch.Tensor, n: int, part) -> torch.Tensor:
        "The block after its first 1x1 convolutions, for both branches at once (n=2) or for branch `part` (n=1)."

        def pick(w: torch.Tensor) -> torch.Tensor:
            return w if n == 2 else w.chunk(2, 0)[part]

        def norm(t: torch.Tensor, key: str) -> torch.Tensor:
            weight, bias = p[key]
            return F.group_norm(t, n * self.groups, pick(weight), pick(bias))

        h = F.relu(norm(h, "norm1"))
        h = F.relu(norm(F.conv2d(h, pick(p["conv2"]), padding=1, groups=n), "norm2"))
        h = norm(F.conv2d(h, pick(p["conv3"]), groups=n), "norm3")
        return F.relu(h + norm(sc, "norm_sc"))

    def forward(self, feats: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        sem = vis = 0
        for i, (p, x) in enumerate(zip(self.layers, feats)):
            out = self._layer(p, x)
            sem = sem + self.semantic_weights[i] * out[:, : self.q]
            vis = vis + self.visual_weights[i] * out[:, self.q :]
        return F.normalize(sem, dim=1), F.normalize(vis, dim=1)


def vsm_scores(maps: tuple[torch.Tensor, torch.Tensor], masks: tuple[list, list], model) -> list[float]:
    "VSM of every pair at the model's calibrated T_v and rule (the first half of the maps are references)."
    sem, vis = maps
    mrefs, mgens = masks
    n = len(mrefs)
    return [
        vsm_score(
            sem[n + i],
            sem[i],
            vis[n + i],
            vis[i],
            mgen,
            mref,
            thresholds=(model.visual_threshold,),
            one_to_one=model.vsm_one_to_one,
            visual_at=model.vsm_visual_at,
        ).scores[model.visual_threshold]
        for i, (mref, mgen) in enumerate(zip(mrefs, mgens))
    ]


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(None, device="cpu").eval()
    heads, backbone = model.disentangler, model.backbone
    layers = heads.layers
    refs, gens, mrefs, mgens = scoring_pairs(args.pairs)
    batches = list(torch.stack(refs + gens).split(args.batch))
    fused = FusedHeads(heads)
    split = FusedHeads(heads, grouped=False)
    with torch.no_grad():
        on_grid = [backbone(x, layers=layers, grid=heads.config.grid) for x in batches]
        native = [[f[l] for l in layers] for f in (backbone(x, layers=layers, grid=None) for x in batches)]
        native_cl = [[t.contiguous(memory_format=torch.channels_last) for t in f] for f in native]
        reference = [heads(f) for f in on_grid]
        rewritten = [fused(f) for f in native]

    def both(maps: list) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.cat([s for s, _ in maps]), torch.cat([v for _, v in maps])

    ref_maps, new_maps = both(reference), both(rewritten)
    max_diff = max(float((a - b).abs().max()) for a, b in zip(ref_maps, new_maps))
    ref_vsm = vsm_scores(ref_maps, (mrefs, mgens), model)
    new_vsm = vsm_scores(new_maps, (mrefs, mgens), model)
    changed = sum(a != b for a, b in zip(ref_vsm, new_vsm))

    runs = {
        "backbone": lambda: [backbone(x, layers=layers, grid=heads.config.grid) for x in batches],
        "reference": lambda: [heads(f) for f in on_grid],
        "fused": lambda: [fused(f) for f in native],
        "fused_cl": lambda: [fused(f) for f in native_cl],
        "split": lambda: [split(f) for f in native],
        "vsm": lambda: vsm_scores(ref_maps, (mrefs, mgens), model),
    }
    with torch.no_grad():
        seconds = timed_interleaved(runs, args.repeats)
    floor = seconds["backbone"]
    vsm_share = seconds["vsm"] / floor
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; shipped model, layers {layers}, grid "
        f"{heads.config.grid}, q {heads.config.proj_dim}; {args.pairs} pairs = {2 * args.pairs} images, median of "
        f"{args.repeats} interleaved rounds"
    )
    ratios = {}
    for name in ("reference", "fused", "fused_cl", "split"):
        ratios[name] = {"heads": seconds[name] / floor, "scoring": 1 + seconds[name] / floor + vsm_share}
        print(
            f"{name:10s} {seconds[name] * 1000:8.1f} ms   heads {ratios[name]['heads']:.3f} x backbone   "
            f"scoring ~{ratios[name]['scoring']:.2f} x"
        )
    print(f"backbone   {floor * 1000:8.1f} ms;   vsm_score {seconds['vsm'] * 1000:.1f} ms ({vsm_share:.3f} x backbone)")
    print(
        f"fused vs reference: max |map difference| {max_diff:.2e}; VSM at T_v {model.visual_threshold} changed on "
        f"{changed} of {len(ref_vsm)} pairs"
    )
    if args.json:
        write_record(
            args.json,
            args,
            seconds=seconds,
            over_backbone=ratios,
            max_map_difference=max_diff,
            vsm_pairs_changed=changed,
            vsm_pairs=len(ref_vsm),
        )


if __name__ == "__main__":
    main()
