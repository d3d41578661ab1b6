"""POST /api/matrix: the convolution weight matrix W, with W·x = correlate(x, kernel)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry
from ..engine.matrix import weight_matrix
from ..problems import Problem
from .schemas import ERROR_RESPONSES, MatrixRequest, MatrixResponse, checked_kernel

router = APIRouter(tags=["weight matrix"])


@router.post("/matrix", response_model=MatrixResponse, responses=ERROR_RESPONSES, summary="The convolution weight matrix")
def matrix(body: MatrixRequest, request: Request) -> dict[str, Any]:
    """One row per output cell (row-major), one column per *unpadded* input cell, so that
    ``W @ x.ravel() == correlate(x, kernel).ravel()``. Dense matrices larger than
    ``CONVSTEP_MAX_MATRIX_CELLS`` are refused with 413: ask for a slice with ``row_start`` and
    ``row_stop``. ``transpose`` returns Wᵀ of those rows (one row per input cell)."""
    settings = request.app.state.settings
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
