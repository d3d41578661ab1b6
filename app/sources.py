"""Resolve an ``image`` reference — a built-in sample's name or an upload's id — to pixels."""

from __future__ import annotations

import numpy as np

from .problems import Problem
from .samples import SAMPLES, sample_pixels
from .settings import Settings
from .store import ID_PATTERN, get_store
from .store import in_memory as stored_in_memory


def load_image(ref: str, settings: Settings, field: str = "image") -> np.ndarray:
    """uint8 pixels, (H, W) or (H, W, 3), read-only. The one rule for an image reference, on pages
    (``image=``) and in API bodies (``field="image_id"``): errors name the caller's field.

    >>> load_image("digit", Settings()).shape
    (8, 8)
    """
    if ref in SAMPLES:
        return sample_pixels(ref)
    if ID_PATTERN.fullmatch(ref or ""):
        try:
            return get_store(settings).get(ref)
        except Problem as problem:
            problem.param = field if problem.param == "image" else problem.param
            raise
    names = ", ".join(SAMPLES)
    raise Problem(
        422, f"{field} must be a sample ({names}) or the id of an uploaded image, got {ref[:80]!r}", field
    )


def image_name(ref: str, settings: Settings) -> str:
    """An upload's file name, stored with it at upload time ("" for a sample, for no image, and for an upload
    that came without one). Not escaped: the templates do that."""
    if ref in SAMPLES or not ID_PATTERN.fullmatch(ref or ""):
        return ""
    return get_store(settings).name(ref)


def in_memory(ref: str, settings: Settings) -> bool:
    """Whether ``load_image(ref)`` reads no disk and no network: a sample (drawn in memory, once per process,
    in a few milliseconds at most) or an upload this process holds decoded. "" (no image) is in memory too."""
    return not ref or ref in SAMPLES or (ID_PATTERN.fullmatch(ref) is not None and stored_in_memory(ref, settings))
