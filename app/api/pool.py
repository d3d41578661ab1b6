"""POST /api/pool and /api/trace/pool: max and average pooling."""

from __future__ import annotations

from math import prod
from typing import Any

from fastapi import APIRouter, Request

from ..engine import trace
from ..engine.pool import pool as pool_array
from ..engine.pool import pool_geometry
from .limits import check_cost
from .schemas import ERROR_RESPONSES, PoolRequest, PoolResponse, PoolTraceRequest, checked_array

router = APIRouter(tags=["pooling"])


@router.post("/pool", response_model=PoolResponse, responses=ERROR_RESPONSES, summary="Max or average pooling")
def pool(body: PoolRequest, request: Request) -> dict[str, Any]:
    """Output per axis: ``floor((n + 2p − size) / stride) + 1``; stride defaults to the size.
    Max ignores padding and reports each winner's input coordinates; average counts padded
    zeros. Pooling has no parameters."""
    settings = request.app.state.settings
    x = checked_array(body.input, "input", settings)
    nd = 1 if x.ndim == 1 else 2
    g = pool_geometry(x.shape[:nd], body.size, body.stride, body.padding)
    channels = x.shape[2] if x.ndim == 3 else 1
    check_cost(g, channels=channels, maps=channels, taps=prod(g.kernel_shape), settings=settings)
    result = pool_array(x, op=body.op, geometry=g)
    return {
        "output": result.output.tolist(),
        "shape": list(result.output.shape),
        "argmax": None if result.argmax is None else result.argmax.tolist(),
        "params": 0,
        "warnings": g.warnings(),
    }


@router.post("/trace/pool", responses=ERROR_RESPONSES, summary="One step of pooling")
def pool_trace(body: PoolTraceRequest, request: Request) -> dict[str, Any]:
    x = checked_array(body.input, "input", request.app.state.settings, ranks=(1, 2))
    return trace.pool_step(x, body.size, body.step, stride=body.stride, padding=body.padding, op=body.op).as_dict()
