"Evaluation end to end on real components with random weights (no downloads, seconds)."

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mind_the_glitch.backbone import EmbeddedFeatures
from mind_the_glitch.baselines import SSIM, PooledFeatures, Unavailable, make_baselines
from mind_the_glitch.disentangle import MindTheGlitch, disentangler_for
from mind_the_glitch.eval_stats import render_table, render_table2, summarize
from mind_the_glitch.evaluate import localization_metrics, score_cases
from mind_the_glitch.scorer import VSMScorer
from mind_the_glitch.subject_driven import EXAMPLE_GENERATORS, load_subject_driven, retexture_case
from mind_the_glitch.world import GlitchWorld

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    bb = EmbeddedFeatures.random(seed=0, device="cpu")
    return MindTheGlitch(bb, disentangler_for(bb, layers=["us3"])).eval()


def test_score_cases_with_the_real_model(model):
    w = GlitchWorld(seed=0)
    cases = [retexture_case(w, i, k) for i in range(3) for k in (0, 2)]
    scorer = VSMScorer(model, segmenter=None, batch_size=4)
    bls = {
        "ssim": SSIM(),
        "backbone": PooledFeatures(model.backbone, "us3"),
        "clip": Unavailable("CLIP-I", "no weights"),
    }
    df, kept = score_cases(cases, scorer, bls, raw_layer="us3", batch_size=4, keep=1)
    assert len(df) == 6 and "clip" not in df.columns and len(kept) == 1
    assert df["vsm_0.6"].dropna().between(0, 1).all()
    # the same pair scored alone gives the same VSM (batching does not change a score)
    alone, _ = score_cases(cases[1:2], scorer, {}, batch_size=1)
    assert alone["vsm_0.6"].iloc[0] == pytest.approx(df["vsm_0.6"].iloc[1], nan_ok=True)
    # an identical generated image is fully consistent with its reference
    same = dict(
        cases[0],
        generated=cases[0]["reference"],
        mask_generated=cases[0]["mask_reference"],
        region=torch.zeros_like(cases[0]["mask_reference"]),
    )
    d_same, _ = score_cases([same], scorer, {"ssim": SSIM()})
    assert d_same["vsm_0.6"].iloc[0] == pytest.approx(1.0) and d_same["ssim"].iloc[0] == pytest.approx(1.0)


def test_localization_of_the_exact_answer_and_of_noise():
    c = retexture_case(GlitchWorld(seed=1), 0, 1)
    r, o = c["region"], c["mask_generated"]
    assert localization_metrics(r.double(), r, o)["auroc"] == 1.0
    rnd = localization_metrics(torch.rand(r.shape, generator=torch.Generator().manual_seed(0)), r, o)
    assert 0.3 < rnd["auroc"] < 0.7


def test_shipped_example_folder_matches_its_generator():
    cases, meta = load_subject_driven(ROOT / "examples" / "subject_driven")
    assert "SYNTHETIC" in meta["description"] and set(meta["generators"]) == set(EXAMPLE_GENERATORS)
    assert len(cases) == 30 and {c["group"] for c in cases} == set(EXAMPLE_GENERATORS)
    for c in cases:
        assert 0 <= c["oracle"] <= 1 and (c["region"] <= c["mask_generated"]).all()


def test_offline_baselines_are_reported_not_faked():
    bls = make_baselines(
        "openai/clip-vit-base-patch32",
        "facebook/dino-vits16",
        include=["clip", "dino", "vlm", "ssim"],
        local_files_only=True,
    )
    assert [k for k, b in bls.items() if not b.available] == ["clip", "dino", "vlm"]
    for k in ("clip", "dino", "vlm"):
        with pytest.raises(RuntimeError, match="not available"):
            bls[k](torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16))


def test_tables_and_summary_round_trip(tmp_path):
    import pandas as pd

    x = np.linspace(0, 1, 20)
    df = pd.DataFrame(
        {"oracle": x, "vsm_0.5": x, "vsm_0.6": x**2, "vsm_0.7": np.sqrt(x), "ssim": np.sin(9 * x), "group": "all"}
    )
    s = summarize(df, {"vsm_0.6": "VSM", "vsm_0.5": "VSM 0.5", "vsm_0.7": "VSM 0.7", "ssim": "SSIM"}, n_boot=50)
    json.dumps(s)  # JSON-able, no NaN objects
    t1 = render_table(
        {"Controlled": s}, {"VSM": "vsm_0.6", "SSIM": "ssim", "VLM judge": "vlm"}, unavailable={"VLM judge": "not run"}
    )
    assert "| VLM judge | not run | not run |" in t1
    t2, numbers = render_table2(s, tmp_path)
    assert numbers["T_v = 0.5"]["spearman"] == pytest.approx(1.0) and numbers["alpha = 1"] is None and "not run" in t2
