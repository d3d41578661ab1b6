"""POST /api/conv_transpose: the forward layer turned over, ``Wᵀ·y`` (see app/engine/transpose.py)."""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from ..engine.errors import ParameterError
from ..engine.geometry import sequence_as_rows
from ..engine.shapes import as_tuple
from ..engine.transpose import conv_transpose_many, conv_transpose_shape
from ..problems import Problem
from .schemas import ERROR_RESPONSES, ConvResponse, TransposeRequest, checked_array, checked_kernel, finite_output

router = APIRouter(tags=["convolution"])


@router.post("/conv_transpose", response_model=ConvResponse, responses=ERROR_RESPONSES,
             summary="Transposed convolution: the forward layer's weight matrix turned over, Wᵀ·input")
def conv_transpose(body: TransposeRequest, request: Request) -> dict[str, Any]:
    """Kernel layout: the same as the forward ``/api/conv`` of the layer being turned over, so
    ``⟨conv(x), y⟩ = ⟨x, conv_transpose(y)⟩``. Output size per axis
    ``(n' − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1``; ``output_padding`` must be
    smaller than the stride or the dilation."""
    settings = request.app.state.settings
    y = checked_array(body.input, "input", settings)
    if (body.kernel is None) == (body.kernels is None):
        raise ParameterError("kernel", "give exactly one of kernel and kernels")
    if body.kernel is not None:
        one = checked_kernel(body.kernel, "kernel", settings)
        if one.ndim != y.ndim or y.ndim == 3:
            raise ParameterError("kernel", f"one kernel turns (n') or (H', W') over: the kernel has rank {one.ndim},"
                                 f" the input rank {y.ndim} (use kernels for channels)")
        ks, y = one[None], y[..., None]
    else:
        if not body.kernels or len(body.kernels) > settings.max_kernels:
            raise ParameterError("kernels", f"kernels must hold 1 to {settings.max_kernels} kernels (CONVSTEP_MAX_KERNELS)")
        stack = [checked_kernel(k, "kernels", settings) for k in body.kernels]
        if len({k.shape for k in stack}) != 1:
            raise ParameterError("kernels", "all kernels must have the same shape")
        ks = np.stack(stack)
    geo: dict[str, Any] = {"stride": body.stride, "padding": body.padding, "dilation": body.dilation,
                           "output_padding": body.output_padding, "groups": body.groups}
    rows = body.spatial_dims == 1 and ks.ndim == 3
    if rows:  # kernels (N, k, C/g) over an (n, C) sequence: one row of a 2-D layer
        if y.ndim != 2:
            raise ParameterError("spatial_dims", f"spatial_dims 1 turns an (n', N) input over; this input has rank {y.ndim}")
        (extra,) = as_tuple(body.output_padding, 1, "output_padding", minimum=0)
        s, p, d = sequence_as_rows(ks.shape[1], body.stride, body.padding, body.dilation)
        y, ks = y[None], ks[:, None]
        geo.update(stride=s, padding=p, dilation=d, output_padding=(0, extra))
    shape = conv_transpose_shape(y.shape, ks.shape, **geo)  # checked before anything is allocated
    cells, work = prod(shape), y.size * prod(ks.shape[1:])
    if cells > settings.max_array_cells:
        raise Problem(413, f"the output would be {'×'.join(map(str, shape))} = {cells} cells; the limit is"
                      f" {settings.max_array_cells} (CONVSTEP_MAX_ARRAY_CELLS)", "stride")
    if work > settings.max_work:
        raise Problem(413, f"this needs {work} multiply-adds; the limit is {settings.max_work} (CONVSTEP_MAX_WORK)", "kernels")
    with np.errstate(over="ignore", invalid="ignore"):
        out = finite_output(conv_transpose_many(y, ks, bias=body.bias, **geo))
    if rows:
        out = out[0]
    return {"output": out.tolist(), "shape": list(out.shape), "warnings": []}
