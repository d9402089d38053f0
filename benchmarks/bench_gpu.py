"""GPU timings at the paper's scale, with random weights (same compute as the real models, which cannot be
downloaded here).

1. Training step (issue 4): a Stable Diffusion 2.1-sized backbone (UNet 865 M params + VAE,
   `tiny_stable_diffusion(full_size=True)`) at 768 px, the paper's layers us8,us9,us10 on a 48x48 grid, heads
   q = 384, the paper's loss; backbone in bf16 weights, heads under bf16 autocast. Prints the backbone's share
   (feature extraction of the 4 images per sample) and the heads' share.
2. VSM throughput (issue 5): `VSMScorer.score` end to end with that model (pairs/s, batched) and the ratio to the
   backbone's forward alone on the same images.
3. The baselines at their real compute: CLIP ViT-B/32 and DINO ViT-S/16 (transformers configs, random weights), pairs/s.

Every time is the median of --repeats runs after a warm-up, with torch.cuda.synchronize around it.

    python benchmarks/bench_gpu.py [--device cuda] [--size 768] [--batch 4] [--pairs 32] [--repeats 5] [--dtype bf16]
On a CPU, `--size 64 --tiny` checks the script in seconds (tiny SD 2.1 architecture).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch


def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, repeats):
    fn()
    sync(device)  # warm-up (kernels, allocator, cuDNN autotune)
    ts = []
    for _ in range(repeats):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--size", type=int, default=768)
    ap.add_argument(
        "--batch",
        type=int,
        default=4,
        help="training samples per step / images per backbone batch (x4 images per sample)",
    )
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--score-batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    ap.add_argument("--tiny", action="store_true", help="tiny SD 2.1 architecture (CPU check of the script)")
    ap.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    a = ap.parse_args()
    from mind_the_glitch.backbone import StableDiffusionFeatures
    from mind_the_glitch.baselines import load_hf_baseline
    from mind_the_glitch.disentangle import MindTheGlitch, disentangler_for
    from mind_the_glitch.losses import LossConfig, mtg_loss
    from mind_the_glitch.scorer import VSMScorer
    from mind_the_glitch.tiny import tiny_stable_diffusion
    from mind_the_glitch.train_data import IMAGE_KEYS, glitch_samples, points_batch, sample_points

    dev, dtype = a.device, (torch.bfloat16 if a.dtype == "bf16" else torch.float32)
    torch.manual_seed(0)
    res: dict = {"device": torch.cuda.get_device_name(0) if "cuda" in dev else "cpu", "size": a.size, "dtype": a.dtype}
    tmp = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    tiny_stable_diffusion(tmp / "sd21", full_size=not a.tiny)
    print(
        f"built a random {'tiny' if a.tiny else 'full-size'} SD 2.1 pipeline in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    fx = StableDiffusionFeatures.from_pretrained(
        tmp / "sd21", device=dev, torch_dtype=dtype, resolution=a.size, dtype=dtype
    )
    n_unet = sum(p.numel() for p in fx.unet.parameters())
    layers, grid = (["us8", "us9", "us10"], 48) if not a.tiny else (["us4", "us5", "us6"], 8)
    dis = disentangler_for(
        fx, layers=layers, grid=grid, proj_dim=None if not a.tiny else 32, num_groups=None if not a.tiny else 8
    ).to(dev)
    n_heads = sum(p.numel() for p in dis.parameters())
    print(
        f"UNet {n_unet / 1e6:.0f} M params ({a.dtype}); heads {n_heads / 1e6:.2f} M params; layers {layers}, grid "
        f"{grid}, q {dis.config.proj_dim}",
        flush=True,
    )
    res.update(unet_params=n_unet, head_params=n_heads, layers=layers, grid=grid, proj_dim=int(dis.config.proj_dim))

    # 1. training step: the 4 images of each sample through the frozen backbone, then heads + paper loss + AdamW
    items = glitch_samples(a.batch, "train", grid=grid)
    imgs = {k: torch.stack([it[k] for it in items]).to(dev) for k in IMAGE_KEYS}
    cfg = LossConfig()
    need = cfg.images_needed()
    batch = points_batch(sample_points(items, ""), range(len(items)), device=dev)
    feats = {}

    def backbone_step():
        for k in need:
            feats[k] = fx(imgs[k], layers=layers, grid=grid)

    opt = torch.optim.AdamW(dis.parameters(), lr=1e-3)

    def heads_step():
        with torch.autocast(torch.device(dev).type, dtype=dtype, enabled=dtype != torch.float32):
            outs = {k: dis(feats[k]) for k in need}
        loss = mtg_loss({k: (s.float(), v.float()) for k, (s, v) in outs.items()}, batch, cfg)["total"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    t_bb = timed(backbone_step, dev, a.repeats)
    t_heads = timed(heads_step, dev, a.repeats)
    step = t_bb + t_heads
    print(
        f"[train] batch {a.batch} samples x {len(need)} images at {a.size} px: step {step:.3f} s "
        f"(backbone {t_bb:.3f} s = {t_bb / step:.0%}, heads fwd+loss+bwd+AdamW {t_heads:.3f} s = "
        f"{t_heads / step:.0%}); "
        f"{a.batch / step:.1f} samples/s",
        flush=True,
    )
    if "cuda" in dev:
        print(f"[train] peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB", flush=True)
    res["train"] = dict(
        batch=a.batch,
        images_per_sample=len(need),
        step_s=step,
        backbone_s=t_bb,
        heads_s=t_heads,
        peak_gib=torch.cuda.max_memory_allocated() / 2**30 if "cuda" in dev else None,
    )
    del feats, opt

    # 2. VSM scoring: end to end vs the backbone's forward alone, same images and batches
    model = MindTheGlitch(fx, dis.eval())
    scorer = VSMScorer(model, segmenter=None, batch_size=a.score_batch, device=dev)
    from scoring_pairs import scoring_pairs

    refs, gens, mrefs, mgens = scoring_pairs(a.pairs)
    images = torch.stack(refs + gens)

    @torch.no_grad()
    def backbone_only():
        for s in range(0, len(images), a.score_batch):
            fx(images[s : s + a.score_batch].to(dev), layers=layers, grid=grid)

    def score_all():
        for s in range(0, a.pairs, a.score_batch):
            sl = slice(s, s + a.score_batch)
            scorer.score(refs[sl], gens[sl], mrefs[sl], mgens[sl])

    t_fwd = timed(backbone_only, dev, a.repeats)
    t_vsm = timed(score_all, dev, a.repeats)
    print(
        f"[vsm] {a.pairs} pairs, batch {a.score_batch} pairs: {a.pairs / t_vsm:.1f} pairs/s end to end; backbone alone "
        f"{a.pairs / t_fwd:.1f} pairs/s; VSM / backbone time = {t_vsm / t_fwd:.2f}",
        flush=True,
    )
    res["vsm"] = dict(
        pairs=a.pairs,
        batch=a.score_batch,
        pairs_per_s=a.pairs / t_vsm,
        backbone_pairs_per_s=a.pairs / t_fwd,
        ratio=t_vsm / t_fwd,
    )
    del model, scorer, fx, dis
    if "cuda" in dev:
        torch.cuda.empty_cache()

    # 3. baselines with the real architectures (random weights), through the same loader as real checkpoints
    from transformers import CLIPConfig, CLIPModel, ViTConfig, ViTModel

    CLIPModel(CLIPConfig()).save_pretrained(tmp / "clip")  # defaults = ViT-B/32 vision tower, 224 px
    ViTModel(
        ViTConfig(
            hidden_size=384,
            num_hidden_layers=12,
            num_attention_heads=6,
            intermediate_size=1536,
            patch_size=16,
            image_size=224,
        ),
        add_pooling_layer=False,
    ).save_pretrained(tmp / "dino")  # ViT-S/16
    res["baselines"] = {}
    for label in ("clip", "dino"):
        b = load_hf_baseline(str(tmp / label), label, device=dev)
        if not b.available:
            sys.exit(f"{label}: {b.reason}")
        t = timed(lambda: b.similarity(torch.stack(refs), torch.stack(gens)), dev, a.repeats)
        print(f"[{label}] {b.name}: {a.pairs / t:.1f} pairs/s (random weights)", flush=True)
        res["baselines"][label] = dict(name=b.name, pairs_per_s=a.pairs / t)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
