"""Transposed convolution: multiplication by Wᵀ, the forward layer's weight matrix turned over.

A forward correlation maps an input ``x`` of n cells to ``y = W x`` of n' cells. Its transpose
maps n' cells back to n: ``conv_transpose(y) = Wᵀ y``. It is also the gradient of the forward
correlation with respect to its input, which is why networks use it to upsample. Per axis the
output size is::

    n = (n' − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1

Under a stride several input sizes give the same forward output (floor rounds them together);
``output_padding`` (smaller than the stride or the dilation, PyTorch's rule) picks the larger
ones. The kernel layout is the forward layer's own: N kernels of shape (kh, kw, C/groups) turn an
(H', W', N) input back into (H, W, C) (PyTorch's ConvTranspose2d weight (N, C/groups, kh, kw)
holds the same numbers). Computed by scattering: input cell o stamps ``y[o] · w`` at ``o·s − p``,
overlaps add — one strided view per kernel tap, each a small matrix product over the channels.

>>> conv_transpose([[1, 2], [3, 4]], [[1, 1], [1, 1]], stride=2).astype(int)
array([[1, 1, 2, 2],
       [1, 1, 2, 2],
       [3, 3, 4, 4],
       [3, 3, 4, 4]])
>>> conv_transpose([1, 2], [1, 2, 3], stride=2)  # Wᵀ of weight_matrix((5,), [1, 2, 3], stride=2)
array([1., 2., 5., 4., 6.])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import as_array
from .errors import ParameterError
from .geometry import sequence_as_rows
from .shapes import MAX_SIDE, PaddingSpec, as_tuple, resolve_padding


def transposed_size(n: int, k: int, stride: int, pad: tuple[int, int], dilation: int, output_padding: int) -> int:
    """``(n − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1``.

    >>> transposed_size(2, 3, 2, (0, 0), 1, 1)
    6
    """
    return (n - 1) * stride - pad[0] - pad[1] + dilation * (k - 1) + output_padding + 1


def same_output_sizes(n: int, k: int, stride: int, pad: tuple[int, int], dilation: int = 1) -> list[int]:
    """The forward input sizes that all give ``n`` output cells: the stride's floor rounds ``stride`` of
    them together, and ``output_padding`` 0, 1, … picks among them.

    >>> same_output_sizes(2, 3, 2, (1, 1))  # 3 and 4 cells both give 2: output_padding 0 or 1
    [3, 4]
    """
    base = transposed_size(n, k, stride, pad, dilation, 0)
    return [base + e for e in range(stride) if base + e >= 1]


def _checked_sizes(
    out_spatial: tuple[int, ...], k_spatial: tuple[int, ...], stride: int | Sequence[int], padding: PaddingSpec,
    output_padding: int | Sequence[int], dilation: int | Sequence[int],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...], tuple[int, ...]]:
    """Strides, dilations and paddings per axis, and the output's spatial shape; errors name the field."""
    nd = len(out_spatial)
    strides = as_tuple(stride, nd, "stride", minimum=1)
    dilations = as_tuple(dilation, nd, "dilation", minimum=1)
    pads = resolve_padding(padding, k_spatial, dilations)
    extra = as_tuple(output_padding, nd, "output_padding", minimum=0)
    for e, s, d in zip(extra, strides, dilations, strict=True):
        if e >= max(s, d):
            raise ParameterError(
                "output_padding", f"output_padding {e} must be smaller than the stride {s} or the dilation {d}"
                " (it picks among the input sizes one stride rounds together)"
            )
    sizes = tuple(transposed_size(n, k, s, p, d, e)
                  for n, k, s, p, d, e in zip(out_spatial, k_spatial, strides, pads, dilations, extra, strict=True))
    for size, n, k, s, p, d, e in zip(sizes, out_spatial, k_spatial, strides, pads, dilations, extra, strict=True):
        if not 1 <= size <= MAX_SIDE:
            raise ParameterError(
                "padding", f"the output would have {size} cells on an axis: ({n} − 1)·{s} − {p[0]} − {p[1]}"
                f" + {d}·({k} − 1) + {e} + 1; it must lie between 1 and {MAX_SIDE}"
            )
    return strides, dilations, pads, sizes


def _scatter(y: np.ndarray, w: np.ndarray, groups: int, strides: tuple[int, ...], dilations: tuple[int, ...],
             pads: tuple[tuple[int, int], ...], size: tuple[int, ...]) -> np.ndarray:
    """The 2-D core: y (H', W', N) and w (N, kh, kw, C/g) → (H, W, C) = Wᵀ y, group by group."""
    ho, wo, n = y.shape
    _, kh, kw, cg = w.shape
    (sh, sw), (dh, dw), ((top, _), (left, _)) = strides, dilations, pads
    h, width = size
    rows = max((ho - 1) * sh + (kh - 1) * dh + 1, top + h)  # every stamped position, and the output's window
    cols = max((wo - 1) * sw + (kw - 1) * dw + 1, left + width)
    dtype = np.float32 if y.dtype == np.float32 and w.dtype == np.float32 else np.float64
    buf = np.zeros((rows, cols, cg * groups), dtype=dtype)
    per = n // groups
    for gi in range(groups):
        yg, wg = y[..., gi * per : (gi + 1) * per], w[gi * per : (gi + 1) * per]
        for i in range(kh):
            for j in range(kw):
                view = buf[i * dh : i * dh + (ho - 1) * sh + 1 : sh, j * dw : j * dw + (wo - 1) * sw + 1 : sw,
                           gi * cg : (gi + 1) * cg]
                view += yg @ wg[:, i, j, :]  # (H', W', N/g) @ (N/g, C/g): each cell stamps its value × the tap
    out: np.ndarray = buf[top : top + h, left : left + width]
    return out


def conv_transpose(
    y: object,
    kernel: object,
    *,
    bias: float = 0.0,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """``Wᵀ y`` for one kernel: y (n',) or (H', W') → (n,) or (H, W), plus ``bias``.

    ``W`` is :func:`~app.engine.matrix.weight_matrix` of the forward layer (input size n from the
    formula in the module docstring), so ``conv_transpose(y).ravel() == W.T @ y.ravel()``.
    """
    y_arr = as_array(y, "input", ranks=(1, 2))
    w = as_array(kernel, "kernel", ranks=(y_arr.ndim,))
    return conv_transpose_many(y_arr[..., None], w[None], bias=bias, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation)


def conv_transpose_many(
    y: object,
    kernels: object,
    *,
    bias: float | Sequence[float] | None = None,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    spatial_dims: int | None = None,
) -> np.ndarray:
    """The transpose of ``correlate_many`` with the same ``kernels``: the forward layer turned over.

    Parameters
    ----------
    y : (n', N) or (H', W', N), the forward layer's output shape
    kernels : the forward layer's kernels: (N, k) for a 1-D input, (N, kh, kw) for an (H, W) input,
        (N, kh, kw, C/groups) for an (H, W, C) input
    bias : a number, or one per output channel (C,)
    spatial_dims : 1 with kernels (N, k, C/groups): the forward layer read an (n, C) sequence, and
        ``y`` is (n', N); the default reads kernels (N, kh, kw) as a 2-D layer

    Returns
    -------
    ndarray : (n,), (H, W) or (H, W, C): the forward layer's input shape (see :func:`conv_transpose_shape`)

    >>> conv_transpose_many(np.ones((2, 2, 2)), np.ones((2, 3, 3, 1)), stride=2, groups=1).shape
    (5, 5, 1)
    """
    ks = as_array(kernels, "kernels", ranks=(2, 3, 4))
    if spatial_dims not in (None, 1, 2):
        raise ParameterError("spatial_dims", f"spatial_dims must be 1 or 2, got {spatial_dims!r}")
    if spatial_dims == 1 and ks.ndim == 3:  # kernels (N, k, C/g) over an (n, C) sequence: one row of a 2-D layer
        y1 = as_array(y, "input", ranks=(2,))
        (e,) = as_tuple(output_padding, 1, "output_padding", minimum=0)
        s, p, d = sequence_as_rows(ks.shape[1], stride, padding, dilation)
        rows: np.ndarray = conv_transpose_many(y1[None], ks[:, None], bias=bias, stride=s, padding=p, output_padding=(0, e),
                                               dilation=d, groups=groups)[0]
        return rows
    y_arr = as_array(y, "input", ranks=(2 if ks.ndim == 2 else 3,))
    plan = _plan(y_arr.shape, ks.shape, stride, padding, output_padding, dilation, groups)
    y3 = y_arr[None] if ks.ndim == 2 else y_arr  # a 1-D problem is one row of a 2-D one
    w4 = ks[:, None, :, None] if ks.ndim == 2 else (ks[..., None] if ks.ndim == 3 else ks)
    out = _scatter(y3, w4, groups, plan.strides, plan.dilations, plan.pads, plan.size)
    channels = out.shape[2]
    biases = np.zeros(channels) if bias is None else np.atleast_1d(as_array(bias, "bias", ranks=(0, 1)))
    if biases.size not in (1, channels):
        raise ParameterError("bias", f"bias needs one value per output channel: {channels}, got {biases.size}")
    if biases.any():
        out = out + biases.astype(out.dtype)
    return out.reshape(plan.shape)


@dataclass(frozen=True)
class _Plan:
    strides: tuple[int, ...]  # per axis of the 2-D problem (a 1-D one is one row)
    dilations: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    size: tuple[int, ...]  # the output's 2-D spatial size
    shape: tuple[int, ...]  # the result's shape


def _plan(
    y_shape: tuple[int, ...], ks_shape: tuple[int, ...], stride: int | Sequence[int], padding: PaddingSpec,
    output_padding: int | Sequence[int], dilation: int | Sequence[int], groups: int,
) -> _Plan:
    n = ks_shape[0]
    if y_shape[-1] != n:
        raise ParameterError(
            "kernels", f"the input has {y_shape[-1]} channel(s) (the forward layer's outputs) but there are"
            f" {n} kernels: one kernel per input channel"
        )
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ParameterError("groups", f"groups must be a whole number ≥ 1, got {groups!r}")
    if n % groups:
        raise ParameterError("groups", f"groups {groups} must divide the number of kernels, {n}")
    if groups > 1 and len(ks_shape) < 4:
        raise ParameterError("groups", f"groups {groups} needs kernels (N, kh, kw, C/groups)")
    if len(ks_shape) == 2:  # 1-D: lift to one row, unpadded and unstrided vertically
        d1 = as_tuple(dilation, 1, "dilation", minimum=1)
        pads1 = resolve_padding(padding, ks_shape[1:], d1)
        strides, dilations, pads, size = _checked_sizes(
            (1, y_shape[0]), (1, ks_shape[1]), (1, *as_tuple(stride, 1, "stride", minimum=1)), [(0, 0), pads1[0]],
            (0, *as_tuple(output_padding, 1, "output_padding", minimum=0)), (1, *d1),
        )
        return _Plan(strides, dilations, pads, size, (size[1],))
    strides, dilations, pads, size = _checked_sizes(y_shape[:2], ks_shape[1:3], stride, padding, output_padding, dilation)
    return _Plan(strides, dilations, pads, size, size if len(ks_shape) == 3 else size + (ks_shape[3] * groups,))


def conv_transpose_shape(
    y_shape: Sequence[int],
    kernels_shape: Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> tuple[int, ...]:
    """The shape :func:`conv_transpose_many` would return, checked, without computing anything (for cost limits).

    >>> conv_transpose_shape((2, 2, 4), (4, 3, 3, 1), stride=2, output_padding=1, groups=2)
    (6, 6, 2)
    """
    ks_shape = tuple(int(v) for v in kernels_shape)
    y_dims = tuple(int(v) for v in y_shape)
    if len(ks_shape) not in (2, 3, 4):
        raise ParameterError("kernels", f"kernels must have rank 2, 3 or 4, got rank {len(ks_shape)}")
    if len(y_dims) != (2 if len(ks_shape) == 2 else 3):
        raise ParameterError("input", f"input must have rank {2 if len(ks_shape) == 2 else 3} for these kernels,"
                             f" got rank {len(y_dims)}")
    return _plan(y_dims, ks_shape, stride, padding, output_padding, dilation, groups).shape


def stuffed_input(
    y: object, kernel_shape: Sequence[int], *, stride: int | Sequence[int] = 1, padding: PaddingSpec = 0,
    output_padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The gather view of ``conv_transpose``: y (H', W') with s − 1 zeros stuffed between its cells,
    padded by d·(k − 1) − p_before before and d·(k − 1) − p_after + output_padding after each axis
    (cropped where that is negative). A plain stride-1 correlation of this grid with the *flipped*
    kernel (same dilation) is ``conv_transpose(y)``.

    Returns ``(grid, source)``: the grid, and for each of its cells the flat index of the y cell it
    copies (−1 for a stuffed or padded zero).

    >>> grid, source = stuffed_input([[1, 2], [3, 4]], (3, 3), stride=2, padding=1, output_padding=1)
    >>> grid.astype(int)
    array([[0, 0, 0, 0, 0, 0],
           [0, 1, 0, 2, 0, 0],
           [0, 0, 0, 0, 0, 0],
           [0, 3, 0, 4, 0, 0],
           [0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0]])
    >>> int(source[3, 3]), int(source[0, 0])
    (3, -1)
    """
    y_arr = as_array(y, "input", ranks=(2,))
    k_shape = tuple(int(v) for v in kernel_shape)
    strides, dilations, pads, _ = _checked_sizes(y_arr.shape, k_shape, stride, padding, output_padding, dilation)
    extra = as_tuple(output_padding, 2, "output_padding", minimum=0)
    lead = [d * (k - 1) for k, d in zip(k_shape, dilations, strict=True)]
    full = [(n - 1) * s + 1 + 2 * ld + e for n, s, ld, e in zip(y_arr.shape, strides, lead, extra, strict=True)]
    grid = np.zeros(full, dtype=float)
    source = np.full(full, -1, dtype=int)
    (sh, sw), (th, tw) = strides, lead
    grid[th : th + (y_arr.shape[0] - 1) * sh + 1 : sh, tw : tw + (y_arr.shape[1] - 1) * sw + 1 : sw] = y_arr
    source[th : th + (y_arr.shape[0] - 1) * sh + 1 : sh, tw : tw + (y_arr.shape[1] - 1) * sw + 1 : sw] = (
        np.arange(y_arr.size).reshape(y_arr.shape))
    (pt, pb), (pl, pr) = pads
    crop = (slice(pt, full[0] - pb), slice(pl, full[1] - pr))
    return grid[crop], source[crop]
