"""Heavier checks of the consistency study: mind_the_glitch.consistency, consistency_stats and annotation (seconds, no
downloads)."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from mind_the_glitch.annotation import AnnotationSession, human_agreement, load_annotations
from mind_the_glitch.consistency import (
    PAPER_SEEDS,
    consistency_of_images,
    embed_images,
    pairwise_scores,
    semantic_consistency_score,
    stack_images,
    visual_consistency_score,
)
from mind_the_glitch.consistency_stats import compare_scores, normality_check
from mind_the_glitch.sampling import EmbeddedDiffusion, SamplingSettings, SeededNoise, generate

torch.set_num_threads(1)


class MeanColour:
    name = "mean colour"

    def __call__(self, x):
        return x.mean((2, 3))


def test_scs_matches_pair_matrix_and_is_permutation_invariant():
    e = torch.randn(7, 5, generator=torch.Generator().manual_seed(1))
    u = F.normalize(e.double(), dim=1)
    c = (100 * u @ u.T).clamp_min(0)
    want = c[torch.triu(torch.ones(7, 7, dtype=torch.bool), 1)].mean().item()
    assert semantic_consistency_score(e) == pytest.approx(want, abs=1e-9)
    assert semantic_consistency_score(e[torch.randperm(7)]) == pytest.approx(want, abs=1e-9)
    assert len(pairwise_scores(e)) == 21


def test_clip_at_zero_binds_for_opposite_embeddings():
    e = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
    # pairs: (0,1) -100 -> 0, (0,2) 100, (1,2) -100 -> 0
    assert semantic_consistency_score(e) == pytest.approx(100 / 3)


def test_paper_seeds():
    assert len(PAPER_SEEDS) == 20 and PAPER_SEEDS[0] == 892834 and PAPER_SEEDS[-1] == 873030 and PAPER_SEEDS[13] == 8266


def test_seed_noise_depends_only_on_the_seed():
    a = SeededNoise([5, 7, 5], (3, 8, 8))()
    assert torch.equal(a[0], a[2]) and not torch.equal(a[0], a[1])
    assert torch.equal(SeededNoise([7], (3, 8, 8))()[0], a[1])


def test_stack_images_accepts_pil_arrays_and_tensors():
    pil = Image.fromarray(np.full((8, 8, 3), 128, np.uint8))
    arr = np.full((8, 8, 3), 0.25, np.float32)
    x = stack_images([pil, arr, torch.rand(3, 8, 8)])
    assert x.shape == (3, 3, 8, 8) and x.dtype == torch.float32
    with pytest.raises(ValueError, match="RGB"):
        stack_images([Image.new("RGBA", (8, 8))])
    with pytest.raises(ValueError, match="mixed sizes"):
        stack_images([pil, np.zeros((9, 8, 3), np.uint8)])
    with pytest.raises(ValueError, match="size_policy"):
        stack_images([pil], size_policy="crop")


def test_resize_policy_preserves_a_constant_image():
    x = stack_images([torch.full((3, 8, 8), 0.3), torch.full((3, 16, 12), 0.3)], "resize")
    assert x.shape == (2, 3, 8, 8) and torch.allclose(x, torch.full_like(x, 0.3), atol=1e-6)


def test_bad_inputs_are_clear_errors():
    imgs = [torch.rand(3, 8, 8) for _ in range(3)]
    with pytest.raises(ValueError, match="at least 2 images"):
        consistency_of_images(imgs[:1], MeanColour())
    with pytest.raises(ValueError, match="mixed sizes"):
        consistency_of_images(imgs + [torch.rand(3, 9, 8)], MeanColour())

    class NaN:
        name = "nan encoder"

        def __call__(self, x):
            return torch.full((len(x), 4), float("nan"))

    with pytest.raises(ValueError, match="nan encoder returned NaN"):
        consistency_of_images(imgs, NaN())

    class Embeds:  # the baselines' interface: .embed
        name = "embed-only"

        def embed(self, x):
            return x.mean((2, 3))

    assert embed_images(imgs, Embeds()).shape == (3, 3)


def test_generate_is_batch_invariant_and_checks_guidance():
    model = EmbeddedDiffusion.random(image_size=16)
    a = generate(model, [1, 2], [3, 4], SamplingSettings(steps=2, guidance=2.0))
    b = generate(model, [1, 2], [3, 4], SamplingSettings(steps=2, guidance=2.0, batch_size=1))
    assert torch.allclose(a, b, atol=1e-4)
    with pytest.raises(ValueError, match="guidance"):
        SamplingSettings(steps=2, guidance=0.5)


def test_normality_check_standardises():
    x = np.random.default_rng(0).normal(50, 10, 200)
    r = normality_check(x)
    assert r["ks_norm_p_unstandardised"] < 1e-10 and r["ks_norm_p"] > 0.05
    skewed = np.random.default_rng(0).exponential(1, 500)
    assert normality_check(skewed)["ks_norm_p"] < 0.01
    assert normality_check([3.0, 3.0, 3.0])["ks_norm_p"] is None


def test_compare_scores_wilcoxon_matches_hand_count():
    # differences +1, +2, -3, +4, +5, +6 (no ties): W- = 3, exact two-sided p = 2 * P(W <= 3) = 2 * 5/64
    a = np.zeros(6)
    b = np.array([1, 2, -3, 4, 5, 6.0])
    r = compare_scores(a, b)
    assert r["wilcoxon"]["statistic"] == 3 and r["wilcoxon"]["p"] == pytest.approx(10 / 64)
    with pytest.raises(ValueError, match="NaN"):
        compare_scores([1.0, np.nan], [1.0, 2.0])


def test_visual_consistency_with_masks_and_real_vsm():
    g = torch.Generator().manual_seed(0)
    S = F.normalize(torch.randn(1, 16, 5, 5, generator=g), dim=1).expand(3, 16, 5, 5)
    V = F.normalize(torch.randn(3, 16, 5, 5, generator=g), dim=1).clone()
    V[1] = V[0]  # images 0 and 1 visually identical, image 2 unrelated
    masks = torch.ones(3, 5, 5, dtype=torch.bool)
    r = visual_consistency_score(S, V, masks=masks)
    assert r["n_pairs"] == 3 and r["n_undefined"] == 0
    pair01 = visual_consistency_score(S[:2], V[:2])["score"]
    assert pair01 == pytest.approx(100.0) and r["score"] < pair01
    with pytest.raises(ValueError, match="one mask per image"):
        visual_consistency_score(S, V, masks=masks[:2])


def test_annotation_csv_round_trip_and_agreement(tmp_path):
    csv = tmp_path / "a.csv"
    prompts = [f"p{i}" for i in range(6)]
    for annotator, pick in (("h1", "lora"), ("h2", "lora"), ("h3", "base")):
        s = AnnotationSession(prompts, ("base", "lora"), csv, annotator, seed=3)
        while not s.done:
            _, left, right = s.current
            s.answer("left" if left == pick else "right")
            assert load_annotations(csv)["annotator"].iloc[-1] == annotator  # saved before advancing
    df = load_annotations(csv)
    assert len(df) == 18 and set(df[df.annotator == "h1"]["chosen_model"]) == {"lora"}
    scores = {p: {"base": 50.0, "lora": 60.0 if i < 4 else 40.0} for i, p in enumerate(prompts)}
    r = human_agreement(scores, df)  # humans: lora everywhere (2 of 3); score: lora on 4 of 6 prompts
    assert r["agreement"] == pytest.approx(4 / 6) and r["n_compared"] == 6


def test_run_consistency_writes_the_stage_outputs(tmp_path):
    from mind_the_glitch.consistency_stage import run_consistency
    from mind_the_glitch.consistency_study import ConsistencyConfig

    config = ConsistencyConfig(n_seeds=2, steps=1, lora_steps=1, encoders="embedded", weights=None, allow_random=True)
    metrics = run_consistency(config, tmp_path)
    saved = json.loads((tmp_path / "metrics" / "consistency.json").read_text())
    assert saved["tests"].keys() == metrics["tests"].keys() == {"embedded:base_vs_lora", "visual:base_vs_lora"}
    assert saved["n_images_per_prompt"] == 2 and saved["generators"] == ["base", "lora"]
    assert len(list((tmp_path / "consistency" / "images").rglob("*.png"))) == 2 * 2 * 2
    assert (tmp_path / "consistency" / "lora").is_dir()
    assert (tmp_path / "figures" / "consistency_galleries.png").stat().st_size > 0
    assert "| embedded:base_vs_lora |" in (tmp_path / "results" / "consistency.md").read_text()


def test_consistency_config_rejects_bad_settings():
    from mind_the_glitch.consistency_study import ConsistencyConfig

    with pytest.raises(ValueError, match="must start with 'base'"):
        ConsistencyConfig(generators="lora")
    with pytest.raises(ValueError, match="unknown key"):
        ConsistencyConfig.from_params({"base": {"seed": 0}, "consistency": {"n_seed": 3}})
