"""Resolve an ``image`` reference — a built-in sample's name or an upload's id — to pixels."""

from __future__ import annotations

import numpy as np

from .problems import Problem
from .samples import SAMPLES, sample_pixels
from .settings import Settings
from .store import ID_PATTERN, get_store


def load_image(ref: str, settings: Settings) -> np.ndarray:
    """uint8 pixels, (H, W) or (H, W, 3), read-only.

    >>> load_image("digit", Settings()).shape
    (8, 8)
    """
    if ref in SAMPLES:
        return sample_pixels(ref)
    if ID_PATTERN.fullmatch(ref or ""):
        return get_store(settings).get(ref)
    names = ", ".join(SAMPLES)
    raise Problem(
        422, f"image must be a sample ({names}) or the id of an uploaded image, got {ref[:80]!r}", "image"
    )
