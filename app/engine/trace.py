"""One step of a sliding window, as data: the window, the products, the sum, the result.

Traces are built where the arithmetic happens (micrograd's way) and rendered later by the
pages. A step reads only its own window with bounds checks — it never pads the whole input nor
computes the whole output — so it costs O(k²) whatever the input size.

Like :mod:`app.engine.conv`, ``conv_step`` and ``conv_steps`` take a checked
:class:`~app.engine.geometry.ConvGeometry` as ``geometry=`` (or ``stride=``… and build it), and
``pool_step`` a checked :func:`~app.engine.pool.pool_geometry`. A step carries its row of the
weight matrix (``w_row``), so a page showing W never builds that row again.

>>> s = conv_step([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 1]], 3)
>>> s.out_index, s.window.tolist(), s.sum
((1, 1), [[5.0, 6.0], [8.0, 9.0]], 14.0)
>>> s.w_row[0].tolist()  # the columns of row 3 of W: the input cells under the window
[4, 5, 7, 8]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .arrays import as_array
from .errors import ParameterError
from .geometry import ConvGeometry, given_or_built
from .matrix import sparse_rows
from .pool import PoolGeometry, check_op, window_counts
from .pool import given_or_built as pool_given_or_built
from .shapes import Geometry, PaddingSpec


def _window(
    x: np.ndarray, g: Geometry, out_index: tuple[int, ...]
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Tap positions ``(*k, ndim)``, inside mask ``k`` and values (0 at padding) of a window."""
    origin = g.origin(out_index)
    k_idx = np.indices(g.kernel_shape)
    positions = np.stack(
        [o + k_idx[a] * g.axes[a].dilation for a, o in enumerate(origin)], axis=-1
    )
    if all(o >= 0 and o + (a.k - 1) * a.dilation < a.n for o, a in zip(origin, g.axes, strict=True)):
        # the whole window on the input (most steps): one strided slice
        taps = tuple(slice(o, o + (a.k - 1) * a.dilation + 1, a.dilation) for o, a in zip(origin, g.axes, strict=True))
        return origin, positions, np.ones(g.kernel_shape, dtype=bool), x[taps].astype(np.float64)
    inside = np.all((positions >= 0) & (positions < np.array(g.in_shape)), axis=-1)
    values = np.zeros(g.kernel_shape + x.shape[len(g.axes):], dtype=np.float64)
    values[inside] = x[tuple(positions[inside].T)]
    return origin, positions, inside, values


def _number(value: float) -> float | int:
    """JSON-friendly: integral values print as ints (35, not 35.0)."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _listify(array: np.ndarray | None) -> list[Any] | None:
    if array is None:
        return None
    if array.dtype == bool or np.issubdtype(array.dtype, np.integer):
        exact: list[Any] = array.tolist()
        return exact
    values: list[Any] = np.vectorize(_number, otypes=[object])(array).tolist() if array.size else []
    return values


@dataclass
class ConvStep:
    """Everything that happens at step ``index`` of a correlation."""

    index: int
    total: int
    out_index: tuple[int, ...]
    origin: tuple[int, ...]
    positions: np.ndarray  # (*k, ndim) input coordinates of each tap (unpadded)
    inside: np.ndarray  # (*k,) False where the tap reads zero padding
    window: np.ndarray  # (*k,) or (kh, kw, C)
    kernel: np.ndarray  # as applied (flipped for true convolution)
    products: np.ndarray
    channel_sums: np.ndarray | None
    sum: float
    bias: float
    result: float
    w_columns: np.ndarray | None = field(default=None)  # this output's row of W: columns…
    w_values: np.ndarray | None = field(default=None)  # …and their weights
    geometry: ConvGeometry | None = field(default=None, repr=False)  # the checked geometry it was traced on

    @property
    def w_row(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Row ``index`` of W as ``(columns, values)`` (None for a volume): reuse it, do not rebuild it."""
        if self.w_columns is None or self.w_values is None:
            return None
        return self.w_columns, self.w_values

    def as_dict(self) -> dict[str, Any]:
        """The step as JSON values. ``matrix_row`` is this output cell's row of W (its nonzero ``columns`` of
        the flattened input and their ``values``; None for volumes), named as in the pages' JSON twins."""
        row = None if self.w_columns is None else {"columns": self.w_columns.tolist(), "values": _listify(self.w_values)}
        return {
            "index": self.index,
            "total": self.total,
            "out_index": list(self.out_index),
            "origin": list(self.origin),
            "positions": self.positions.tolist(),
            "inside": self.inside.tolist(),
            "window": _listify(self.window),
            "kernel": _listify(self.kernel),
            "products": _listify(self.products),
            "channel_sums": _listify(self.channel_sums),
            "sum": _number(self.sum),
            "bias": _number(self.bias),
            "result": _number(self.result),
            "matrix_row": row,
            "w_row": row,  # the name /api/trace used first; kept for its clients
        }


