"""Sampling speed of the consistency stage's generators, and how far few-step solvers are from a 100-step DDIM reference.

Prints seconds per image for DPM-Solver++ and DDIM at several step counts (batched, the paper's seeds), the mean absolute
pixel difference of each to DDIM-100 on the same seeds, and, for scale, the difference between images of different seeds.
Also one LoRA fine-tuning step.

Usage: python benchmarks/bench_consistency.py [--n 8] [--batch 40] [--threads 2] [--random | --checkpoint DIR]
"""
import argparse, time
import torch
from diffusers import UNet2DModel
from mind_the_glitch.backbone import EmbeddedFeatures, embedded_unet_config
from mind_the_glitch.consistency import PAPER_SEEDS, finetune_lora, generate, lora_subjects, render_subject_views
from mind_the_glitch.world import GlitchWorld

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=8); ap.add_argument("--batch", type=int, default=40)
ap.add_argument("--threads", type=int, default=2); ap.add_argument("--random", action="store_true", help="random weights (same compute)")
ap.add_argument("--checkpoint", default=None, help="a training checkpoint folder (core.save_checkpoint) instead of the shipped weights")
args = ap.parse_args()
torch.set_num_threads(args.threads)
if args.random: torch.manual_seed(0); unet = UNet2DModel(**embedded_unet_config()).eval(); src = "random"
elif args.checkpoint:
    from mind_the_glitch.core import load_checkpoint
    states, info = load_checkpoint(args.checkpoint); unet = UNet2DModel(**embedded_unet_config())
    unet.load_state_dict(states["model"]); unet.eval(); src = f"checkpoint step {info.get('step')}"
else: unet = EmbeddedFeatures.from_pretrained(device="cpu").unet; src = "shipped"
classes = [k % 8 for k in range(args.n)]; seeds = list(PAPER_SEEDS[:args.n])
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {src} weights, {args.n} images, batch {args.batch}")
ref = generate(unet, classes, seeds, steps=100, sampler="ddim", batch_size=args.batch)
other = generate(unet, classes, seeds[1:] + seeds[:1], steps=100, sampler="ddim", batch_size=args.batch)
print(f"ddim-100 reference; |different seeds| = {(ref - other).abs().mean():.4f} (mean abs pixel difference, scale)")
for sampler, steps in (("dpm", 10), ("dpm", 20), ("ddim", 10), ("ddim", 15), ("ddim", 25), ("ddim", 50)):
    t0 = time.perf_counter(); x = generate(unet, classes, seeds, steps=steps, sampler=sampler, batch_size=args.batch)
    dt = time.perf_counter() - t0
    print(f"{sampler:>4}-{steps:<3}: {dt / args.n:.3f} s/img ({dt / args.n / steps:.4f} s/img/step); |x - ddim100| = {(x - ref).abs().mean():.4f}")
w = GlitchWorld(seed=0); imgs, labels = render_subject_views(w, lora_subjects(w), 8)
t0 = time.perf_counter(); finetune_lora(unet, imgs, labels, steps=3, batch_size=8, rank=8)
print(f"LoRA fine-tuning (rank 8, batch 8): {(time.perf_counter() - t0) / 3:.2f} s/step")
