"""POST /api/pool and /api/trace/pool: max and average pooling."""

from __future__ import annotations

from math import prod
from typing import Any

from fastapi import APIRouter, Request

from ..engine import trace
from ..engine.errors import ParameterError
from ..engine.pool import pool as pool_array
from ..engine.pool import pool_geometry, sequence_as_rows
from .limits import check_cost
from .schemas import ERROR_RESPONSES, PoolRequest, PoolResponse, PoolTraceRequest, checked_array

router = APIRouter(tags=["pooling"])


@router.post("/pool", response_model=PoolResponse, responses=ERROR_RESPONSES, summary="Max or average pooling")
def pool(body: PoolRequest, request: Request) -> dict[str, Any]:
    """Output per axis: ``floor((n + p_before + p_after − d·(size − 1) − 1) / stride) + 1`` (``ceil_mode``:
    rounded up, keeping only windows that start inside the input or its left padding); stride
    defaults to the size. Max ignores padding and reports each winner's input coordinates; average
    counts padded zeros (``count_include_pad``, PyTorch's default) or the input's cells only.
    Padding follows ONNX's rule: each side smaller than the pool's span ``d·(size − 1) + 1`` and every
    window reaching an input cell (the /pool page keeps PyTorch's stricter half-span rule, which it
    teaches). Pooling has no parameters."""
    settings = request.app.state.settings
    x = checked_array(body.input, "input", settings)
    size: Any = body.size
    stride: Any = body.stride
    padding: Any = body.padding
    dilation: Any = body.dilation
    rows = body.spatial_dims == 1 and x.ndim == 2
    if rows:  # an (n, C) sequence: pooled as one row of a (1, n, C) volume
        x = x[None]
        size, stride, padding, dilation = sequence_as_rows(size, stride, padding, dilation)
    elif body.spatial_dims is not None and (body.spatial_dims == 2) != (x.ndim >= 2):
        raise ParameterError("spatial_dims", f"spatial_dims {body.spatial_dims} does not fit an input of rank {x.ndim}")
    nd = 1 if x.ndim == 1 else 2
    g = pool_geometry(x.shape[:nd], size, stride, padding, dilation, body.ceil_mode, padding_rule="onnx")
    channels = x.shape[2] if x.ndim == 3 else 1
    check_cost(g, channels=channels, maps=channels, taps=prod(g.kernel_shape), settings=settings)
    result = pool_array(x, op=body.op, count_include_pad=body.count_include_pad, geometry=g)
    output, argmax = result.output, result.argmax
    if rows:
        output, argmax = output[0], None if argmax is None else argmax[0][..., 1:]
    return {
        "output": output.tolist(),
        "shape": list(output.shape),
        "argmax": None if argmax is None else argmax.tolist(),
        "params": 0,
        "warnings": g.warnings(),
    }


@router.post("/trace/pool", responses=ERROR_RESPONSES, summary="One step of pooling")
def pool_trace(body: PoolTraceRequest, request: Request) -> dict[str, Any]:
    x = checked_array(body.input, "input", request.app.state.settings, ranks=(1, 2))
    if body.spatial_dims is not None and (body.spatial_dims == 2) != (x.ndim == 2):
        raise ParameterError("spatial_dims", f"a pooling trace steps an (n) or (H, W) input; spatial_dims {body.spatial_dims}"
                             f" does not fit an input of rank {x.ndim}")
    g = pool_geometry(x.shape, body.size, body.stride, body.padding, body.dilation, body.ceil_mode, padding_rule="onnx")
    return trace.pool_step(x, step=body.step, op=body.op, count_include_pad=body.count_include_pad, geometry=g).as_dict()