def _conv_setup(
    x: object,
    kernel: object,
    stride: int | Sequence[int],
    padding: PaddingSpec,
    dilation: int | Sequence[int],
    flip: bool,
    geometry: ConvGeometry | None,
) -> tuple[np.ndarray, np.ndarray, ConvGeometry]:
    """Checked input, the kernel as applied (flipped for convolution), and the geometry."""
    x_arr = as_array(x, "input")
    w = as_array(kernel, "kernel")
    g = given_or_built(geometry, x_arr.shape, w.shape, stride, padding, dilation, flip)
    if g.kind == "depthwise":
        raise ParameterError(
            "kernel", f"a volume input (H, W, C) is stepped with a kernel (kh, kw, C); got rank {w.ndim}"
            " — to step one channel, pass that channel as a 2-D input"
        )
    return x_arr, g.applied(w), g


def conv_step(
    x: object,
    kernel: object,
    step: int,
    *,
    bias: float = 0.0,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    geometry: ConvGeometry | None = None,
) -> ConvStep:
    """Trace step ``step`` (0-based, row by row over the output) of ``correlate``.

    Parameters
    ----------
    x : (n,), (H, W) or (H, W, C)
    kernel : same rank as ``x``; a volume kernel is (kh, kw, C) and its channel sums are reported
    geometry : a checked :class:`~app.engine.geometry.ConvGeometry` instead of stride, padding,
        dilation and flip
    """
    x_arr, w, g = _conv_setup(x, kernel, stride, padding, dilation, flip, geometry)
    return _trace(x_arr, w, g, step, float(bias))


def conv_steps(
    x: object,
    kernel: object,
    steps: Iterable[int],
    *,
    bias: float = 0.0,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    geometry: ConvGeometry | None = None,
) -> list[ConvStep]:
    """Several steps of the same configuration, validated once."""
    x_arr, w, g = _conv_setup(x, kernel, stride, padding, dilation, flip, geometry)
    return [_trace(x_arr, w, g, i, float(bias)) for i in steps]


def _trace(x: np.ndarray, w: np.ndarray, g: ConvGeometry, step: int, bias: float) -> ConvStep:
    out_index = g.out_index(step)
    origin, positions, inside, window = _window(x, g, out_index)
    products = window * w
    volume = g.kind == "volume"
    channel_sums = products.sum(axis=(0, 1)) if volume else None
    total = float(products.sum())
    cols = vals = None
    if not volume:
        ((cols, vals),) = sparse_rows(g, w, np.array([step], dtype=np.intp))
    return ConvStep(
        step, g.steps, out_index, origin, positions, inside, window, w, products,
        channel_sums, total, bias, total + bias, cols, vals, g,
    )


@dataclass
class PoolStep:
    """Step ``index`` of max or average pooling."""

    index: int
    total: int
    op: str
    out_index: tuple[int, ...]
    origin: tuple[int, ...]
    positions: np.ndarray
    inside: np.ndarray
    window: np.ndarray
    result: float
    winner: tuple[int, ...] | None  # input coordinates of the max (never a padding cell)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "total": self.total,
            "op": self.op,
            "out_index": list(self.out_index),
            "origin": list(self.origin),
            "positions": self.positions.tolist(),
            "inside": self.inside.tolist(),
            "window": _listify(self.window),
            "result": _number(self.result),
            "winner": None if self.winner is None else list(self.winner),
        }


def pool_step(
    x: object,
    size: int | Sequence[int] | None = None,
    step: int = 0,
    *,
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    op: Literal["max", "avg"] = "max",
    count_include_pad: bool = True,
    geometry: PoolGeometry | None = None,
) -> PoolStep:
    """Trace step ``step`` of pooling a (n,) or (H, W) input.

    Max ignores padding (as if it were −∞); average divides by the full window size, counting
    padded zeros (PyTorch's defaults; ``count_include_pad=False`` counts the input's cells only, and
    ceil mode's extra cells are never counted). ``geometry`` is a checked
    :func:`~app.engine.pool.pool_geometry`, given instead of ``size``, ``stride`` and ``padding``.

    >>> pool_step([[1, 5], [7, 2]], 2, 0).winner
    (1, 0)
    """
    x_arr = as_array(x, "input", ranks=(1, 2))
    check_op(op)
    g = pool_given_or_built(geometry, x_arr.shape, size, stride, padding, dilation, ceil_mode)
    out_index = g.out_index(step)
    origin, positions, inside, window = _window(x_arr, g, out_index)
    winner = None
    if op == "max":
        masked = np.where(inside, window, -np.inf)
        best = np.unravel_index(int(np.argmax(masked)), masked.shape)
        winner = tuple(int(v) for v in positions[best])
        result = float(masked[best])
    else:
        result = float(window.sum() / window_counts(g, count_include_pad)[out_index])
    return PoolStep(step, g.steps, op, out_index, origin, positions, inside, window, result, winner)
