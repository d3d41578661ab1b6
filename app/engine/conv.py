"""Cross-correlation — what CNN layers compute — for 1-D, 2-D and volume inputs.

``correlate`` slides the kernel and sums products (no flip); ``flip=True`` reverses the
kernel's spatial axes first, which is true convolution (scipy's naming). Inputs are channels
last: ``(n,)``, ``(H, W)`` or ``(H, W, C)``. Each function takes a checked
:class:`~app.engine.geometry.ConvGeometry` as ``geometry=`` (built once by
:func:`~app.engine.geometry.conv_geometry`), or ``stride=``, ``padding=``, ``dilation=`` and
``flip=`` and builds it itself. How the sums are computed fast lives in :mod:`app.engine._fast_conv`.

>>> correlate([1, 2, 3, 4], [1, 1])
array([3., 5., 7.])
>>> correlate([1, 2, 3, 4], [1, 0, -1], flip=True)  # convolution: flip, then slide
array([2., 2.])
>>> g = conv_geometry((4,), (2,), stride=2)
>>> correlate([1, 2, 3, 4], [1, 1], geometry=g)
array([3., 7.])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ._fast_conv import accumulate, depthwise_interleaved, work_dtype
from .arrays import as_array
from .errors import ParameterError
from .geometry import ConvGeometry, conv_geometry, given_or_built, sequence_as_rows
from .shapes import MAX_SIDE, PaddingSpec

__all__ = ["ConvGeometry", "conv_geometry", "correlate", "correlate_many"]


def _correlate(x: np.ndarray, w: np.ndarray, g: ConvGeometry, bias: float) -> np.ndarray:
    """The correlation of checked arrays (``w`` not yet flipped) on their checked geometry."""
    w = g.applied(w)
    dtype = work_dtype(x, w)
    w = w.astype(dtype, copy=False)
    if g.kind == "depthwise" and g.stride[1] == 1 and x.flags.c_contiguous and x.shape[1] * x.shape[2] <= MAX_SIDE:
        out = depthwise_interleaved(x, w, g, dtype)
    elif g.kind == "depthwise":
        out = np.empty(g.result_shape, dtype=dtype)
        for c in range(x.shape[2]):  # each channel's bands are written straight into its strided slice
            accumulate(x[..., c], w, g, out[..., c], add=False)
    elif g.kind == "volume":
        out = np.empty(g.out_shape, dtype=dtype)
        for c in range(x.shape[2]):
            accumulate(x[..., c], w[..., c], g, out, add=c > 0)
    else:  # a 1-D problem runs as a 2-D one with a single row
        plane = g.plane
        out = np.empty(plane.out_shape, dtype=dtype)
        accumulate(x.reshape(plane.in_shape), w.reshape(plane.kernel_shape), plane, out, add=False)
        out = out.reshape(g.out_shape)
    return out + dtype(bias) if bias else out


def correlate(
    x: object,
    kernel: object,
    *,
    bias: float = 0.0,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    geometry: ConvGeometry | None = None,
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
    g = given_or_built(geometry, x.shape, w.shape, stride, padding, dilation, flip)
    if g.groups != 1:
        raise ParameterError("groups", f"groups {g.groups} splits the channels among several kernels: use correlate_many")
    return _correlate(x, w, g, bias)


def correlate_many(
    x: object,
    kernels: object,
    *,
    bias: float | Sequence[float] | None = None,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    groups: int = 1,
    spatial_dims: int | None = None,
    geometry: ConvGeometry | None = None,
) -> np.ndarray:
    """Apply ``N`` kernels: output depth ``N`` (the notes' "depth = no. of filters").

    Parameters
    ----------
    kernels : (N, *kernel_shape), each as for :func:`correlate`; ``geometry`` is built for one of them
    bias : a number for all, or (N,) one per filter
    groups : split the C input channels into ``groups`` groups: each kernel is (kh, kw, C/groups)
        and kernel ``n`` sees group ``n // (N / groups)`` only (PyTorch, ONNX); ``groups`` must divide
        C and N. Depthwise convolution is ``groups = C``.
    spatial_dims : 1 reads an (n, C) input as a sequence of n cells with C channels (kernels (k, C/groups):
        the text CNN's embeddings, ONNX's Conv1d); the default is 1 for an (n,) input and 2 otherwise.

    Returns
    -------
    ndarray : (*out_spatial, N) — e.g. (H', W', N) for volume kernels

    >>> correlate_many(np.ones((5, 5, 3)), np.ones((2, 3, 3, 3)), bias=[0, 1], stride=2, padding=1).shape
    (3, 3, 2)
    >>> correlate_many(np.ones((4, 4, 6)), np.ones((3, 3, 3, 2)), groups=3)[0, 0].tolist()  # 18 = 3·3·2 ones
    [18.0, 18.0, 18.0]
    """
    x = as_array(x, "input")
    ks = as_array(kernels, "kernels", ranks=(2, 3, 4))
    if spatial_dims not in (None, 1, 2):
        raise ParameterError("spatial_dims", f"spatial_dims must be 1 or 2, got {spatial_dims!r}")
    if spatial_dims == 1 and x.ndim != 1:  # (n, C) with kernels (k, C/g): one row of a 2-D problem
        if x.ndim != 2 or ks.ndim != 3:
            raise ParameterError("spatial_dims", f"spatial_dims 1 takes an (n, C) input and kernels (N, k, C/groups);"
                                 f" got an input of rank {x.ndim} and kernels of rank {ks.ndim}")
        if geometry is not None:
            raise TypeError("spatial_dims=1 builds its own geometry: pass stride/padding/dilation")
        rows = sequence_as_rows(ks.shape[1], stride, padding, dilation)
        out = correlate_many(x[None], ks[:, None], bias=bias, stride=rows[0], padding=rows[1], dilation=rows[2],
                             flip=flip, groups=groups)
        sequence: np.ndarray = out[0]
        return sequence
    if spatial_dims == 2 and x.ndim == 1:
        raise ParameterError("spatial_dims", "spatial_dims 2 needs an (H, W) or (H, W, C) input; this input is a flat list")
    g = given_or_built(geometry, x.shape, ks.shape[1:], stride, padding, dilation, flip, name="kernels", groups=groups)
    n = ks.shape[0]
    if n % g.groups:
        raise ParameterError("groups", f"groups {g.groups} must divide the number of kernels, {n}")
    biases = np.zeros(n) if bias is None else np.atleast_1d(as_array(bias, "bias", ranks=(0, 1)))
    if biases.size == 1:
        biases = np.full(n, biases[0])
    if biases.shape != (n,):
        raise ParameterError("bias", f"bias needs one value per filter: {n} filter(s), got {biases.size}")
    if g.groups == 1:
        maps = [_correlate(x, k, g, float(b)) for k, b in zip(ks, biases, strict=True)]
    else:  # kernel i sees the channels of its group only: a volume correlation of that slice
        cg, per_group = g.x_shape[2] // g.groups, n // g.groups
        part = replace(g, x_shape=g.x_shape[:2] + (cg,), groups=1)
        maps = [_correlate(x[..., i // per_group * cg : (i // per_group + 1) * cg], k, part, float(b))
                for i, (k, b) in enumerate(zip(ks, biases, strict=True))]
    return np.stack(maps, axis=-1)
