"""The paper profile (params.paper.yaml) through every stage, on tiny random models in their real folder layouts
(nbs/02b_tiny_models.ipynb): the dataset stage with a folder of pairs, Grounded-SAM masks, SAM point-prompt regions and
SDXL inpainting; backbone_eval, train and evaluate on Stable Diffusion 2.1 features with the CLIP-I and DINO-I
baselines; the consistency study with SDXL and a LoRA as its generators. The numbers mean nothing: the tests prove that
the profile's settings, the real-model classes, their shapes and their files fit together. Random weights need
permissive thresholds (below); LPIPS is replaced by the backbone distance, because its network weights come with
torchvision, which is not installed here. One test trains on GlitchWorld samples, the other on the tiny dataset."""

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from mind_the_glitch.backbone_eval import BackboneEvalConfig, run_backbone_eval
from mind_the_glitch.cli import main as cli_main
from mind_the_glitch.consistency_stage import run_consistency
from mind_the_glitch.consistency_study import ConsistencyConfig
from mind_the_glitch.core import load_params
from mind_the_glitch.dataset_stage import DatasetPaths, DatasetStageConfig, run_dataset
from mind_the_glitch.evaluate_stage import EvalPaths, EvaluateConfig, run_evaluate
from mind_the_glitch.store import load_dataset
from mind_the_glitch.tiny import (
    tiny_clip,
    tiny_dino,
    tiny_grounding_dino,
    tiny_sam,
    tiny_sdxl,
    tiny_sdxl_lora,
    tiny_stable_diffusion,
)
from mind_the_glitch.train_stage import TrainPaths, TrainStageConfig, run_train

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)  # tiny models: two threads only add synchronisation


def test_paper_profile_runs_on_tiny_models(tmp_path):
    params = load_params(ROOT / "params.yaml", ROOT / "params.paper.yaml")
    assert params["base"]["backbone"] == "stable-diffusion" and params["consistency"]["encoders"] == "clip"
    sd = tiny_stable_diffusion(tmp_path / "sd")
    params["base"].update(backbone_weights=str(sd), backbone_resolution=64, image_size=64, grid=8, device="cpu")
    data = tmp_path / "data"

    backbone = run_backbone_eval(BackboneEvalConfig.from_params(params, n_pairs=2), data)
    assert backbone["backbone"] == "stable-diffusion" and backbone["best_layer"].startswith("us")

    paper = TrainStageConfig.from_params(params)
    assert paper.layer_list == ["us8", "us9", "us10"] and paper.proj_dim == 384  # the paper's layers and q
    assert paper.feature_store == "live"  # a cache of 5,500 samples' SD features would take 454 GB
    small = dict(n_train=2, n_val=2, epochs=1, batch_size=2, n_figure_pairs=1, proj_dim=32, num_groups=8)  # CI time
    train = TrainStageConfig.from_params(params, **small)
    model = tmp_path / "model"
    run_train(train, TrainPaths(None, model, tmp_path / "work", data / "metrics", data / "figures"))
    assert (model / "diffusion_pytorch_model.safetensors").is_file() and (data / "metrics" / "train.json").is_file()
    assert not (tmp_path / "work" / "cache").exists()  # live features: nothing cached

    clip, dino = tiny_clip(tmp_path / "clip"), tiny_dino(tmp_path / "dino")
    evaluate = EvaluateConfig(
        model=str(model),
        baselines="clip,dino,backbone",
        clip_model=str(clip),
        dino_model=str(dino),
        n_boot=10,
        subject_driven_dir="none",
        n_figure=1,
    )
    paths = EvalPaths(
        None, data / "metrics" / "backbone.json", None, data / "metrics", data / "results", data / "figures"
    )
    result = run_evaluate(evaluate, paths)
    assert {"clip", "dino", "backbone"} <= set(result["controlled"]["metrics"])
    assert result["raw_layer"] == backbone["best_layer"]

    (tmp_path / "prompts.txt").write_text("a b\nb a\n")
    study = ConsistencyConfig.from_params(
        params,
        pipeline=str(tiny_sdxl(tmp_path / "sdxl")),
        lora_weights=str(tiny_sdxl_lora(tmp_path / "lora", tmp_path / "sdxl")),
        prompts_file=str(tmp_path / "prompts.txt"),
        n_classes=2,
        n_seeds=2,
        steps=2,
        resolution=64,
        pipeline_device="cpu",
        clip_model=str(clip),
        mtg_weights=str(model),
        allow_random=False,
    )
    consistency = run_consistency(study, data)
    assert set(consistency["tests"]) == {"clip:base_vs_lora", "visual:base_vs_lora"}
    assert consistency["visual"]["available"] and consistency["lora"]["scale"] == 0.6


