"""Real-model paths of the dataset pipeline with tiny random models (no downloads), the generic
(folder + superpixel) path end to end, and sharded generation."""

import numpy as np
import pytest
import torch

from mind_the_glitch.alter import DDPMInpainter, StableDiffusionInpainter
from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.dataset import DatasetPipeline
from mind_the_glitch.filters import BackboneDistance, FilterConfig
from mind_the_glitch.regions import SamPointProposer, SuperpixelProposer
from mind_the_glitch.sampling import EmbeddedDiffusion, InpaintSettings
from mind_the_glitch.segment import ExactMasks, GroundedSAMSegmenter
from mind_the_glitch.sources import FolderSource, GlitchWorldSource
from mind_the_glitch.store import generate_split, load_dataset, read_jsonl
from mind_the_glitch.tiny import tiny_grounding_dino, tiny_sam, tiny_sd_inpainting

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def sam_dir(tmp_path_factory):
    return tiny_sam(tmp_path_factory.mktemp("sam"))


@pytest.fixture(scope="module")
def gdino_dir(tmp_path_factory):
    return tiny_grounding_dino(tmp_path_factory.mktemp("gdino"))


def test_sam_point_proposer(sam_dir):
    sp = SamPointProposer.from_pretrained(sam_dir)
    img = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    cands = sp.candidates(img, np.ones((64, 64), bool), (30, 30))
    assert len(cands) == 3 and all(c.shape == (64, 64) and c.dtype == bool for c in cands)  # multimask output
    r = sp(img, np.ones((64, 64), bool), (30, 30))
    if r is not None:  # random weights: the smallest mask containing the point, or none
        assert r[30, 30] and r.sum() == min(c.sum() for c in cands if c[30, 30])


def test_grounded_sam(gdino_dir, sam_dir):
    seg = GroundedSAMSegmenter.from_pretrained(gdino_dir, sam_dir, box_threshold=0.0, text_threshold=0.0)
    pair = GlitchWorldSource(0, split="test")(0)
    box = seg.box(pair.image1, "a house")
    assert len(box) == 4 and 0 <= box[0] <= box[2] <= 64 and 0 <= box[1] <= box[3] <= 64
    m1, m2 = seg(pair)
    assert m1.shape == (64, 64) and m1.dtype == bool and m2.shape == (64, 64)
    strict = GroundedSAMSegmenter.from_pretrained(gdino_dir, sam_dir, box_threshold=1.01)
    with pytest.raises(Exception, match="no box"):
        strict.box(pair.image1, "a house")
    with pytest.raises(OSError, match="local folders"):
        GroundedSAMSegmenter.from_pretrained("/nonexistent/gdino", sam_dir)


def test_sd_inpainter(tmp_path):
    inp = StableDiffusionInpainter.from_pretrained(
        tiny_sd_inpainting(tmp_path / "inpaint"), xl=False, steps=2, padding_mask_crop=None
    )
    pair = GlitchWorldSource(0, split="test")(1)
    imgs = torch.from_numpy(np.stack([pair.image1, pair.image2])).permute(0, 3, 1, 2)
    regs = torch.from_numpy(np.stack([pair.views[0].parts == 1, pair.views[1].parts == 1]))
    out = inp(imgs, regs, prompts=["a house"] * 2, seeds=[0, 1])
    assert out.shape == imgs.shape and torch.equal(out[0][:, ~regs[0]], imgs[0][:, ~regs[0]])
    assert (out[0][:, regs[0]] - imgs[0][:, regs[0]]).abs().mean() > 0.01


def test_folder_superpixel_pipeline(tmp_path, pair_folder):
    fx = EmbeddedFeatures.random(seed=0, device="cpu")
    pipe = DatasetPipeline(
        FolderSource(pair_folder(tmp_path / "pairs")),
        ExactMasks(),
        fx,
        "us6",
        SuperpixelProposer(),
        DDPMInpainter(EmbeddedDiffusion.from_features(fx), InpaintSettings(steps=1)),
        BackboneDistance(fx),
        FilterConfig(skewness_min=-10, perceptual_min=0.0, aspect_ratio_diff_max=1.0, relative_size_diff_max=1.0),
    )
    st = generate_split(pipe, tmp_path / "out" / "train", 2, batch_size=6, progress=False)
    assert st["samples"] == 2
    ds = load_dataset(tmp_path / "out", "train")
    it = ds[0]
    assert it["alteration"] == "inpaint" and len(it["gt_points_in1"]) == 0  # no exact correspondences for user images
    assert ds.rows[0]["provenance"]["source"] == "folder" and ds.rows[0]["provenance"]["proposer"] == "superpixels"


class _FakeAccelerator:
    "Rank `rank` of `world`; `at_first_barrier` runs the other rank (sequentially) when this one first waits."

    def __init__(self, rank, world, at_first_barrier=None):
        self.process_index, self.num_processes, self.cb = rank, world, at_first_barrier

    def wait_for_everyone(self):
        if self.cb is not None:
            cb, self.cb = self.cb, None
            cb()


def test_sharded_generation(tmp_path):
    fx = EmbeddedFeatures.random(seed=0, device="cpu")

    def pipe():
        return DatasetPipeline(
            GlitchWorldSource(0, split="val"),
            ExactMasks(),
            fx,
            "us6",
            __import__("mind_the_glitch.regions").regions.PartMapProposer(),
            DDPMInpainter(EmbeddedDiffusion.from_features(fx), InpaintSettings(steps=1)),
            BackboneDistance(fx),
            FilterConfig(skewness_min=-10, perceptual_min=0.0),
            retexture_fraction=1.0,
        )

    folder = tmp_path / "val"
    rank1 = lambda: generate_split(
        pipe(), folder, 4, config={"a": 1}, batch_size=2, accelerator=_FakeAccelerator(1, 2), progress=False
    )
    generate_split(
        pipe(), folder, 4, config={"a": 1}, batch_size=2, accelerator=_FakeAccelerator(0, 2, rank1), progress=False
    )
    rows = read_jsonl(folder / "manifest.jsonl")
    assert len(rows) == 4 and {r["source_index"] % 2 for r in rows} == {0, 1}
    assert [r["source_index"] for r in rows] == sorted(r["source_index"] for r in rows)
