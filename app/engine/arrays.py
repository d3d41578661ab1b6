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
    # min and max carry any NaN or ±inf and allocate nothing (isfinite would allocate a mask of the whole array)
    if array.dtype.kind == "f" and not (np.isfinite(array.min()) and np.isfinite(array.max())):
        raise ParameterError(name, f"{name} must contain only finite numbers (no NaN or Infinity)")
    return array


def shifted(x: np.ndarray, rows: int = 0, cols: int = 0) -> np.ndarray:
    """``x`` moved by ``rows`` down and ``cols`` right (negative: up, left), zeros filling in.

    The same shape as ``x``; what moves past the edge is dropped. Used to show pooling's local
    translation invariance: an object that moves a little leaves most pooled cells unchanged.

    >>> shifted(np.array([[1, 2], [3, 4]]), cols=1)
    array([[0, 1],
           [0, 3]])
    """
    out = np.zeros_like(x)
    h, w = x.shape[:2]
    if abs(rows) >= h or abs(cols) >= w:
        return out
    src = x[max(0, -rows) : h - max(0, rows), max(0, -cols) : w - max(0, cols)]
    out[max(0, rows) : max(0, rows) + src.shape[0], max(0, cols) : max(0, cols) + src.shape[1]] = src
    return out
