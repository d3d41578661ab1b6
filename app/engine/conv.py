"""Cross-correlation — what CNN layers compute — for 1-D, 2-D and volume inputs.

``correlate`` slides the kernel and sums products (no flip); ``flip=True`` reverses the
kernel's spatial axes first, which is true convolution (scipy's naming). Inputs are channels
last: ``(n,)``, ``(H, W)`` or ``(H, W, C)``.

How it is computed (measured in bench/engine.py, see docs/performance.md): shift-and-add over
kernel taps. For each tap the strided view of the padded input under that tap is multiplied by
the weight and accumulated into the output, in bands of output rows small enough that the
accumulator and a scratch buffer stay in the CPU cache; multiply and add write into those
buffers (no temporaries). Stride is applied by slicing, so stride 2 does a quarter of the work.
float32 stays float32 throughout. Zero weights are skipped, so sparse kernels (identity, Sobel)
cost only their nonzero taps.

>>> correlate([1, 2, 3, 4], [1, 1])
array([3., 5., 7.])
>>> correlate([1, 2, 3, 4], [1, 0, -1], flip=True)  # convolution: flip, then slide
array([2., 2.])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import as_array, flip_spatial
from .errors import ParameterError
from .shapes import Geometry, PaddingSpec, geometry

BAND_BYTES = 1024 * 1024  # accumulator + scratch per band (measured: 64 KiB bands lose to call overhead)


def _dtype(*arrays: np.ndarray) -> type:
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


def _pad_planes(planes: np.ndarray, g: Geometry) -> np.ndarray:
    """Zero-pad the spatial axes of ``(P, H, W)`` planes (only the cells windows will read)."""
    (top, bottom), (left, right) = g.padding
    if top == bottom == left == right == 0:
        return planes
    return np.pad(planes, ((0, 0), (top, bottom), (left, right)))


def _accumulate(plane: np.ndarray, w: np.ndarray, g: Geometry, out: np.ndarray) -> None:
    """``out += correlate(plane, w)`` for one padded 2-D plane, band by band."""
    (sh, sw), (dh, dw) = g.stride, g.dilation
    h_out, w_out = out.shape
    rows_per_band = max(1, BAND_BYTES // (2 * out.itemsize * w_out))
    scratch = np.empty((min(rows_per_band, h_out), w_out), dtype=out.dtype)
    taps = [(i, j, out.dtype.type(w[i, j])) for i in range(w.shape[0]) for j in range(w.shape[1]) if w[i, j] != 0]
    col_stop = (w_out - 1) * sw + 1
    for r0 in range(0, h_out, rows_per_band):
        r1 = min(h_out, r0 + rows_per_band)
        acc, tmp = out[r0:r1], scratch[: r1 - r0]
        for i, j, weight in taps:
            row = r0 * sh + i * dh
            src = plane[row : row + (r1 - r0 - 1) * sh + 1 : sh, j * dw : j * dw + col_stop : sw]
            np.multiply(src, weight, out=tmp)
            acc += tmp


def _as_2d(x: np.ndarray, w: np.ndarray):
    """View a 1-D problem as a 2-D one with a single row."""
    return x[None, :], w[None, :]


def _geometry(spatial: tuple[int, ...], kshape: tuple[int, ...], stride, padding, dilation) -> Geometry:
    g = geometry(spatial, kshape, stride, padding, dilation)
    if len(spatial) == 1:  # lift to 2-D: one row, no vertical padding
        a = g.axes[0]
        g = geometry((1, a.n), (1, a.k), (1, a.stride), [(0, 0), a.pad], (1, a.dilation))
    return g


def _check_kernel(x: np.ndarray, w: np.ndarray, name: str = "kernel") -> str:
    """Classify the pairing: 'same' rank, 'volume' (kh, kw, C) or 'depthwise' (2-D on H×W×C)."""
    if w.ndim == x.ndim:
        if x.ndim == 3 and w.shape[2] != x.shape[2]:
            raise ParameterError(
                name, f"{name} has {w.shape[2]} channel(s) but the input has {x.shape[2]}:"
                " a volume kernel spans every input channel"
            )
        return "volume" if x.ndim == 3 else "same"
    if x.ndim == 3 and w.ndim == 2:
        return "depthwise"
    raise ParameterError(name, f"{name} has rank {w.ndim} but the input has rank {x.ndim}")


def correlate(
    x: object,
    kernel: object,
    *,
    bias: float = 0.0,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
) -> np.ndarray:
    """Cross-correlate ``x`` with one ``kernel`` (true convolution with ``flip=True``).

    Parameters
    ----------
    x : (n,), (H, W) or (H, W, C)
    kernel : (k,), (kh, kw), (kh, kw, C) for a volume (sums over channels), or (kh, kw) on a
        volume, applied to each channel on its own
    bias : float, added to every output cell

    Returns
    -------
    ndarray : (n',), (H', W'), (H', W') for a volume kernel, (H', W', C) per channel.
    float32 when both inputs are float32, else float64.

    >>> correlate([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 1]])
    array([[ 6.,  8.],
           [12., 14.]])
    """
    x = as_array(x, "input")
    w = as_array(kernel, "kernel")
    kind = _check_kernel(x, w)
    spatial_ndim = 1 if x.ndim == 1 else 2
    if flip:
        w = flip_spatial(w, spatial_ndim)
    g = _geometry(x.shape[:spatial_ndim], w.shape[:spatial_ndim], stride, padding, dilation)
    dtype = _dtype(x, w)
    if x.ndim == 1:
        x2, w2 = _as_2d(x, w)
        out = np.zeros(g.out_shape, dtype=dtype)
        _accumulate(_pad_planes(x2[None].astype(dtype, copy=False), g)[0], w2, g, out)
        return out[0] + dtype(bias) if bias else out[0]
    if x.ndim == 2:
        out = np.zeros(g.out_shape, dtype=dtype)
        _accumulate(_pad_planes(x[None].astype(dtype, copy=False), g)[0], w, g, out)
        return out + dtype(bias) if bias else out
    planes = _pad_planes(np.moveaxis(x, -1, 0).astype(dtype), g)  # (C, Hp, Wp), contiguous per channel
    if kind == "volume":
        out = np.zeros(g.out_shape, dtype=dtype)
        for c, plane in enumerate(planes):
            _accumulate(plane, w[..., c], g, out)
        return out + dtype(bias) if bias else out
    out = np.zeros((planes.shape[0],) + g.out_shape, dtype=dtype)
    for c, plane in enumerate(planes):
        _accumulate(plane, w, g, out[c])
    out = np.moveaxis(out, 0, -1)
    return out + dtype(bias) if bias else np.ascontiguousarray(out)


def correlate_many(
    x: object,
    kernels: object,
    *,
    bias: float | Sequence[float] | None = None,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
) -> np.ndarray:
    """Apply ``N`` kernels: output depth ``N`` (the notes' "depth = no. of filters").

    Parameters
    ----------
    kernels : (N, *kernel_shape), each as for :func:`correlate`
    bias : a number for all, or (N,) one per filter

    Returns
    -------
    ndarray : (*out_spatial, N) — e.g. (H', W', N) for volume kernels

    >>> correlate_many(np.ones((5, 5, 3)), np.ones((2, 3, 3, 3)), bias=[0, 1], stride=2, padding=1).shape
    (3, 3, 2)
    """
    ks = as_array(kernels, "kernels", ranks=(2, 3, 4))
    n = ks.shape[0]
    biases = np.zeros(n) if bias is None else np.atleast_1d(as_array(bias, "bias", ranks=(0, 1)))
    if biases.size == 1:
        biases = np.full(n, biases[0])
    if biases.shape != (n,):
        raise ParameterError("bias", f"bias needs one value per filter: {n} filter(s), got {biases.size}")
    maps = [
        correlate(x, k, bias=float(b), stride=stride, padding=padding, dilation=dilation, flip=flip)
        for k, b in zip(ks, biases, strict=True)
    ]
    return np.stack(maps, axis=-1)
