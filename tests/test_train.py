"""train_disentangler: settings changes restart, bad inputs get clear errors, the code loss variant trains."""

import pytest
import torch
from accelerate import Accelerator

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.disentangle import MindTheGlitch
from mind_the_glitch.losses import LossConfig
from mind_the_glitch.train import train_disentangler
from mind_the_glitch.train_data import glitch_samples

KW = dict(
    layers=["us2", "us3"],
    grid=16,
    proj_dim=16,
    num_groups=4,
    epochs=1,
    batch_size=2,
    progress=False,
    correspondences="ground_truth",
)


@pytest.fixture(scope="module")
def setup():
    return (
        EmbeddedFeatures.random(device="cpu"),
        glitch_samples(2, "train", grid=16),
        glitch_samples(1, "val", grid=16),
        Accelerator(cpu=True),
    )


def test_checkpoint_with_other_settings_is_not_resumed(setup, tmp_path):
    bb, tr, va, acc = setup
    train_disentangler(bb, tr, va, tmp_path / "a", checkpoint_dir=tmp_path / "ck", accelerator=acc, **KW)
    same = train_disentangler(bb, tr, va, tmp_path / "b", checkpoint_dir=tmp_path / "ck", accelerator=acc, **KW)
    assert same["resumed_from_epoch"] == 1 and same["epochs_run"] == 0  # finished run: nothing left to train
    other = train_disentangler(
        bb, tr, va, tmp_path / "c", checkpoint_dir=tmp_path / "ck", accelerator=acc, **{**KW, "proj_dim": 32}
    )
    assert other["resumed_from_epoch"] == 0


def test_code_variant_and_saved_model_loads(setup, tmp_path):
    bb, tr, va, acc = setup
    r = train_disentangler(
        bb, tr, va, tmp_path / "m", loss=LossConfig.code(), first_layer_unweighted=True, accelerator=acc, **KW
    )
    model = MindTheGlitch.from_pretrained(tmp_path / "m", device="cpu", backbone=bb)
    assert model.disentangler.config.first_layer_unweighted
    S, V = model(torch.rand(1, 3, 64, 64))
    assert S.shape == (1, 16, 16, 16) and torch.isfinite(V).all()
    assert r["val"]["n_points_in"] > 0


def test_bad_inputs(setup, tmp_path):
    bb, tr, va, acc = setup
    with pytest.raises(ValueError, match="train_samples is empty"):
        train_disentangler(bb, [], va, tmp_path / "x", accelerator=acc, **KW)
    with pytest.raises(ValueError, match="grid"):
        train_disentangler(bb, glitch_samples(2, "train", grid=32), va, tmp_path / "x", accelerator=acc, **KW)
    with pytest.raises(ValueError, match="'backbone' or 'ground_truth'"):
        train_disentangler(bb, tr, va, tmp_path / "x", accelerator=acc, **{**KW, "correspondences": "exact"})
    empty = [{**s, **{k: torch.zeros(0, 2, dtype=torch.long) for k in s if "points" in k}} for s in tr]
    with pytest.raises(ValueError, match="empty point set"):
        train_disentangler(bb, empty, va, tmp_path / "x", accelerator=acc, **KW)
    nan = EmbeddedFeatures.random(device="cpu")
    with torch.no_grad():
        for p in nan.unet.parameters():
            p.fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        train_disentangler(nan, tr, va, tmp_path / "x", accelerator=acc, **KW)


def test_heads_on_a_stable_diffusion_backbone_load_for_scoring(tmp_path):
    """The train path of the paper profile on a tiny random SD 2.1: heads saved with the backbone they need, reloaded by
    name."""
    from mind_the_glitch.backbone import StableDiffusionFeatures, load_features
    from mind_the_glitch.tiny import tiny_stable_diffusion

    folder = tiny_stable_diffusion(tmp_path / "sd")
    sd = load_features("stable-diffusion", folder, resolution=64, timestep=261, device="cpu")
    kw = {**KW, "layers": ["us8", "us9", "us10"], "grid": 8}
    r = train_disentangler(
        sd, glitch_samples(2, "train", grid=8), glitch_samples(1, "val", grid=8), tmp_path / "m", **kw
    )
    assert r["val"]["n_points_out"] > 0
    model = MindTheGlitch.from_pretrained(tmp_path / "m", device="cpu")  # no backbone given: the config names it
    assert isinstance(model.backbone, StableDiffusionFeatures)
    assert (model.backbone.timestep, model.backbone.resolution) == (261, 64)
    S, V = model(torch.rand(1, 3, 64, 64))
    assert S.shape == (1, 16, 8, 8) and torch.isfinite(V).all()
