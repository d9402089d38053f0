"""Projected time of each stage of the paper profile on one GPU (issue 20), from FLOP counts anchored to a measured run.

No weights can be downloaded here, and a GPU is lent to some sessions only. `bench_gpu.py` measured, on an H200 with
full-size random-weight models in bf16 (`benchmarks/results/bench_gpu_h200.json`): the SD 2.1 feature pass at 768 px
(16 images in 0.391 s), a training step of the heads and VSM scoring (21.4 pairs/s). The other models the profile runs
(SDXL inpainting and generation, Grounding DINO, SAM ViT-H) were not measured. This script counts the FLOPs of one call
of each (`torch.utils.flop_counter` on the meta device: shapes only, seconds on a CPU, no memory) and converts FLOPs to
seconds at the SD 2.1 feature pass's measured rate. Then it multiplies by the calls each stage makes at the profile's
sizes (`params.yaml` merged with `params.paper.yaml`).

What the projection assumes, so read it as an estimate within a factor of about two:
- every model reaches the SD 2.1 UNet's FLOP rate (large convolutions and attention in bf16 do; small ones do not);
- the dataset keeps every attempted pair (`--acceptance` scales the dataset stages by 1 / acceptance);
- time outside the models (image I/O, filters, matching) is left out, except VSM scoring, which is measured.

    python benchmarks/project_paper_gpu.py [--anchor benchmarks/results/bench_gpu_h200.json] [--acceptance 1.0]

Writes benchmarks/results/paper_gpu_projection.json and prints the table the README shows.
"""

import argparse
import json
import math
from pathlib import Path

import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
SD21_UNET = dict(
    block_out_channels=(320, 640, 1280, 1280),
    layers_per_block=2,
    cross_attention_dim=1024,
    attention_head_dim=(5, 10, 20, 20),
    use_linear_projection=True,
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
)
SDXL_UNET = dict(
    block_out_channels=(320, 640, 1280),
    layers_per_block=2,
    transformer_layers_per_block=(1, 2, 10),
    cross_attention_dim=2048,
    attention_head_dim=(5, 10, 20),
    use_linear_projection=True,
    addition_embed_type="text_time",
    addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
)
VAE = dict(
    block_out_channels=(128, 256, 512, 512),
    layers_per_block=2,
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    latent_channels=4,
)


def flops(fn) -> float:
    "FLOPs of one call of `fn` (multiply-adds count two)."
    with FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def on_meta(build):
    with torch.device("meta"):
        return build()


def unet_flops(config: dict, latent: int, in_channels: int = 4, batch: int = 1, sdxl: bool = False) -> float:
    "One UNet call on `batch` latents of `latent`² with a 77-token prompt (SDXL: its pooled text and size conditions)."
    from diffusers import UNet2DConditionModel

    unet = on_meta(lambda: UNet2DConditionModel(in_channels=in_channels, out_channels=4, **config))
    with torch.device("meta"):
        x = torch.randn(batch, in_channels, latent, latent)
        ctx = torch.randn(batch, 77, config["cross_attention_dim"])
        extra = {}
        if sdxl:
            extra["added_cond_kwargs"] = {"text_embeds": torch.randn(batch, 1280), "time_ids": torch.randn(batch, 6)}
        t = torch.full((batch,), 500)
        return flops(lambda: unet(x, t, encoder_hidden_states=ctx, **extra))


