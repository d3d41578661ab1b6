"""Checking array arguments: numeric, finite, the right rank. Shared by every engine module."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ParameterError


def as_array(value: object, name: str, ranks: Sequence[int] = (1, 2, 3)) -> np.ndarray:
    """Return ``value`` as a float array, or raise :class:`ParameterError` naming ``name``.

    float32 stays float32 (the fast path) and integer arrays (uint8 pixels) are used as they are,
    without a copy — a step trace on a large image must not convert the whole image. Anything
    else becomes float64.

    >>> as_array([[1, 2], [3, 4]], "input").dtype
    dtype('float64')
    >>> as_array([1, float("nan")], "kernel")
    Traceback (most recent call last):
    ...
    app.engine.errors.ParameterError: kernel must contain only finite numbers (no NaN or Infinity)
    """
    if isinstance(value, np.ndarray) and (value.dtype == np.float32 or value.dtype.kind in "ui"):
        array = value  # float32 is the fast path; integers (image pixels) are finite already
    else:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(
                name, f"{name} must be a rectangular array of numbers (rows of equal length)"
            ) from None
    if array.ndim not in ranks:
        allowed = " or ".join(str(r) for r in ranks)
        raise ParameterError(name, f"{name} must have rank {allowed}, got rank {array.ndim}")
    if array.size == 0:
        raise ParameterError(name, f"{name} must not be empty")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ParameterError(name, f"{name} must contain only finite numbers (no NaN or Infinity)")
    return array


def flip_spatial(kernel: np.ndarray, spatial_ndim: int) -> np.ndarray:
    """Reverse the kernel's spatial axes (not its channel axis): convolution = flipped correlation."""
    return kernel[(slice(None, None, -1),) * spatial_ndim]
