"""Sampling speed of the consistency stage's generators, and how far few-step solvers are from a 100-step DDIM
reference.

Prints seconds per image for DPM-Solver++ and DDIM at several step counts (batched, the paper's seeds, classifier-free
guidance --guidance), the mean absolute pixel difference of each to DDIM-100 on the same seeds, and, for scale, the
difference between images of different seeds. Also the time of one LoRA fine-tuning step.

Usage:
    python benchmarks/bench_consistency.py [--n 8] [--batch 40] [--threads 2] [--guidance 2] [--random | --weights DIR]
"""

import argparse
import time

import torch

from mind_the_glitch.consistency import PAPER_SEEDS
from mind_the_glitch.lora import finetune_lora, lora_subjects, render_subject_views
from mind_the_glitch.sampling import EmbeddedDiffusion, SamplingSettings, generate
from mind_the_glitch.world import GlitchWorld

parser = argparse.ArgumentParser()
parser.add_argument("--n", type=int, default=8)
parser.add_argument("--batch", type=int, default=40)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--guidance", type=float, default=2.0)
parser.add_argument("--random", action="store_true", help="random weights (same compute)")
parser.add_argument(
    "--weights", default=None, help="a backbone folder (unet/, scheduler/, codec/) instead of the shipped weights"
)
args = parser.parse_args()
torch.set_num_threads(args.threads)
model = EmbeddedDiffusion.random() if args.random else EmbeddedDiffusion.from_pretrained(args.weights, device="cpu")
source = "random" if args.random else (args.weights or "shipped")
classes = [k % 8 for k in range(args.n)]
seeds = list(PAPER_SEEDS[: args.n])
print(
    f"torch {torch.__version__}, threads {torch.get_num_threads()}, {source} weights, {args.n} images, batch "
    f"{args.batch}, guidance {args.guidance}"
)
reference = SamplingSettings(steps=100, sampler="ddim", guidance=args.guidance, batch_size=args.batch)
ref = generate(model, classes, seeds, reference)
other = generate(model, classes, seeds[1:] + seeds[:1], reference)
print(f"ddim-100 reference; |different seeds| = {(ref - other).abs().mean():.4f} (mean abs pixel difference, scale)")
for sampler, steps in (("dpm", 10), ("dpm", 15), ("dpm", 20), ("ddim", 10), ("ddim", 15), ("ddim", 25), ("ddim", 50)):
    t0 = time.perf_counter()
    x = generate(model, classes, seeds, SamplingSettings(steps, sampler, args.guidance, args.batch))
    dt = time.perf_counter() - t0
    print(
        f"{sampler:>4}-{steps:<3}: {dt / args.n:.3f} s/img ({dt / args.n / steps:.4f} s/img/step); |x - ddim100| = "
        f"{(x - ref).abs().mean():.4f}"
    )
world = GlitchWorld(seed=0)
images, labels = render_subject_views(world, lora_subjects(world), 8)
t0 = time.perf_counter()
finetune_lora(model, images, labels, steps=3, batch_size=16, rank=8)
print(f"LoRA fine-tuning (rank 8, batch 16): {(time.perf_counter() - t0) / 3:.2f} s/step")
