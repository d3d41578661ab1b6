"""POST /api/matrix: the convolution weight matrix W, with W·x = correlate(x, kernel)."""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry, sequence_as_rows
from ..engine.matrix import weight_matrix, weight_matrix_many
from ..problems import Problem
from ..settings import Settings
from .schemas import ERROR_RESPONSES, MatrixRequest, MatrixResponse, checked_kernel

router = APIRouter(tags=["weight matrix"])


@router.post("/matrix", response_model=MatrixResponse, responses=ERROR_RESPONSES, summary="The convolution weight matrix")
def matrix(body: MatrixRequest, request: Request) -> dict[str, Any]:
    """One row per output cell (row-major), one column per *unpadded* input cell, so that
    ``W @ x.ravel() == correlate(x, kernel).ravel()``. Dense matrices larger than
    ``CONVSTEP_MAX_MATRIX_CELLS`` are refused with 413: ask for a slice with ``row_start`` and
    ``row_stop``. ``transpose`` returns Wᵀ of those rows (one row per input cell). ``spatial_dims`` 1
    reads ``input_shape`` [n, C] as a sequence of n cells with C channels and the kernels as (k, C/groups),
    as /api/conv does: rows run over (n', N), columns over (n, C)."""
    settings = request.app.state.settings
    if (body.kernel is None) == (body.kernels is None):
        raise ParameterError("kernel", "give exactly one of kernel and kernels")
    if body.spatial_dims == 2 and len(body.input_shape) == 1:
        raise ParameterError("spatial_dims", "spatial_dims 2 needs an input_shape [H, W] or [H, W, C]; this one is [n]")
    if body.spatial_dims == 1 and len(body.input_shape) > 1:
        return _sequence_matrix(body, settings)
    if body.kernels is not None:
        return _layer_matrix(body, settings)
    if body.groups != 1:
        raise ParameterError("groups", f"groups {body.groups} splits the channels among several kernels: give `kernels`")
    k = checked_kernel(body.kernel, "kernel", settings)
    if k.ndim != len(body.input_shape):
        raise ParameterError("kernel", f"kernel has rank {k.ndim} but input_shape has {len(body.input_shape)} axes")
    g = conv_geometry(body.input_shape, k.shape, stride=body.stride, padding=body.padding, dilation=body.dilation,
                      flip=body.flip)
    start = body.row_start or 0
    stop = g.steps if body.row_stop is None else min(body.row_stop, g.steps)
    if start >= stop:
        raise ParameterError("row_start", f"row_start must be below row_stop and below {g.steps} (W has {g.steps} rows)")
    cells = (stop - start) * g.axes[0].n * (g.axes[1].n if len(g.axes) > 1 else 1)
    if cells > settings.max_matrix_cells:
        raise Problem(
            413, f"the dense matrix would have {cells} cells; the limit is {settings.max_matrix_cells}"
            " (CONVSTEP_MAX_MATRIX_CELLS): ask for fewer rows with row_start and row_stop", "input_shape",
        )
    W = weight_matrix(g.in_shape, k, geometry=g, rows=range(start, stop), max_cells=settings.max_matrix_cells)
    if body.transpose:  # Wᵀ: what /api/conv_transpose multiplies by
        W = W.T
    return {"matrix": W.tolist(), "shape": list(W.shape), "rows": [start, stop], "output_shape": list(g.out_shape)}


def _kernel_stack(body: MatrixRequest, settings: Settings, rank: int, layout: str) -> np.ndarray:
    """The layer's kernels (N, *kernel) after the count and shape checks."""
    assert body.kernels is not None
    if not body.kernels or len(body.kernels) > settings.max_kernels:
        raise ParameterError("kernels", f"kernels must hold 1 to {settings.max_kernels} kernels (CONVSTEP_MAX_KERNELS)")
    stack = [checked_kernel(k, "kernels", settings) for k in body.kernels]
    if len({k.shape for k in stack}) != 1 or stack[0].ndim != rank:
        raise ParameterError("kernels", f"kernels must all have one shape {layout}")
    return np.stack(stack)


