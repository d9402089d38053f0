"""Experiment: does classifier guidance (Dhariwal & Nichol 2021) make the shipped embedded DDPM draw its class?

    python benchmarks/classifier_guidance.py [--subjects 6000] [--views 2] [--steps 1500] [--scales 0,2,5,10]

Trains a small time-conditioned classifier p(class | x_t, t) on noisy views of the `backbone` split (the UNet's own
training split), then samples the shipped generator with its gradient added to the noise prediction, and measures the
generation metrics (class accuracy, conditioning, FID) with the stage's EfficientNet classifier on the
train/test/val splits, which neither model saw.

Measured on the shipped epsilon weights (benchmarks/results/classifier_guidance.json; 6,000 subjects x 2 views, 1,500
steps of batch 128 in 20 min on the 2-core CPU; 160 samples, DPM 15 steps, classifier-free guidance 2 beside it). The
noisy classifier reaches 0.87 on clean val renders, 0.62 at t = 500 and 0.40 at t = 700. Guidance moves the class, but
little and without drawing shapes: class accuracy 0.225 / 0.275 / 0.294 / 0.338 and conditioning 0.198 / 0.253 / 0.255
/ 0.286 at scales 0 / 2 / 5 / 10, FID 125 / 120 / 119 / 120 (floor 23.3). The samples stay textured blobs
(figures/classifier_guidance_10.png): the gradient recolours and nudges them, it does not give them a class's
silhouette. So a guidance term on the sampler is not the lever that makes the backbone draw; training length is.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from diffusers.models.resnet import Downsample2D, ResnetBlock2D
from tqdm.auto import tqdm

from mind_the_glitch.backbone_train import render_training_views
from mind_the_glitch.generation import (
    GenerationConfig,
    RenderReference,
    conditioning_effect,
    frechet_distance,
    plot_sample_grid,
    seed_class_grid,
)
from mind_the_glitch.sampling import EmbeddedDiffusion, SeededNoise, make_sampler, predict_noise
from mind_the_glitch.world import CATEGORIES, GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("--subjects", type=int, default=6000)
parser.add_argument("--views", type=int, default=2)
parser.add_argument("--steps", type=int, default=1500)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--scales", default="0,2,5,10")
parser.add_argument("--guidance", type=float, default=2.0, help="classifier-free guidance beside it")
parser.add_argument("--samples", type=int, default=160)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--out", default="benchmarks/results/classifier_guidance.json")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class NoisyClassifier(torch.nn.Module):
    def __init__(self, channels=(32, 64, 128, 128), n_classes=len(CATEGORIES), temb=128):
        super().__init__()
        self.time_proj = Timesteps(channels[0], flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embed = TimestepEmbedding(channels[0], temb)
        self.stem = torch.nn.Conv2d(3, channels[0], 3, stride=2, padding=1)
        blocks = []
        prev = channels[0]
        for i, c in enumerate(channels):
            blocks.append(ResnetBlock2D(in_channels=prev, out_channels=c, temb_channels=temb, groups=16))
            if i < len(channels) - 1:
                blocks.append(Downsample2D(c, use_conv=True, padding=1))
            prev = c
        self.blocks = torch.nn.ModuleList(blocks)
        self.norm = torch.nn.GroupNorm(16, prev)
        self.head = torch.nn.Linear(prev, n_classes)

    def forward(self, x, t):
        emb = self.time_embed(self.time_proj(t.reshape(-1).expand(len(x)).float()))
        h = self.stem(x)
        for block in self.blocks:
            h = block(h, emb) if isinstance(block, ResnetBlock2D) else block(h)
        return self.head(F.silu(self.norm(h)).mean((2, 3)))


world = GlitchWorld(seed=0)
model = EmbeddedDiffusion.from_pretrained()
scheduler = model.scheduler
t0 = time.perf_counter()
views, labels = render_training_views(world, args.subjects, args.views, workers=2)
x_all = model.codec.encode(views[:, :3].float() / 255)
print(f"rendered {len(views)} views in {time.perf_counter() - t0:.0f} s", flush=True)

clf = NoisyClassifier()
print(f"classifier: {sum(p.numel() for p in clf.parameters()) / 1e6:.2f} M parameters", flush=True)
opt = torch.optim.AdamW(clf.parameters(), lr=args.lr, weight_decay=0.01)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
g = torch.Generator().manual_seed(0)
t0 = time.perf_counter()
ema = None
for step in tqdm(range(args.steps), mininterval=10, desc="classifier"):
    idx = torch.randint(0, len(x_all), (args.batch,), generator=g)
    x0 = x_all[idx]
    # flips keep the class (the world draws mirrored poses) and double the data
    flip = torch.rand(args.batch, generator=g) < 0.5
    x0 = torch.where(flip[:, None, None, None], x0.flip(-1), x0)
    t = torch.randint(0, 1000, (args.batch,), generator=g)
    xt = scheduler.add_noise(x0, torch.randn(x0.shape, generator=g), t)
    loss = F.cross_entropy(clf(xt, t), labels[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
    if step % 100 == 0:
        print(f"step {step} loss {ema:.3f} {time.perf_counter() - t0:.0f} s", flush=True)
train_seconds = time.perf_counter() - t0
clf.eval().requires_grad_(False)

# accuracy by noise level on held-out val renders
val_views, val_labels = render_training_views(world, 400, 1, split="val", progress=False)
val_x = model.codec.encode(val_views[:, :3].float() / 255)
by_t = {}
for t in [0, 100, 300, 500, 700, 900]:
    tt = torch.full((len(val_x),), t)
    xt = scheduler.add_noise(val_x, torch.randn(val_x.shape, generator=torch.Generator().manual_seed(t)), tt)
    with torch.no_grad():
        by_t[t] = float((clf(xt, tt).argmax(1) == val_labels).float().mean())
print("noisy-classifier accuracy on val renders by t:", by_t, flush=True)


def guided_generate(classes, seeds, scale, steps=15, guidance=2.0, batch=16):
    labels_ = torch.as_tensor(classes)
    out = []
    alphas = scheduler.alphas_cumprod
    for start in tqdm(range(0, len(seeds), batch), mininterval=10, desc=f"sample s={scale}"):
        chunk = slice(start, start + batch)
        x = SeededNoise(seeds[chunk], model.latent_shape)()
        c = labels_[chunk]
        sampler = make_sampler("dpm", steps, scheduler)
        for t in sampler.timesteps:
            with torch.no_grad():
                eps = predict_noise(model.unet, x, t, c, guidance)
            if scale > 0:
                with torch.enable_grad():
                    xg = x.detach().requires_grad_(True)
                    logp = F.log_softmax(clf(xg, t), 1).gather(1, c[:, None]).sum()
                    grad = torch.autograd.grad(logp, xg)[0]
                eps = eps - scale * (1 - alphas[t]).sqrt() * grad
            x = sampler.step(eps, t, x).prev_sample
        out.append(model.codec.decode(x.clamp(-1, 1)).float())
    return torch.cat(out)


config = GenerationConfig(
    n_samples=args.samples, n_renders=400, n_classifier_train=2000, steps=15, guidance=args.guidance, batch_size=16
)
reference = RenderReference.build(world, config)
classes, seeds = seed_class_grid(args.samples, 0)
results = {"settings": vars(args), "classifier_train_seconds": train_seconds, "noisy_accuracy_val": by_t, "scales": {}}
for scale in [float(s) for s in args.scales.split(",")]:
    t0 = time.perf_counter()
    samples = guided_generate(classes, seeds, scale, guidance=args.guidance)
    feats = reference.classifier.embed(samples)
    pred = reference.classifier.predict(feats)
    m = {
        "class_accuracy": float((pred == np.array(classes)).mean()),
        "conditioning_effect": conditioning_effect(pred),
        "fid_effnet": frechet_distance(feats["pooled"], reference.test_features["pooled"]),
        "fid_effnet_floor": frechet_distance(reference.val_features["pooled"], reference.test_features["pooled"]),
        "seconds": time.perf_counter() - t0,
    }
    results["scales"][f"{scale:g}"] = m
    print(f"scale {scale:g}: {json.dumps({k: round(v, 3) for k, v in m.items()})}", flush=True)
    fig = plot_sample_grid(samples, 8, f"classifier guidance {scale:g}: class accuracy {m['class_accuracy']:.2f}")
    fig.savefig(f"benchmarks/results/figures/classifier_guidance_{scale:g}.png", dpi=80)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
