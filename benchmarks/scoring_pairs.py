"""The scoring benchmarks' inputs: GlitchWorld test pairs as image tensors with their exact subject masks."""

import numpy as np
import torch

from mind_the_glitch.world import GlitchWorld


def chw(image: np.ndarray) -> torch.Tensor:
    "An H×W×3 float image in [0, 1] as a 3×H×W tensor."
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()


def scoring_pairs(n: int, size: int = 64) -> tuple[list, list, list, list]:
    """References, generated images and their masks for the first `n` test pairs of world seed 0 (view 1 is the
    reference, view 0 the generated image)."""
    world = GlitchWorld(seed=0, size=size)
    pairs = [world.pair(i, "test") for i in range(n)]
    refs = [chw(b.image) for _, b in pairs]
    gens = [chw(a.image) for a, _ in pairs]
    mrefs = [torch.from_numpy(b.mask) for _, b in pairs]
    mgens = [torch.from_numpy(a.mask) for a, _ in pairs]
    return refs, gens, mrefs, mgens