def _sequence_matrix(body: MatrixRequest, settings: Settings) -> dict[str, Any]:
    """``spatial_dims`` 1: W of an (n, C) sequence, built as one row of the 2-D layer (1, n, C)."""
    if len(body.input_shape) != 2:
        raise ParameterError("spatial_dims", f"spatial_dims 1 takes an input_shape [n] or [n, C]; got"
                             f" {len(body.input_shape)} axes")
    if body.kernel is not None:
        if body.groups != 1:
            raise ParameterError("groups", f"groups {body.groups} splits the channels among several kernels: give `kernels`")
        one = checked_kernel(body.kernel, "kernel", settings)
        if one.ndim != 2:
            raise ParameterError("kernel", f"with spatial_dims 1 the kernel is (k, C); this one has rank {one.ndim}")
        ks, name = one[None], "kernel"
    else:
        ks, name = _kernel_stack(body, settings, 2, "(k, C/groups)"), "kernels"
    stride, padding, dilation = sequence_as_rows(ks.shape[1], body.stride, body.padding, body.dilation)
    g = conv_geometry((1, *body.input_shape), (1, *ks.shape[1:]), stride=stride, padding=padding, dilation=dilation,
                      flip=body.flip, groups=body.groups, name=name)
    out = [g.out_shape[1]] + ([len(ks)] if body.kernels is not None else [])
    return _dense(body, settings, g.steps * len(ks), prod(body.input_shape), out,
                  lambda: weight_matrix_many((1, *body.input_shape), ks[:, None], stride=stride, padding=padding,
                                             dilation=dilation, groups=body.groups, flip=body.flip,
                                             max_cells=settings.max_matrix_cells))


def _layer_matrix(body: MatrixRequest, settings: Settings) -> dict[str, Any]:
    """W of a layer of N volume kernels (with groups) on an (H, W, C) input."""
    if len(body.input_shape) != 3:
        raise ParameterError("input_shape", f"kernels need an input_shape [H, W, C] (or [n, C] with spatial_dims 1);"
                             f" got {len(body.input_shape)} axes")
    ks = _kernel_stack(body, settings, 3, "(kh, kw, C/groups)")
    g = conv_geometry(body.input_shape, ks.shape[1:], stride=body.stride, padding=body.padding, dilation=body.dilation,
                      flip=body.flip, groups=body.groups, name="kernels")
    return _dense(body, settings, g.steps * len(ks), prod(body.input_shape), [*g.out_shape, len(ks)],
                  lambda: weight_matrix_many(body.input_shape, ks, stride=body.stride, padding=body.padding,
                                             dilation=body.dilation, groups=body.groups, flip=body.flip,
                                             max_cells=settings.max_matrix_cells))


def _dense(body: MatrixRequest, settings: Settings, n_rows: int, n_cols: int, output_shape: list[int],
           build: Callable[[], np.ndarray]) -> dict[str, Any]:
    """A layer's whole W, within CONVSTEP_MAX_MATRIX_CELLS, then the rows asked for (Wᵀ of them with ``transpose``)."""
    start = body.row_start or 0
    stop = n_rows if body.row_stop is None else min(body.row_stop, n_rows)
    if start >= stop:
        raise ParameterError("row_start", f"row_start must be below row_stop and below {n_rows} (W has {n_rows} rows)")
    cells = n_rows * n_cols
    if cells > settings.max_matrix_cells:
        raise Problem(413, f"the layer's dense matrix would have {cells} cells; the limit is {settings.max_matrix_cells}"
                      " (CONVSTEP_MAX_MATRIX_CELLS): use a smaller input", "input_shape")
    W = build()[start:stop]
    if body.transpose:
        W = W.T
    return {"matrix": W.tolist(), "shape": list(W.shape), "rows": [start, stop], "output_shape": output_shape}
