"""The stepper's pictures: the whole output, one input channel, and W's band structure.

Each is computed and PNG-encoded once per distinct query (a small per-process LRU) and served
with immutable cache headers: image ids are content hashes and samples are versioned with the
app, so a URL always means the same picture. Stepping never re-encodes anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.matrix import band_overview
from ..imaging import render_png
from ..lru import BytesLRU
from ..problems import Problem
from ..sources import load_image
from .conv2d import build, read_state

router = APIRouter()
IMMUTABLE = "public, max-age=31536000, immutable"
_cache = BytesLRU(max_bytes=16 * 1024 * 1024)  # per worker: dozens of PNGs of 512² outputs, or a few of 1024²


def _cached_png(request: Request, kind: str, make: Callable[[], bytes]) -> Response:
    key = hashlib.sha256(f"{kind}?{sorted(request.query_params.multi_items())}".encode()).hexdigest()[:32]
    etag = f'"{key}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": IMMUTABLE})
    data = _cache.get(key)
    if data is None:
        try:
            data = make()
        except (ParameterError, Problem) as exc:
            status = getattr(exc, "status_code", 422)
            return Response(str(exc), status_code=status, media_type="text/plain")
        _cache.put(key, data)
    return Response(data, media_type="image/png", headers={"ETag": etag, "Cache-Control": IMMUTABLE})


@router.get("/conv2d/output.png")
def output_png(request: Request) -> Response:
    """The whole output under the named display mapping (``channel=all``: the RGB result)."""

    def make() -> bytes:
        state = read_state(request)
        settings = request.app.state.settings
        if state.get("channel") == "all":
            pixels = load_image(state.get("image", ""), settings).astype(np.float64)
            view = build({**state, "channel": "0"}, settings)
            g = view.g
            out = correlate(pixels, view.kernel, bias=view.bias, stride=g.stride, padding=g.padding, dilation=g.dilation)
            return render_png(out, "clip")
        view = build(state, settings)
        g = view.g
        out = correlate(view.x, view.kernel, bias=view.bias, stride=g.stride, padding=g.padding, dilation=g.dilation)
        return render_png(out, view.mapping)

    return _cached_png(request, "output", make)


@router.get("/conv2d/input.png")
def input_png(request: Request) -> Response:
    """The channel (or crop) being stepped, as the grey picture the stepper reads."""
    return _cached_png(request, "input", lambda: render_png(build(read_state(request), request.app.state.settings).x, "clip"))


@router.get("/conv2d/band.png")
def band_png(request: Request) -> Response:
    """Where W is nonzero, drawn small: its doubly-block Toeplitz band, without building W."""

    def make() -> bytes:
        view = build(read_state(request), request.app.state.settings)
        g = view.g
        picture = band_overview(g.in_shape, view.kernel, stride=g.stride, padding=g.padding, dilation=g.dilation, max_side=96)
        return render_png(np.where(picture, 40, 250), "clip")

    return _cached_png(request, "band", make)
