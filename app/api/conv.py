"""POST /api/conv and /api/trace: correlation (or convolution) of an array or an uploaded image."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..engine import trace
from ..engine.conv import correlate, correlate_many
from ..engine.errors import ParameterError
from ..engine.geometry import ConvGeometry, conv_geometry, sequence_as_rows
from ..imaging import MAPPINGS, render_png
from ..settings import Settings
from ..sources import load_image
from .limits import check_cost
from .schemas import (
    IMAGE_RESPONSES,
    ConvRequest,
    ConvResponse,
    TraceRequest,
    checked_array,
    checked_kernel,
    finite_output,
)

router = APIRouter(tags=["convolution"])


def _input(body: ConvRequest, settings: Settings) -> np.ndarray:
    if (body.input is None) == (body.image_id is None):
        raise ParameterError("input", "give exactly one of input (an array) and image_id")
    if body.image_id is not None:
        return load_image(body.image_id, settings, "image_id").astype(np.float64)
    return checked_array(body.input, "input", settings)


Geo = tuple[Any, Any, Any]  # stride, padding, dilation as the engine takes them


def _as_laid_out(x: np.ndarray, ks: list[np.ndarray], body: ConvRequest) -> tuple[np.ndarray, list[np.ndarray], Geo, bool]:
    """``spatial_dims`` 1: an (n, C) sequence with kernels (k, C/g) runs as one row of a 2-D problem."""
    if body.spatial_dims == 2 and x.ndim == 1:
        raise ParameterError("spatial_dims", "spatial_dims 2 needs an (H, W) or (H, W, C) input; this input is a flat list")
    if body.spatial_dims != 1 or x.ndim == 1:
        return x, ks, (body.stride, body.padding, body.dilation), False
    if x.ndim != 2 or ks[0].ndim != 2:
        raise ParameterError("spatial_dims", f"spatial_dims 1 takes an (n, C) input and kernels (k, C/groups); got an"
                             f" input of rank {x.ndim} and kernels of rank {ks[0].ndim}")
    return x[None], [k[None] for k in ks], sequence_as_rows(ks[0].shape[0], body.stride, body.padding, body.dilation), True


def _checked_geometry(x: np.ndarray, ks: list[np.ndarray], body: ConvRequest, geo: Geo, settings: Settings) -> ConvGeometry:
    """Validate the geometry once and refuse what would cost too much, before the engine allocates."""
    g = conv_geometry(x.shape, ks[0].shape, stride=geo[0], padding=geo[1], dilation=geo[2],
                      flip=body.flip, groups=body.groups,
                      name="kernel" if len(ks) == 1 and body.kernel is not None else "kernels")
    maps = len(ks) * (g.channels if g.kind == "depthwise" else 1)  # a 2-D kernel runs on each channel on its own
    check_cost(g, channels=g.channels, maps=maps, taps=g.taps, settings=settings)
    return g


def _one_group(body: ConvRequest) -> None:
    if body.groups != 1:
        raise ParameterError(
            "groups", f"groups {body.groups} splits the channels among several kernels: give `kernels`"
            f" (a number of them divisible by {body.groups}), not one `kernel`"
        )


def compute(body: ConvRequest, settings: Settings) -> tuple[np.ndarray, list[str]]:
    """Validate the request and run the engine; shared by JSON and PNG answers."""
    x = _input(body, settings)
    if (body.kernel is None) == (body.kernels is None):
        raise ParameterError("kernel", "give exactly one of kernel and kernels")
    if body.kernel is not None:
        _one_group(body)
        k = checked_kernel(body.kernel, "kernel", settings)
        if isinstance(body.bias, list):
            raise ParameterError("bias", "with one kernel, bias must be a single number")
        x, (k,), geo, rows = _as_laid_out(x, [k], body)
        g = _checked_geometry(x, [k], body, geo, settings)
        out = correlate(x, k, bias=body.bias or 0.0, geometry=g)
        return finite_output(out[0] if rows else out), g.warnings()
    if not body.kernels:
        raise ParameterError("kernels", "kernels must hold at least one kernel")
    if len(body.kernels) > settings.max_kernels:
        raise ParameterError(
            "kernels", f"{len(body.kernels)} kernels given; the limit is {settings.max_kernels}"
            " (CONVSTEP_MAX_KERNELS)"
        )
    ks = [checked_kernel(k, "kernels", settings) for k in body.kernels]
    if len({k.shape for k in ks}) != 1:
        raise ParameterError("kernels", "all kernels must have the same shape")
    x, ks, geo, rows = _as_laid_out(x, ks, body)
    g = _checked_geometry(x, ks, body, geo, settings)
    out = correlate_many(x, np.stack(ks), bias=body.bias, geometry=g)
    return finite_output(out[0] if rows else out), g.warnings()


def compute_quietly(body: ConvRequest, settings: Settings) -> tuple[np.ndarray, list[str]]:
    # overflow is reported to the caller by finite_output, not as a RuntimeWarning in the log
    with np.errstate(over="ignore", invalid="ignore"):
        return compute(body, settings)


@router.post(
    "/conv",
    response_model=ConvResponse,
    responses={**IMAGE_RESPONSES, 200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                                        "description": "JSON, or PNG with ?format=png"}},
    summary="Cross-correlate (or convolve) an input with one or N kernels",
)
def conv(
    body: ConvRequest,
    request: Request,
    format: str = Query("json", pattern="^(json|png)$", description="json or png"),  # noqa: A002
    mapping: str = Query("stretch", pattern="^(clip|stretch|signed)$", description=f"PNG display mapping: {', '.join(MAPPINGS)}"),
) -> Response | dict[str, Any]:
    """Output shape per axis: ``floor((n + p_before + p_after − d·(k − 1) − 1) / s) + 1``.

    A volume input (H, W, C) with a volume kernel (kh, kw, C) gives (H', W'); a 2-D kernel on a
    volume is applied to each channel (H', W', C); ``kernels`` (N of them) give depth N.
    ``warnings`` says when the stride does not tile the padded input exactly.
    """
    settings = request.app.state.settings
    out, warnings = compute_quietly(body, settings)
    wants_png = format == "png" or "image/png" in request.headers.get("accept", "")
    if wants_png:
        if out.ndim == 1 or (out.ndim == 3 and out.shape[2] not in (1, 3)):
            raise ParameterError("format", f"a PNG needs a 2-D output or 3 channels; this output is {out.shape}")
        return Response(render_png(out, mapping), media_type="image/png", headers={"X-Display-Mapping": mapping})
    return {"output": out.tolist(), "shape": list(out.shape), "warnings": warnings}


@router.post("/trace", responses=IMAGE_RESPONSES, summary="One step of a correlation, every number shown")
def conv_trace(body: TraceRequest, request: Request) -> dict[str, Any]:
    """The window, kernel, products, (per-channel sums,) sum, bias and result of step ``step``,
    plus that output cell's row of the weight matrix W (columns and values)."""
    settings = request.app.state.settings
    x = _input(body, settings)
    if body.kernel is None or body.kernels is not None:
        raise ParameterError("kernel", "a trace needs exactly one kernel")
    _one_group(body)
    k = checked_kernel(body.kernel, "kernel", settings)
    if isinstance(body.bias, list):
        raise ParameterError("bias", "with one kernel, bias must be a single number")
    step = trace.conv_step(
        x, k, body.step, bias=body.bias or 0.0, stride=body.stride, padding=body.padding,
        dilation=body.dilation, flip=body.flip,
    )
    return step.as_dict()