def test_paper_profile_dataset_on_tiny_models(tmp_path, pair_folder, capsys):
    params = load_params(ROOT / "params.yaml", ROOT / "params.paper.yaml")
    profile = params["dataset"]
    components = (profile["source"], profile["segmenter"], profile["proposer"], profile["inpainter"])
    assert components == ("folder", "grounded-sam", "sam", "sdxl") and profile["perceptual"] == "lpips"
    assert (profile["perceptual_min"], profile["skewness_min"]) == (0.15, 1.3)  # the paper's thresholds
    sd = tiny_stable_diffusion(tmp_path / "sd")
    params["base"].update(backbone_weights=str(sd), backbone_resolution=64, image_size=64, grid=16, device="cpu")
    profile.update(
        pairs_dir=str(pair_folder(tmp_path / "pairs", n=6)),
        detector_model=str(tiny_grounding_dino(tmp_path / "gdino")),
        sam_model=str(tiny_sam(tmp_path / "sam")),
        inpaint_model=str(tiny_sdxl(tmp_path / "sdxl")),
        perceptual="backbone",  # LPIPS: torchvision weights
        n_train=2,
        n_val=2,
        n_test=0,
        batch_size=3,
        calibration_pairs=2,
    )
    # random weights: every box counts, and the filters pass what random features and masks give
    permissive = dict(box_threshold=0.0, text_threshold=0.0, skewness_min=-100.0, perceptual_min=0.0, subject_border=0)
    permissive |= dict(match_score_min=-1.0, region_min=0.0, region_max=1.0, sharpness_min=0.0)
    profile.update(permissive, aspect_ratio_diff_max=100.0, relative_size_diff_max=100.0)
    config = DatasetStageConfig.from_params(params)
    metrics = run_dataset(config, DatasetPaths.stage(tmp_path / "data"))

    assert metrics["samples"] == {"train": 2, "val": 2}
    rows = load_dataset(tmp_path / "data" / "dataset", "train").rows
    provenance = rows[0]["provenance"]
    assert provenance["source"] == "folder" and provenance["proposer"] == "sam-point", provenance
    assert provenance["segmenter"] == "grounded-sam" and provenance["backbone"].startswith("stable-diffusion")
    # the spec's SDXL inpainting settings, with the crop that diffusers pastes back into the image
    assert provenance["inpainter"].startswith("StableDiffusionXLInpaintPipeline(steps 30, guidance 7.5, strength 0.98")
    assert "crop pad 32" in provenance["inpainter"]
    assert {r["alteration"] for r in rows} == {"inpaint"}  # no re-texture outside GlitchWorld

    # the train stage on that dataset: the paper's layers on SD features, heads saved for `--model`
    small = dict(n_train=2, n_val=2, epochs=1, batch_size=2, n_figure_pairs=1, proj_dim=32, num_groups=8)
    train = TrainStageConfig.from_params(params, **small)
    model = tmp_path / "model"
    data = tmp_path / "data"
    paths = TrainPaths(data / "dataset", model, tmp_path / "work", data / "metrics", data / "figures")
    result = run_train(train, paths)
    assert (model / "diffusion_pytorch_model.safetensors").is_file(), result

    # the CLI scores a pair of real-image files with those heads (issue 20: heads for real images)
    pairs = tmp_path / "pairs"
    args = ["score", pairs / "0a.png", pairs / "0b.png", "--mask-ref", pairs / "0a_mask.png"]
    args += ["--mask-gen", pairs / "0b_mask.png", "--model", model, "--json"]
    capsys.readouterr()
    assert cli_main([str(a) for a in args]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["status"] == "ok" and 0 <= scored["vsm_0.6"] <= 1, scored


def test_paper_profile_bad_input_fails_before_generation(tmp_path):
    "A missing model, a folder without the layout and an absent GPU: one clear error each, before any sample is made."
    params = load_params(ROOT / "params.yaml", ROOT / "params.paper.yaml")
    sd = tiny_stable_diffusion(tmp_path / "sd")
    params["base"].update(backbone_weights=str(sd), backbone_resolution=64, image_size=64, grid=16, device="cpu")
    (tmp_path / "pairs").mkdir()  # no pairs.jsonl
    models = dict(sam_model=str(tiny_sam(tmp_path / "sam")), inpaint_model=str(tiny_sdxl(tmp_path / "sdxl")))
    params["dataset"].update(pairs_dir=str(tmp_path / "pairs"), perceptual="backbone", **models)

    def run(**changes):
        config = dataclasses.replace(DatasetStageConfig.from_params(params), **changes)
        return run_dataset(config, DatasetPaths.stage(tmp_path / "data"))

    with pytest.raises(OSError, match="could not load Grounding DINO .*no-gdino"):
        run(detector_model=str(tmp_path / "no-gdino"))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            run(device="cuda")
    with pytest.raises(FileNotFoundError, match="no pairs.jsonl"):
        run(detector_model=str(tiny_grounding_dino(tmp_path / "gdino")))
    assert not list((tmp_path / "data").rglob("*.png"))  # nothing generated
