"""Real-model paths of the dataset pipeline with tiny random models (no downloads), the generic
(folder + superpixel) path end to end, and sharded generation."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.dataset import (
    BackboneDistance,
    DatasetPipeline,
    DDPMInpainter,
    ExactMasks,
    FilterConfig,
    FolderSource,
    GlitchWorldSource,
    GroundedSAMSegmenter,
    SamPointProposer,
    StableDiffusionInpainter,
    SuperpixelProposer,
    generate_split,
    load_dataset,
    read_jsonl,
)
from mind_the_glitch.sampling import EmbeddedDiffusion

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_sam(tmp_path_factory):
    from transformers import SamConfig, SamModel, SamProcessor
    from transformers.models.sam.configuration_sam import SamMaskDecoderConfig, SamPromptEncoderConfig, SamVisionConfig
    from transformers.models.sam.image_processing_pil_sam import SamImageProcessorPil

    d = tmp_path_factory.mktemp("sam")
    vc = SamVisionConfig(
        hidden_size=32,
        output_channels=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=64,
        patch_size=8,
        mlp_dim=64,
        global_attn_indexes=[1],
        window_size=4,
        num_pos_feats=16,
    )
    pc = SamPromptEncoderConfig(hidden_size=32, image_size=64, patch_size=8, mask_input_channels=4)
    mc = SamMaskDecoderConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_dim=64, iou_head_hidden_dim=32
    )
    torch.manual_seed(0)
    SamModel(SamConfig(vision_config=vc, prompt_encoder_config=pc, mask_decoder_config=mc)).save_pretrained(d)
    SamProcessor(SamImageProcessorPil(size={"longest_edge": 64}, pad_size={"height": 64, "width": 64})).save_pretrained(
        d
    )
    return d


@pytest.fixture(scope="module")
def tiny_grounding_dino(tmp_path_factory):
    from transformers import (
        BertConfig,
        BertTokenizer,
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoProcessor,
        SwinConfig,
    )
    from transformers.models.grounding_dino.image_processing_pil_grounding_dino import GroundingDinoImageProcessorPil

    d = tmp_path_factory.mktemp("gdino")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "a", "house", "car", "dog"]
    (d / "vocab.txt").write_text("\n".join(vocab))
    sw = SwinConfig(
        image_size=64,
        patch_size=4,
        embed_dim=8,
        depths=[1, 1],
        num_heads=[1, 1],
        window_size=4,
        out_features=["stage1", "stage2"],
        out_indices=[1, 2],
    )
    tc = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    cfg = GroundingDinoConfig(
        backbone_config=sw,
        text_config=tc,
        d_model=32,
        encoder_layers=1,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_queries=10,
        num_feature_levels=2,
        encoder_n_points=2,
        decoder_n_points=2,
        max_text_len=16,
        use_timm_backbone=False,
        use_pretrained_backbone=False,
    )
    torch.manual_seed(0)
    GroundingDinoForObjectDetection(cfg).save_pretrained(d)
    GroundingDinoProcessor(
        image_processor=GroundingDinoImageProcessorPil(size={"shortest_edge": 64, "longest_edge": 64}),
        tokenizer=BertTokenizer(str(d / "vocab.txt")),
    ).save_pretrained(d)
    return d


def test_sam_point_proposer(tiny_sam):
    sp = SamPointProposer.from_pretrained(tiny_sam)
    img = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    cands = sp.candidates(img, np.ones((64, 64), bool), (30, 30))
    assert len(cands) == 3 and all(c.shape == (64, 64) and c.dtype == bool for c in cands)  # multimask output
    r = sp(img, np.ones((64, 64), bool), (30, 30))
    if r is not None:  # random weights: the smallest mask containing the point, or none
        assert r[30, 30] and r.sum() == min(c.sum() for c in cands if c[30, 30])


def test_grounded_sam(tiny_grounding_dino, tiny_sam):
    seg = GroundedSAMSegmenter.from_pretrained(tiny_grounding_dino, tiny_sam, box_threshold=0.0, text_threshold=0.0)
    pair = GlitchWorldSource(0, split="test")(0)
    box = seg.box(pair.image1, "a house")
    assert len(box) == 4 and 0 <= box[0] <= box[2] <= 64 and 0 <= box[1] <= box[3] <= 64
    m1, m2 = seg(pair)
    assert m1.shape == (64, 64) and m1.dtype == bool and m2.shape == (64, 64)
    strict = GroundedSAMSegmenter.from_pretrained(tiny_grounding_dino, tiny_sam, box_threshold=1.01)
    with pytest.raises(Exception, match="no box"):
        strict.box(pair.image1, "a house")
    with pytest.raises(OSError, match="local folders"):
        GroundedSAMSegmenter.from_pretrained("/nonexistent/gdino", tiny_sam)


def _tiny_sd_inpaint():
    import tempfile

    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionInpaintPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=9,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=16,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
    )
    vae = AutoencoderKL(
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=16,
        sample_size=64,
    )
    d = Path(tempfile.mkdtemp())
    vocab = ["!", '"', "<|startoftext|>", "<|endoftext|>", "a", "b", "c", "</w>"]
    (d / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}))
    (d / "merges.txt").write_text("#version: 0.2\n")
    tok = CLIPTokenizer(str(d / "vocab.json"), str(d / "merges.txt"), model_max_length=77)
    text = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(vocab),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=2,
            eos_token_id=3,
            pad_token_id=1,
        )
    )
    pipe = StableDiffusionInpaintPipeline(
        vae=vae,
        text_encoder=text,
        tokenizer=tok,
        unet=unet,
        scheduler=DDIMScheduler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_sd_inpainter():
    inp = StableDiffusionInpainter(_tiny_sd_inpaint(), steps=2, padding_mask_crop=None)
    pair = GlitchWorldSource(0, split="test")(1)
    imgs = torch.from_numpy(np.stack([pair.image1, pair.image2])).permute(0, 3, 1, 2)
    regs = torch.from_numpy(np.stack([pair.views[0].parts == 1, pair.views[1].parts == 1]))
    out = inp(imgs, regs, prompts=["a house"] * 2, seeds=[0, 1])
    assert out.shape == imgs.shape and torch.equal(out[0][:, ~regs[0]], imgs[0][:, ~regs[0]])
    assert (out[0][:, regs[0]] - imgs[0][:, regs[0]]).abs().mean() > 0.01


def _folder(tmp_path, n=6):
    src = GlitchWorldSource(0, split="test")
    rows = []
    for i in range(n):
        p = src(i)
        for k, im in (("a", p.image1), ("b", p.image2)):
            Image.fromarray((im * 255).round().astype(np.uint8)).save(tmp_path / f"{i}{k}.png")
        for k, m in (("a", p.masks[0]), ("b", p.masks[1])):
            Image.fromarray(m.astype(np.uint8) * 255).save(tmp_path / f"{i}{k}_mask.png")
        rows.append(
            dict(
                id=f"p{i}",
                image1=f"{i}a.png",
                image2=f"{i}b.png",
                mask1=f"{i}a_mask.png",
                mask2=f"{i}b_mask.png",
                prompt=p.category,
            )
        )
    (tmp_path / "pairs.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return tmp_path


def test_folder_superpixel_pipeline(tmp_path):
    fx = EmbeddedFeatures.random(seed=0, device="cpu")
    pipe = DatasetPipeline(
        FolderSource(_folder(tmp_path / "pairs" if (tmp_path / "pairs").mkdir() is None else None)),
        ExactMasks(),
        fx,
        "us6",
        SuperpixelProposer(),
        DDPMInpainter(EmbeddedDiffusion.from_features(fx), steps=1),
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
            __import__("mind_the_glitch.dataset").dataset.PartMapProposer(),
            DDPMInpainter(EmbeddedDiffusion.from_features(fx), steps=1),
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
