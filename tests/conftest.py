import json
import os

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def pair_folder():
    """Write GlitchWorld test pairs in the folder source's layout (`pairs.jsonl`, images, masks; nbs/05a_sources.ipynb)
    to a folder and return it: `pair_folder(folder, n)`."""
    from mind_the_glitch.sources import GlitchWorldSource

    def write(folder, n: int = 6):
        folder.mkdir(parents=True, exist_ok=True)
        source = GlitchWorldSource(0, split="test")
        rows = []
        for i in range(n):
            pair = source(i)
            for k, image, mask in (("a", pair.image1, pair.masks[0]), ("b", pair.image2, pair.masks[1])):
                Image.fromarray((image * 255).round().astype(np.uint8)).save(folder / f"{i}{k}.png")
                Image.fromarray(mask.astype(np.uint8) * 255).save(folder / f"{i}{k}_mask.png")
            names = dict(image1=f"{i}a.png", image2=f"{i}b.png", mask1=f"{i}a_mask.png", mask2=f"{i}b_mask.png")
            rows.append(dict(id=f"p{i}", **names, prompt=pair.category))
        (folder / "pairs.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
        return folder

    return write
