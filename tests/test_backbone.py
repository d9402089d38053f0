"""Backbone feature extraction: the SD loading path on a tiny random pipeline, hooks, early exit, errors."""

import pytest
import torch

from mind_the_glitch.backbone import EmbeddedFeatures, StableDiffusionFeatures, decoder_layers
from mind_the_glitch.tiny import tiny_stable_diffusion


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return tiny_stable_diffusion(tmp_path_factory.mktemp("sd"))


def test_sd_layer_names_follow_cleandift_order(tiny_sd):
    fx = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128)
    layers = decoder_layers(fx.unet)
    assert layers["us1"] == "up_blocks.0.resnets.0"  # block 0 has no attention in SD 2.1
    assert layers["us3"] == "up_blocks.0.upsamplers.0"  # a block's last output is read after its upsampler
    assert layers["us4"] == "up_blocks.1.attentions.0"
    assert layers["us6"] == "up_blocks.1.upsamplers.0"
    assert layers["us10"] == "up_blocks.3.attentions.0" and layers["us12"] == "up_blocks.3.attentions.2"


def test_early_exit_gives_the_same_features_as_a_full_pass(tiny_sd):
    fx = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128)
    x = torch.rand(2, 3, 128, 128)
    early = fx(x, layers=["us3"])["us3"]
    full = fx(x)["us3"]
    torch.testing.assert_close(early, full)


def test_posterior_mean_is_deterministic_and_sample_is_seeded(tiny_sd):
    x = torch.rand(1, 3, 128, 128)
    mean = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128)
    torch.testing.assert_close(mean(x, ["us6"])["us6"], mean(x, ["us6"])["us6"])
    sample = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128, posterior="sample", seed=3)
    a, b = sample(x, ["us6"])["us6"], sample(x, ["us6"])["us6"]
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, mean(x, ["us6"])["us6"])


def test_dift_noise_ensemble_on_sd(tiny_sd):
    fx = StableDiffusionFeatures.from_pretrained(
        tiny_sd, device="cpu", resolution=128, mode="noisy", timestep=261, ensemble=2
    )
    f = fx(torch.rand(1, 3, 128, 128), ["us6"], grid=8)["us6"]
    assert f.shape == (1, 64, 8, 8) and torch.isfinite(f).all()


def test_embedded_grid_resize_is_bilinear_interpolation():
    fx = EmbeddedFeatures.random(device="cpu")
    x = torch.rand(1, 3, 64, 64)
    native = fx(x, ["us2"])["us2"]
    resized = fx(x, ["us2"], grid=16)["us2"]
    torch.testing.assert_close(
        resized, torch.nn.functional.interpolate(native, size=(16, 16), mode="bilinear", align_corners=False)
    )


def test_bad_inputs(tiny_sd, tmp_path):
    fx = EmbeddedFeatures.random(device="cpu")
    with pytest.raises(ValueError, match="grayscale"):
        fx(torch.rand(1, 1, 64, 64))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fx(torch.rand(1, 3, 64, 64) * 255)
    with pytest.raises(TypeError, match="float"):
        fx(torch.zeros(1, 3, 64, 64, dtype=torch.uint8))
    with pytest.raises(ValueError, match="unknown layer 'us7'"):
        fx(torch.rand(1, 3, 64, 64), ["us7"])
    with pytest.raises(FileNotFoundError, match="no embedded backbone weights"):
        EmbeddedFeatures.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="mode"):
        EmbeddedFeatures.random(mode="blurry")
    with pytest.raises(ValueError, match="multiple of"):
        StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=100)(torch.rand(1, 3, 64, 64))


def test_backbone_eval_stage_runs_on_stable_diffusion(tiny_sd, tmp_path):
    """The paper profile's backbone_eval: PCK per SD decoder layer and the match figure; no random reference, no
    generation."""
    import json

    from mind_the_glitch.backbone_eval import BackboneEvalConfig, run_backbone_eval

    config = BackboneEvalConfig(
        n_pairs=2, grid=8, backbone="stable-diffusion", backbone_weights=str(tiny_sd), backbone_resolution=64
    )
    metrics = run_backbone_eval(config, tmp_path)
    saved = json.loads((tmp_path / "metrics" / "backbone.json").read_text())
    assert saved["best_layer"] == metrics["best_layer"] and saved["best_layer_source"] == "trained"
    assert saved["backbone"] == "stable-diffusion" and "generation" not in saved
    assert set(saved["layers"]) >= {"us1", "us10"} and set(saved["best"]) == {"trained"}
    assert all(0 <= v["trained"]["pck@0.1"] <= 1 for v in saved["layers"].values())
    assert (tmp_path / "figures" / "backbone_matches.png").stat().st_size > 0
    assert (tmp_path / "figures" / "backbone_samples.png").is_file()  # says why there is no sample grid


def test_backbone_eval_config_reads_base_and_rejects_unknown_keys():
    from mind_the_glitch.backbone_eval import BackboneEvalConfig

    params = {
        "base": {"seed": 2, "grid": 16, "image_size": 64, "backbone": "embedded"},
        "backbone_eval": {"n_pairs": 3},
    }
    config = BackboneEvalConfig.from_params(params)
    assert (config.seed, config.grid, config.n_pairs, config.embedded) == (2, 16, 3, True)
    with pytest.raises(ValueError, match="n_pair"):
        BackboneEvalConfig.from_params({**params, "backbone_eval": {"n_pair": 3}})
