"""VSM functional core: invariances the definition implies, on random features (the notebook holds the hand-computed
cases)."""

import math

import pytest
import torch

from mind_the_glitch.vsm import NoSemanticMatchesWarning, downsample_mask, vsm_score
from mind_the_glitch.vsm_metric import VisualSemanticMatching


def _maps(seed, q=3, g=6):
    gen = torch.Generator().manual_seed(seed)
    feats = [torch.randn(q, g, g, generator=gen) for _ in range(4)]
    masks = [torch.rand(g, g, generator=gen) > 0.3 for _ in range(2)]
    return feats, masks


@pytest.mark.parametrize("seed", range(5))
def test_scores_do_not_depend_on_the_order_of_reference_cells(seed):
    (Sg, Sr, Vg, Vr), (mg, mr) = _maps(seed)
    perm = torch.randperm(36, generator=torch.Generator().manual_seed(100 + seed))
    p = lambda x: (
        x.reshape(x.shape[0], -1)[:, perm].reshape(x.shape) if x.ndim == 3 else x.reshape(-1)[perm].reshape(x.shape)
    )
    a = vsm_score(Sg, Sr, Vg, Vr, mg, mr, thresholds=(0.3, 0.6))
    b = vsm_score(Sg, p(Sr), Vg, p(Vr), mg, p(mr), thresholds=(0.3, 0.6))
    assert a.n_matches == b.n_matches and a.scores == b.scores
    torch.testing.assert_close(a.visual_map, b.visual_map, equal_nan=True)


@pytest.mark.parametrize("seed", range(3))
def test_scores_are_invariant_to_feature_scale_and_dtype(seed):
    (Sg, Sr, Vg, Vr), (mg, mr) = _maps(seed)
    a = vsm_score(Sg, Sr, Vg, Vr, mg, mr)
    b = vsm_score(7 * Sg, 0.1 * Sr, 3 * Vg, Vr.double(), mg, mr)
    assert a.n_matches == b.n_matches and a.scores == b.scores


def test_higher_thresholds_never_raise_the_score():
    (Sg, Sr, Vg, Vr), (mg, mr) = _maps(0)
    ts = [i / 20 for i in range(1, 20)]
    s = vsm_score(Sg, Sr, Vg, Vr, mg, mr, thresholds=ts, semantic_threshold=0.5).scores
    assert all(s[a] >= s[b] for a, b in zip(ts, ts[1:]))


def test_one_to_one_keeps_a_subset_with_distinct_reference_cells():
    (Sg, Sr, Vg, Vr), (mg, mr) = _maps(1)
    a = vsm_score(Sg, Sr, Vg, Vr, mg, mr, semantic_threshold=0.5)
    b = vsm_score(Sg, Sr, Vg, Vr, mg, mr, semantic_threshold=0.5, one_to_one=False)
    assert a.n_matches < b.n_matches == b.n_candidates
    assert len(set(a.matches[:, 1].tolist())) == a.n_matches
    assert set(a.matches[:, 0].tolist()) <= set(b.matches[:, 0].tolist())


def test_identical_images_score_one_whatever_the_features():
    (Sg, _, Vg, _), (mg, _) = _maps(2, q=16)
    r = vsm_score(Sg, Sg, Vg, Vg, mg, mg)
    assert r.n_matches == int(mg.sum()) and all(s == 1.0 for s in r.scores.values())


def test_masks_at_any_image_resolution_match_their_grid_version():
    (Sg, Sr, Vg, Vr), (mg, mr) = _maps(3)
    up = lambda m, k: m.repeat_interleave(k, 0).repeat_interleave(k, 1)
    a = vsm_score(Sg, Sr, Vg, Vr, mg, mr)
    b = vsm_score(Sg, Sr, Vg, Vr, up(mg, 5), up(mr, 3).numpy().astype("uint8") * 255)
    assert a.scores == b.scores and a.n_matches == b.n_matches
    assert downsample_mask(up(mg, 4)[:-2, :-2], 6).shape == (6, 6)  # non-multiples are fine


def test_metric_excludes_undefined_pairs_and_warns_when_empty():
    g = 4
    S = torch.eye(16).reshape(16, g, g)
    other = torch.eye(32)[:, 16:].reshape(32, g, g)
    full = torch.ones(g, g, dtype=torch.bool)
    m = VisualSemanticMatching()
    with pytest.warns(NoSemanticMatchesWarning):
        r = vsm_score(other, torch.eye(32)[:, :16].reshape(32, g, g), S, S, full, full)
    m.update_results([r])
    assert int(m.count) == 0 and int(m.n_undefined) == 1
    with pytest.warns(NoSemanticMatchesWarning, match="no scored pair"):
        assert all(math.isnan(v) for v in m.compute().values())
