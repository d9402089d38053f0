"""Training-step cost of the disentangler on this CPU: frozen backbone vs trainable heads.

Prints, for the embedded backbone (shipped weights if present, else random: the cost is the same)
and a given layer list: backbone seconds per image (feature extraction, done once per image when
features are cached), and the seconds of one optimizer step on cached features (heads forward,
loss, backward, AdamW), split into its parts. Also the share of an uncached step that would be
spent in the backbone.

    python benchmarks/bench_train.py [--layers us2,us3,us4] [--batch 8] [--proj-dim 128] [--threads 2] [--repeats 5]
"""

import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default="us2,us3,us4")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--proj-dim", type=int, default=128)
    ap.add_argument("--num-groups", type=int, default=8)
    ap.add_argument("--grid", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--loss", default="paper", choices=["paper", "code"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from mind_the_glitch.backbone import EmbeddedFeatures
    from mind_the_glitch.disentangle import disentangler_for
    from mind_the_glitch.losses import LossConfig, mtg_loss
    from mind_the_glitch.train_data import IMAGE_KEYS, glitch_samples, points_batch, sample_points

    try:
        bb, src = EmbeddedFeatures.from_pretrained(device="cpu"), "shipped"
    except FileNotFoundError:
        bb, src = EmbeddedFeatures.random(device="cpu"), "random (same cost)"
    layers = a.layers.split(",")
    items = glitch_samples(a.batch, "train", grid=a.grid)
    cfg = LossConfig.code() if a.loss == "code" else LossConfig()
    need = cfg.images_needed()
    imgs = {k: torch.stack([it[k] for it in items]) for k in IMAGE_KEYS}
    bb(imgs["image1"], layers=layers, grid=a.grid)  # warm-up
    t = time.perf_counter()
    for _ in range(a.repeats):
        feats = {k: bb(imgs[k], layers=layers, grid=a.grid) for k in need}
    t_bb = (time.perf_counter() - t) / a.repeats
    dis = disentangler_for(bb, layers=layers, grid=a.grid, proj_dim=a.proj_dim, num_groups=a.num_groups)
    opt = torch.optim.AdamW(dis.parameters(), lr=1e-3)
    batch = points_batch(sample_points(items, ""), range(len(items)))
    parts = {"heads_forward": 0.0, "loss": 0.0, "backward_and_step": 0.0}
    for r in range(a.repeats + 1):
        t0 = time.perf_counter()
        outs = {k: dis(feats[k]) for k in need}
        t1 = time.perf_counter()
        loss = mtg_loss(outs, batch, cfg)["total"]
        t2 = time.perf_counter()
        opt.zero_grad()
        loss.backward()
        opt.step()
        t3 = time.perf_counter()
        if r:  # skip the first (warm-up) step
            parts["heads_forward"] += (t1 - t0) / a.repeats
            parts["loss"] += (t2 - t1) / a.repeats
            parts["backward_and_step"] += (t3 - t2) / a.repeats
    step = sum(parts.values())
    n_img = len(need) * a.batch
    print(
        f"backbone: {src}; layers {layers}; grid {a.grid}; q {a.proj_dim}; batch {a.batch} samples x {len(need)} "
        "images "
        f"({a.loss} loss); {a.threads} threads"
    )
    print(f"backbone features: {t_bb:.3f} s per batch ({t_bb / n_img * 1000:.1f} ms per image)")
    print(f"cached training step: {step:.3f} s  (" + ", ".join(f"{k} {v:.3f} s" for k, v in parts.items()) + ")")
    print(
        f"uncached step would be {t_bb + step:.3f} s: backbone {t_bb / (t_bb + step):.0%}, trainable heads "
        f"{step / (t_bb + step):.0%}"
    )
    print(f"params: {sum(p.numel() for p in dis.parameters()):,} trainable")


if __name__ == "__main__":
    main()
