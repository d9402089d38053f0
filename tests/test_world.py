"""GlitchWorld ground truth: exact correspondences, labels that agree with each other, determinism."""

import numpy as np
import pytest

from mind_the_glitch.world import (
    CATEGORIES,
    GlitchWorld,
    ViewParams,
    canonical_to_image,
    correspond,
    grid_mask,
    grid_parts,
    grid_points,
    image_to_canonical,
    make_subject,
    render,
    sample_view,
)


@pytest.mark.parametrize("i", range(12))
def test_correspondences_are_exact_and_land_on_the_same_part(i):
    a, b = GlitchWorld(seed=3).pair(i, "val")
    pts = np.argwhere(a.mask)[:, ::-1] + 0.5
    q, ok = correspond(a, b, pts)
    assert ok.all(), "the pose keeps the whole subject in frame, so every point is visible in both views"
    back, ok_back = correspond(b, a, q)
    np.testing.assert_allclose(back, pts, atol=1e-6)
    # the part id at the mapped point (evaluated exactly, at the point itself) is the source part
    src_parts = a.parts[pts[:, 1].astype(int), pts[:, 0].astype(int)]
    dst_idx = np.clip(np.floor(q).astype(int), 0, b.size - 1)
    agree = (b.parts[dst_idx[:, 1], dst_idx[:, 0]] == src_parts).mean()
    assert agree > 0.9, agree  # pixel rounding at part borders only


def test_grid_labels_match_pixel_labels_at_full_resolution():
    a, _ = GlitchWorld(seed=1).pair(0)
    assert (grid_mask(a, a.size).reshape(a.size, a.size) == a.mask).all()
    assert (grid_parts(a, a.size).reshape(a.size, a.size) == a.parts).all()


def test_grid_points_are_cell_centres():
    pts = grid_points(2, 64)
    np.testing.assert_allclose(pts, [[16, 16], [48, 16], [16, 48], [48, 48]])


def test_canonical_maps_invert_each_other_under_strong_warp():
    v = ViewParams(rotation=-1.0, scale=0.5, translation=(0.2, 0.1), flip=True, warp_amplitude=0.12, warp_frequency=3.0)
    c = np.random.default_rng(0).uniform(-1, 1, (2, 500))
    x, y = canonical_to_image(v, *c)
    np.testing.assert_allclose(np.stack(image_to_canonical(v, x, y)), c, atol=1e-8)


def test_render_is_deterministic_and_views_differ():
    w = GlitchWorld(seed=5)
    a1, b1 = w.pair(7)
    a2, b2 = GlitchWorld(seed=5).pair(7)
    assert np.array_equal(a1.image, a2.image) and np.array_equal(b1.image, b2.image)
    assert not np.array_equal(a1.image, b1.image)
    assert not np.array_equal(GlitchWorld(seed=6).pair(7)[0].image, a1.image)


def test_every_category_renders_all_parts_visible():
    for k, cat in enumerate(CATEGORIES):
        s = make_subject(100 + k, cat)
        v = render(s, sample_view(np.random.default_rng(k), s, difficulty=0.5), 128)
        visible = set(np.unique(v.parts)) - {0}
        # small parts may hide behind others in the drawing order, but most parts must show
        assert len(visible) >= len(s.parts) - 1, (cat, visible)


def test_retexture_changes_only_that_part():
    s = make_subject(9, "car")
    vp = sample_view(np.random.default_rng(0), s)
    from mind_the_glitch.world import random_appearance

    s2 = s.with_appearance("front_wheel", random_appearance(np.random.default_rng(123)))
    a, b = render(s, vp), render(s2, vp)
    changed = np.abs(a.image - b.image).max(-1) > 1e-6
    k = s.part_names.index("front_wheel") + 1
    # changes stay on the part (plus its anti-aliased border pixel)
    from scipy.ndimage import binary_dilation

    assert changed.any() and not (changed & ~binary_dilation(a.parts == k, iterations=1)).any()
    assert np.array_equal(a.parts, b.parts)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown category"):
        make_subject(0, "dragon")
    with pytest.raises(ValueError, match="size must be an int"):
        render(make_subject(0), ViewParams(), size=8)
    with pytest.raises(ValueError, match="difficulty"):
        sample_view(np.random.default_rng(0), make_subject(0), difficulty=5)
    a, b = GlitchWorld().pair(0)
    with pytest.raises(ValueError, match="N×2"):
        correspond(a, b, np.zeros(3))
    with pytest.raises(ValueError, match="different geometry"):
        correspond(a, GlitchWorld().pair(1)[0], np.zeros((1, 2)))
