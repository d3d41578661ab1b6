"""Max and average pooling on the same window geometry as correlation.

Pooling learns nothing (0 parameters); it shrinks each axis to
``floor((n + p_before + p_after − d·(size − 1) − 1) / stride) + 1`` — the correlation formula with
the pool size in place of the kernel size (``ceil_mode`` rounds up instead). PyTorch's conventions:
stride defaults to the size; max ignores padding (as if −∞) and reports which cell won; average
divides by the window's cells in the input and its padding (``count_include_pad=False``: in the
input only, ONNX's default). Padding follows one of two rules, named by ``padding_rule``: PyTorch's
(at most half the pool's span; the pages teach it) or ONNX's (each side smaller than the span, and
every window must still hold an input cell; the API uses it).

>>> r = pool([[1, 5, 2, 0], [7, 2, 1, 3], [0, 0, 4, 4], [1, 9, 4, 4]], 2)
>>> r.output.tolist(), r.argmax[1, 0].tolist()
([[7.0, 3.0], [9.0, 4.0]], [3, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from .arrays import as_array
from .errors import ParameterError
from .shapes import Axis, Geometry, PaddingSpec, as_tuple, geometry, resolve_padding

PaddingRule = Literal["pytorch", "onnx"]
PADDING_RULES: tuple[PaddingRule, ...] = ("pytorch", "onnx")


@dataclass
class PoolResult:
    output: np.ndarray  # (*out,) or (H', W', C)
    argmax: np.ndarray | None  # (*out, ndim) or (H', W', C, 2) winning input coordinates; None for avg


@dataclass(frozen=True)
class PoolGeometry(Geometry):
    """A checked pooling geometry. With ``ceil_mode`` the axes' padding after includes the cells that
    rounding up adds past the explicit padding (``explicit`` keeps the padding asked for): they are
    never a max and never counted by an average."""

    explicit: tuple[tuple[int, int], ...] = ()
    ceil_mode: bool = False

    def warnings(self) -> list[str]:
        """As for any geometry; in ceil mode the formula uses the padding asked for and says it rounds up."""
        if not self.ceil_mode:
            return super().warnings()
        notes = []
        for a, pad in zip(self.axes, self.explicit, strict=True):
            asked = replace(a, pad=pad)
            if not asked.exact:
                notes.append(f"{a.name}: {asked.formula()} is not a whole number: ceil_mode rounds up to {a.out}"
                             f" (floor would give {asked.out})")
        return notes


def _ceil_extra(a: Axis) -> int:
    """Cells to add after the padding so that the floor formula gives ceil mode's count.

    Ceil mode rounds the output count up, but a last window must start inside the input or its
    left padding (the rule PyTorch and ONNX share), else it is dropped.
    """
    out = -(-a.slack // a.stride) + 1
    if (out - 1) * a.stride >= a.n + a.pad[0]:
        out -= 1
    return max(0, (out - 1) * a.stride + a.span - a.padded)


def pool_geometry(
    shape: Sequence[int],
    size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    padding_rule: PaddingRule = "pytorch",
) -> PoolGeometry:
    """Validated pooling geometry (``stride`` defaults to ``size``): the one home of pooling's rules.

    Padding is an int, one per axis, or ``[before, after]`` per axis. ``padding_rule="pytorch"``:
    at most half the pool's span ``d·(k − 1) + 1`` (PyTorch's rule). ``"onnx"``: each side smaller
    than the span (ONNX Runtime's "pad should be smaller than kernel"; the ONNX operators allow
    more, but then a window may hold padding only), and every window must reach at least one input
    cell, so a max or an average always has something to take. ``ceil_mode`` rounds the output count
    up instead of down, keeping only windows that start inside the input or its left padding.

    Parameters
    ----------
    shape : the spatial shape, (n,) or (H, W) (a volume's channels are pooled one by one)

    >>> pool_geometry((4, 4), 2, padding=1).out_shape
    (3, 3)
    >>> pool_geometry((5,), 2).out_shape, pool_geometry((5,), 2, ceil_mode=True).out_shape
    ((2,), (3,))
    >>> pool_geometry((5, 5), 3, 1, 2, padding_rule="onnx").out_shape  # PyTorch's rule refuses padding 2 here
    (7, 7)
    """
    if len(shape) not in (1, 2):
        raise ParameterError("input", f"pooling needs 1 or 2 spatial axes, got {len(shape)}")
    if not isinstance(ceil_mode, bool):
        raise ParameterError("ceil_mode", f"ceil_mode must be true or false, got {ceil_mode!r}")
    if padding_rule not in PADDING_RULES:
        raise ParameterError("padding_rule", f'padding_rule must be "pytorch" or "onnx", got {padding_rule!r}')
    sizes = as_tuple(size, len(shape), "size", minimum=1)
    try:
        g = geometry(shape, sizes, sizes if stride is None else stride, padding, dilation)
    except ParameterError as e:  # a pool has a size, not a kernel: name the field the caller gave
        if e.param != "kernel":
            raise
        raise ParameterError("size", e.message.replace("kernel", "pool window")) from None
    for a in g.axes:
        what = f"the pool size {a.k}" if a.dilation == 1 else f"the dilated pool's span {a.span}"
        if padding_rule == "pytorch" and max(a.pad) > a.span // 2:
            raise ParameterError("padding", f"padding {max(a.pad)} must be at most half {what} (≤ {a.span // 2}),"
                                 " PyTorch's rule")
        if padding_rule == "onnx" and max(a.pad) >= a.span:
            raise ParameterError("padding", f"padding {max(a.pad)} must be smaller than {what} (≤ {a.span - 1}),"
                                 " ONNX's rule")
    axes = g.axes
    if ceil_mode:
        axes = tuple(replace(a, pad=(a.pad[0], a.pad[1] + _ceil_extra(a))) for a in g.axes)
    for a in axes:
        _check_windows_reach_input(a)
    return PoolGeometry(axes, g.padding, ceil_mode)


def _check_windows_reach_input(a: Axis) -> None:
    """Refuse an axis where some window's taps all fall in the padding (possible with dilation, or a
    side's padding near the span): its max would be −∞ and its average 0/0."""
    starts = np.arange(a.out) * a.stride - a.pad[0]
    taps = starts[:, None] + np.arange(a.k)[None, :] * a.dilation
    empty = ~((taps >= 0) & (taps < a.n)).any(axis=1)
    if empty.any():
        o = int(np.argmax(empty))
        raise ParameterError("padding", f"{a.name}: window {o} covers padding only (taps at {taps[o].tolist()} of an"
                             f" input of {a.n}): padding {list(a.pad)} with dilation {a.dilation} is too large")


def sequence_as_rows(
    size: int | Sequence[int], stride: int | Sequence[int] | None, padding: PaddingSpec, dilation: int | Sequence[int]
) -> tuple[tuple[int, int], tuple[int, int], list[tuple[int, int]], tuple[int, int]]:
    """Size, stride, padding and dilation of pooling an (n, C) sequence, for the same pooling as one row
    of a (1, n, C) volume.

    >>> sequence_as_rows(3, None, 1, 1)
    ((1, 3), (1, 3), [(0, 0), (1, 1)], (1, 1))
    """
    (k,) = as_tuple(size, 1, "size", minimum=1)
    (s,) = as_tuple(k if stride is None else stride, 1, "stride", minimum=1)
    (d,) = as_tuple(dilation, 1, "dilation", minimum=1)
    ((before, after),) = resolve_padding(padding, (k,), (d,))
    return (1, k), (1, s), [(0, 0), (before, after)], (1, d)


def window_counts(g: PoolGeometry, include_pad: bool) -> np.ndarray:
    """Cells each window averages over: inside the input only, or also the explicit padding
    (never ceil mode's extra cells). (*out_shape,) — a product of one count per axis."""
    total = np.ones((), dtype=np.float64)
    for a, (before, after) in zip(g.axes, g.explicit or g.padding, strict=True):
        low, high = (-before, a.n + after) if include_pad else (0, a.n)
        starts = np.arange(a.out)[:, None] * a.stride - a.pad[0] + np.arange(a.k)[None, :] * a.dilation
        counts = ((starts >= low) & (starts < high)).sum(axis=1)
        total = np.multiply.outer(total, counts)
    return total


def given_or_built(
    geometry: PoolGeometry | None,
    shape: Sequence[int],
    size: int | Sequence[int] | None,
    stride: int | Sequence[int] | None,
    padding: PaddingSpec,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    padding_rule: PaddingRule = "pytorch",
) -> PoolGeometry:
    """Check a pooling ``geometry`` against the input's spatial ``shape``, or build one."""
    if geometry is None:
        if size is None:
            raise TypeError("give the pool size or a geometry")
        return pool_geometry(shape, size, stride, padding, dilation, ceil_mode, padding_rule)
    if (size is not None or stride is not None or not (isinstance(padding, int) and padding == 0)
            or dilation != 1 or ceil_mode or padding_rule != "pytorch"):
        raise TypeError("pass either geometry= or size/stride/padding/dilation/ceil_mode, not both")
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
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    op: Literal["max", "avg"] = "max",
    count_include_pad: bool = True,
    spatial_dims: int | None = None,
    padding_rule: PaddingRule = "pytorch",
    geometry: PoolGeometry | None = None,
) -> PoolResult:
    """Pool a (n,), (H, W) or (H, W, C) input (a volume is pooled channel by channel).

    ``geometry`` is a checked :func:`pool_geometry` of the spatial axes, given instead of ``size``,
    ``stride``, ``padding``, ``dilation``, ``ceil_mode`` and ``padding_rule``. An average divides by the window's
    cells inside the input and its explicit padding (``count_include_pad=True``, PyTorch's default)
    or inside the input only (``False``, ONNX's default). ``spatial_dims=1`` reads an (n, C) input
    as a sequence of n cells with C channels (the default reads it as (H, W)).

    >>> pool([1, 2, 3, 4, 5], 2, ceil_mode=True, op="avg").output.tolist()  # the last window holds 5 alone
    [1.5, 3.5, 5.0]
    """
    x = as_array(x, "input")
    if x.dtype.kind in "ui":  # padding with −∞ needs floats
        x = x.astype(np.float64)
    check_op(op)
    if spatial_dims not in (None, 1, 2):
        raise ParameterError("spatial_dims", f"spatial_dims must be 1 or 2, got {spatial_dims!r}")
    if spatial_dims == 1 and x.ndim == 2:  # an (n, C) sequence: pooled as one row of a (1, n, C) volume
        if geometry is not None or size is None:
            raise TypeError("spatial_dims=1 takes size/stride/padding/dilation, not a geometry")
        k, s, p, d = sequence_as_rows(size, stride, padding, dilation)
        rows = pool(x[None], k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode, op=op,
                    count_include_pad=count_include_pad, padding_rule=padding_rule)
        return PoolResult(rows.output[0], None if rows.argmax is None else rows.argmax[0][..., 1:])
    if spatial_dims is not None and (spatial_dims == 2) != (x.ndim >= 2):
        raise ParameterError("spatial_dims", f"spatial_dims {spatial_dims} does not fit an input of rank {x.ndim}")
    nd = 1 if x.ndim == 1 else 2
    g = given_or_built(geometry, x.shape[:nd], size, stride, padding, dilation, ceil_mode, padding_rule)
    if not isinstance(count_include_pad, bool):
        raise ParameterError("count_include_pad", f"count_include_pad must be true or false, got {count_include_pad!r}")
    fill = -np.inf if op == "max" else 0.0
    pads = list(g.padding) + [(0, 0)] * (x.ndim - nd)
    xp = np.pad(x, pads, constant_values=fill) if any(map(any, g.padding)) else x
    views = _tap_views(xp, g, nd)  # one strided view per window cell: no (out × taps) copy
    if op == "avg":
        total = views[0].copy()
        for v in views[1:]:
            total += v
        counts = window_counts(g, count_include_pad)
        total /= counts.reshape(counts.shape + (1,) * (x.ndim - nd))
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
        coords.append(o * a.stride - a.pad[0] + tap[axis] * a.dilation)
    return PoolResult(output, np.stack(coords, axis=-1))


def _tap_views(xp: np.ndarray, g: Geometry, nd: int) -> list[np.ndarray]:
    """Strided views of padded ``xp`` under each window cell, in row-major tap order.

    Returns
    -------
    list of ``prod(kernel_shape)`` arrays, each ``(*out, [C])``
    """
    views = []
    for tap in np.ndindex(*g.kernel_shape):
        index = tuple(slice(t * a.dilation, t * a.dilation + (a.out - 1) * a.stride + 1, a.stride)
                      for t, a in zip(tap, g.axes, strict=True))
        views.append(xp[index + (slice(None),) * (xp.ndim - nd)])
    return views
