"""Disentangler on the Stable Diffusion 2.1 path (tiny random pipeline): the paper's setting builds, runs, saves and
reloads."""

import pytest
import torch

from mind_the_glitch.backbone import EmbeddedFeatures, StableDiffusionFeatures
from mind_the_glitch.disentangle import SD21_LAYERS, Disentangler, MindTheGlitch, disentangler_for, layer_channels
from mind_the_glitch.losses import LossConfig, mtg_loss
from mind_the_glitch.tiny import tiny_stable_diffusion


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return tiny_stable_diffusion(tmp_path_factory.mktemp("sd"))


def test_sd21_paper_setting_on_tiny_sd(tiny_sd, tmp_path):
    fx = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128)
    dis = disentangler_for(fx)
    assert dis.config.layers == list(SD21_LAYERS) == ["us8", "us9", "us10"]
    assert (dis.config.grid, dis.config.proj_dim, dis.config.num_groups) == (48, 384, 32)
    assert dis.semantic[0].conv1.out_channels == 96  # bottleneck q/4
    assert dis.config.backbone_id.startswith("stable-diffusion:")
    model = MindTheGlitch(fx, dis)
    assert model.image_size is None  # SD resizes itself
    S, V = model(torch.rand(2, 3, 96, 96))
    assert S.shape == V.shape == (2, 384, 48, 48)
    torch.testing.assert_close(S.norm(dim=1), torch.ones(2, 48, 48))
    dis.save_pretrained(tmp_path / "m")
    again = MindTheGlitch.from_pretrained(
        tmp_path / "m", device="cpu"
    )  # builds the SD backbone from the config's id (a local folder)
    x = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(again(x)[0], model(x)[0])


def test_sd_heads_refused_on_embedded_backbone(tiny_sd, tmp_path):
    fx = StableDiffusionFeatures.from_pretrained(tiny_sd, device="cpu", resolution=128)
    disentangler_for(fx, proj_dim=64, num_groups=8).save_pretrained(tmp_path / "sd")
    with pytest.raises(ValueError, match="trained on backbone 'stable-diffusion"):
        MindTheGlitch.from_pretrained(tmp_path / "sd", device="cpu", backbone=EmbeddedFeatures.random(device="cpu"))


def test_code_variant_trains_down_on_real_features():
    """A few AdamW steps on one pair lower the loss (paper and code variants)."""
    torch.manual_seed(0)
    fx = EmbeddedFeatures.random(device="cpu")
    imgs = torch.rand(3, 3, 64, 64)
    feats = fx(imgs, layers=["us2", "us3"], grid=8)
    pts = torch.tensor([[x, y] for y in range(8) for x in range(8)])
    batch = {
        "points_in1": pts[None, :8],
        "points_in2": pts[None, :8],
        "points_out1": pts[None, 8:],
        "points_out2": pts[None, 8:],
    }
    for cfg in (LossConfig(), LossConfig.code()):
        dis = Disentangler(
            layers=["us2", "us3"], in_channels=layer_channels(fx, ["us2", "us3"]), grid=8, proj_dim=32, num_groups=8
        )
        opt = torch.optim.AdamW(dis.parameters(), lr=1e-3)
        losses = []
        for _ in range(15):
            S, V = dis(feats)
            f = {
                "image1": (S[0:1], V[0:1]),
                "image2": (S[1:2], V[1:2]),
                "image1_altered": (S[2:3], V[2:3]),
                "image2_altered": (S[1:2], V[1:2]),
            }
            loss = mtg_loss(f, batch, cfg)["total"]
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0]