def vae_flops(size: int, part: str) -> float:
    "The VAE's encoder or decoder on one `size`² image."
    from diffusers import AutoencoderKL

    vae = on_meta(lambda: AutoencoderKL(**VAE))
    with torch.device("meta"):
        if part == "encode":
            x = torch.randn(1, 3, size, size)
            return flops(lambda: vae.encode(x))
        z = torch.randn(1, 4, size // 8, size // 8)
        return flops(lambda: vae.decode(z))


def sam_vit_h_flops(size: int = 1024) -> float:
    "SAM ViT-H's image encoder (the mask decoder is negligible), as in `sam_vit_h_4b8939.pth`."
    from transformers import SamVisionConfig
    from transformers.models.sam.modeling_sam import SamVisionEncoder

    cfg = SamVisionConfig(
        hidden_size=1280, num_hidden_layers=32, num_attention_heads=16, global_attn_indexes=[7, 15, 23, 31]
    )
    enc = on_meta(lambda: SamVisionEncoder(cfg))
    with torch.device("meta"):
        x = torch.randn(1, 3, size, size)
        return flops(lambda: enc(x))


def grounding_dino_flops(size: int = 800) -> float:
    "Grounding DINO (Swin-T, transformers' default config) on a `size`² image and a short prompt (random weights, CPU)."
    from transformers import GroundingDinoConfig, GroundingDinoForObjectDetection

    torch.manual_seed(0)
    model = GroundingDinoForObjectDetection(GroundingDinoConfig()).eval()
    ids = torch.tensor([[101, 4049, 1012, 102]])  # "[CLS] motorcycle . [SEP]"
    with torch.no_grad():
        return flops(lambda: model(pixel_values=torch.rand(1, 3, size, size), input_ids=ids))


def unit_flops() -> dict:
    "FLOPs of every model call the paper profile makes, at its sizes."
    print("counting FLOPs (meta device; Grounding DINO runs once on the CPU) ...")
    sd_feature = vae_flops(768, "encode") + unet_flops(SD21_UNET, 96)
    inpaint_call = 2 * vae_flops(1024, "encode") + vae_flops(1024, "decode")  # image and masked image in, one out
    return {
        "sd21_features_768": sd_feature,
        "sdxl_inpaint_unet_step_1024_cfg": unet_flops(SDXL_UNET, 128, in_channels=9, batch=2, sdxl=True),
        "sdxl_inpaint_vae_1024": inpaint_call,
        "sdxl_unet_step_768_cfg": unet_flops(SDXL_UNET, 96, batch=2, sdxl=True),
        "vae_decode_768": vae_flops(768, "decode"),
        "sam_vit_h_1024": sam_vit_h_flops(),
        "grounding_dino_t_800": grounding_dino_flops(),
    }


def merged_params() -> dict:
    "params.yaml with params.paper.yaml's groups merged on top."
    base = yaml.safe_load((ROOT / "params.yaml").read_text())
    for group, values in yaml.safe_load((ROOT / "params.paper.yaml").read_text()).items():
        base[group] = {**base.get(group, {}), **values} if isinstance(values, dict) else values
    return base


def stage_seconds(f: dict, anchor: dict, p: dict, acceptance: float) -> dict:
    "Projected seconds per stage, with the unit counts behind each."
    sd_s = anchor["train"]["backbone_s"] / (anchor["train"]["batch"] * anchor["train"]["images_per_sample"])
    rate = f["sd21_features_768"] / sd_s  # FLOP/s of the measured SD 2.1 feature pass
    sec = lambda flop: flop / rate
    heads_per_sample = anchor["train"]["heads_s"] / anchor["train"]["batch"]
    vsm_pair = 1 / anchor["vsm"]["pairs_per_s"]
    vsm_extra = vsm_pair - 1 / anchor["vsm"]["backbone_pairs_per_s"]  # heads and matching, beyond two feature passes
    ds = p["dataset"]
    steps = int(30 * 0.98)  # the spec's 30 steps at strength 0.98
    inpaint = sec(steps * f["sdxl_inpaint_unet_step_1024_cfg"] + f["sdxl_inpaint_vae_1024"])
    per_pair = {  # one attempted source pair: masks and regions on both images, features, both inpaintings
        "grounded_sam_masks": 2 * sec(f["grounding_dino_t_800"] + f["sam_vit_h_1024"]),
        "sam_point_regions": 2 * sec(f["sam_vit_h_1024"]),
        "sd21_features": 2 * sd_s,
        "sdxl_inpainting": 2 * inpaint,
    }
    pair_s = sum(per_pair.values())

    def dataset(n: int) -> dict:
        attempted = math.ceil(n / acceptance)
        return {"seconds": attempted * pair_s, "attempted_pairs": attempted, "kept_pairs": n}

    def train(n_train: int, n_val: int, epochs: int, batch: int) -> dict:
        per_sample = 4 * sd_s + heads_per_sample  # live features: the backbone on all four images every step
        val = n_val * (4 * sd_s + heads_per_sample / 3)  # forward only
        steps_per_epoch = math.ceil(n_train / batch)
        return {"seconds": epochs * (n_train * per_sample + val), "steps": epochs * steps_per_epoch}

    tr, ab, cs = p["train"], p["ablate"], p["consistency"]
    n_test = ds["n_test"]
    images = cs["n_classes"] * cs["n_seeds"] * 2  # base and LoRA
    pairs = cs["n_classes"] * math.comb(cs["n_seeds"], 2) * 2
    gen = sec(cs["steps"] * f["sdxl_unet_step_768_cfg"] + f["vae_decode_768"])
    eval_images = 2 * p["backbone_eval"]["n_pairs"]
    evaluate = n_test * vsm_pair + 2 * n_test / anchor["baselines"]["clip"]["pairs_per_s"]
    stages = {
        "backbone_eval": {"seconds": eval_images * sd_s, "images": eval_images},
        "dataset": dataset(ds["n_train"] + ds["n_val"] + n_test),
        "dataset_skew_low": dataset(ab["n_train"] + ab["n_val"]),
        "train": train(tr["n_train"] or ds["n_train"], tr["n_val"] or ds["n_val"], tr["epochs"], tr["batch_size"]),
        "ablate_train (4 variants)": {
            k: 4 * v for k, v in train(ab["n_train"], ab["n_val"], ab["epochs"], ab["batch_size"]).items()
        },
        "ablate_eval (4 variants)": {"seconds": 4 * n_test * vsm_pair, "pairs": 4 * n_test},
        "evaluate": {"seconds": evaluate, "pairs": n_test},
        "probe": {"seconds": p["probe"]["n_pairs"] * 2 * vsm_pair, "pairs": 2 * p["probe"]["n_pairs"]},
        "consistency": {"seconds": images * (gen + sd_s) + pairs * vsm_extra, "images": images, "pairs": pairs},
    }
    return {
        "rate_tflops": rate / 1e12,
        "seconds_per_call": {
            "sd21_features_768": sd_s,
            "sdxl_inpainting_1024": inpaint,
            "sdxl_generation_768": gen,
            "grounding_dino_t_800": sec(f["grounding_dino_t_800"]),
            "sam_vit_h_1024": sec(f["sam_vit_h_1024"]),
            "vsm_pair_measured": vsm_pair,
        },
        "dataset_pair_seconds": per_pair,
        "stages": stages,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", default=str(ROOT / "benchmarks/results/bench_gpu_h200.json"))
    ap.add_argument("--acceptance", type=float, default=1.0, help="share of attempted pairs the filters keep")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/paper_gpu_projection.json"))
    args = ap.parse_args()
    if not 0 < args.acceptance <= 1:
        raise SystemExit(f"--acceptance must be in (0, 1], got {args.acceptance}")
    anchor = json.loads(Path(args.anchor).read_text())
    f = unit_flops()
    result = stage_seconds(f, anchor, merged_params(), args.acceptance)
    total = sum(s["seconds"] for s in result["stages"].values())
    out = {
        "what": "projected, not measured: FLOPs x the FLOP rate of the SD 2.1 feature pass measured on the anchor",
        "anchor": {"file": Path(args.anchor).name, "device": anchor["device"], "dtype": anchor["dtype"]},
        "acceptance": args.acceptance,
        "tflop_per_call": {k: v / 1e12 for k, v in f.items()},
        **result,
        "total_hours": total / 3600,
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"anchor {anchor['device']} {anchor['dtype']}: {result['rate_tflops']:.0f} TFLOP/s, SD 2.1 feature pass")
    for name, s in result["stages"].items():
        print(f"{name:28s} {s['seconds'] / 3600:7.2f} h")
    print(f"{'total':28s} {total / 3600:7.2f} h   -> {args.out}")


if __name__ == "__main__":
    main()
