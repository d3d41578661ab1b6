"""Max and average pooling on the same window geometry as correlation.

Pooling learns nothing (0 parameters); it shrinks each axis to
``floor((n + p_before + p_after − size) / stride) + 1`` — the correlation formula with the pool
size in place of the kernel size. PyTorch's conventions: stride defaults to the size; max
ignores padding (as if −∞) and reports which cell won; average divides by the full window,
counting padded zeros; padding may be at most half the pool size.

>>> r = pool([[1, 5, 2, 0], [7, 2, 1, 3], [0, 0, 4, 4], [1, 9, 4, 4]], 2)
>>> r.output.tolist(), r.argmax[1, 0].tolist()
([[7.0, 3.0], [9.0, 4.0]], [3, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .arrays import as_array
from .errors import ParameterError
from .shapes import Geometry, PaddingSpec, as_tuple, geometry


@dataclass
class PoolResult:
    output: np.ndarray  # (*out,) or (H', W', C)
    argmax: np.ndarray | None  # (*out, ndim) or (H', W', C, 2) winning input coordinates; None for avg


def pool_geometry(
    shape: Sequence[int],
    size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
) -> Geometry:
    """Validated pooling geometry (``stride`` defaults to ``size``): the one home of pooling's rules.

    Parameters
    ----------
    shape : the spatial shape, (n,) or (H, W) (a volume's channels are pooled one by one)

    >>> pool_geometry((4, 4), 2, padding=1).out_shape
    (3, 3)
    """
    if len(shape) not in (1, 2):
        raise ParameterError("input", f"pooling needs 1 or 2 spatial axes, got {len(shape)}")
    sizes = as_tuple(size, len(shape), "size", minimum=1)
    g = geometry(shape, sizes, sizes if stride is None else stride, padding)
    for a in g.axes:
        if max(a.pad) > a.k // 2:
            raise ParameterError(
                "padding",
                f"padding {max(a.pad)} must be at most half the pool size {a.k} (≤ {a.k // 2})",
            )
    return g


def given_or_built(
    geometry: Geometry | None,
    shape: Sequence[int],
    size: int | Sequence[int] | None,
    stride: int | Sequence[int] | None,
    padding: PaddingSpec,
) -> Geometry:
    """Check a pooling ``geometry`` against the input's spatial ``shape``, or build one."""
    if geometry is None:
        if size is None:
            raise TypeError("give the pool size or a geometry")
        return pool_geometry(shape, size, stride, padding)
    if size is not None or stride is not None or not (isinstance(padding, int) and padding == 0):
        raise TypeError("pass either geometry= or size/stride/padding, not both")
    if geometry.in_shape != tuple(shape):
        raise ParameterError("input", f"input has shape {tuple(shape)} but the geometry was built for {geometry.in_shape}")
    return geometry


def check_op(op: str) -> None:
    if op not in ("max", "avg"):
        raise ParameterError("op", f'op must be "max" or "avg", got {op!r}')


def pool(
    x: object,
    size: int | Sequence[int] | None = None,
    *,
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
    op: Literal["max", "avg"] = "max",
    geometry: Geometry | None = None,
) -> PoolResult:
    """Pool a (n,), (H, W) or (H, W, C) input (a volume is pooled channel by channel).

    ``geometry`` is a checked :func:`pool_geometry` of the spatial axes, given instead of ``size``,
    ``stride`` and ``padding``.
    """
    x = as_array(x, "input")
    if x.dtype.kind in "ui":  # padding with −∞ needs floats
        x = x.astype(np.float64)
    check_op(op)
    nd = 1 if x.ndim == 1 else 2
    g = given_or_built(geometry, x.shape[:nd], size, stride, padding)
    fill = -np.inf if op == "max" else 0.0
    pads = list(g.padding) + [(0, 0)] * (x.ndim - nd)
    xp = np.pad(x, pads, constant_values=fill) if any(map(any, g.padding)) else x
    views = _tap_views(xp, g, nd)  # one strided view per window cell: no (out × taps) copy
    if op == "avg":
        total = views[0].copy()
        for v in views[1:]:
            total += v
        total /= len(views)  # divides by the full window, counting padded zeros (PyTorch's default)
        return PoolResult(total, None)
    output = views[0].copy()
    # the winner's flat tap index; arithmetic on 0/1 masks, as masked copies are ~10× slower
    best = np.zeros(output.shape, dtype=np.int16 if len(views) < 2**15 else np.intp)
    wins, keep, update = np.empty(output.shape, dtype=bool), np.empty(output.shape, dtype=bool), np.empty_like(best)
    for t, v in enumerate(views[1:], start=1):
        np.greater(v, output, out=wins)  # strictly greater: ties keep the first cell, like argmax
        np.maximum(output, v, out=output)
        np.logical_not(wins, out=keep)
        best *= keep
        np.multiply(wins, best.dtype.type(t), out=update)
        best += update
    tap = np.unravel_index(best, g.kernel_shape)
    out_idx = np.indices(g.out_shape)
    coords = []
    for axis, a in enumerate(g.axes):
        o = out_idx[axis].reshape(out_idx[axis].shape + (1,) * (x.ndim - nd))
        coords.append(o * a.stride - a.pad[0] + tap[axis])
    return PoolResult(output, np.stack(coords, axis=-1))


def _tap_views(xp: np.ndarray, g: Geometry, nd: int) -> list[np.ndarray]:
    """Strided views of padded ``xp`` under each window cell, in row-major tap order.

    Returns
    -------
    list of ``prod(kernel_shape)`` arrays, each ``(*out, [C])``
    """
    views = []
    for tap in np.ndindex(*g.kernel_shape):
        index = tuple(slice(t, t + (a.out - 1) * a.stride + 1, a.stride) for t, a in zip(tap, g.axes, strict=True))
        views.append(xp[index + (slice(None),) * (xp.ndim - nd)])
    return views
