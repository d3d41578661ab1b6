"""The stepper's pictures: the whole output, one input channel, and W's band structure.

Each is computed and PNG-encoded once per distinct state (a small per-process LRU keyed by the
canonical query, minus what does not change the picture) and served with immutable cache headers
(app/responses.py): image ids are content hashes and samples are versioned with the app, so a URL
always means the same picture. Stepping never re-encodes anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..engine.conv import correlate
from ..engine.gradient import sobel_gradient
from ..engine.matrix import band_overview
from ..imaging import render_png
from ..lru import BytesLRU
from ..responses import not_modified, png_response
from ..sources import load_image
from ..state.conv2d import Conv2dState
from ..state.fields import parse_choice
from .conv2d import Conv2dView, build

router = APIRouter()
_cache = BytesLRU(max_bytes=16 * 1024 * 1024)  # per worker: dozens of PNGs of 512² outputs, or a few of 1024²


GRADIENT_PARTS = {"x": ("signed", 0), "y": ("signed", 1), "magnitude": ("stretch", 2)}  # how each is drawn


def _state(request: Request, **changes: object) -> Conv2dState:
    query = {k: v for k, v in request.query_params.items() if k not in changes}
    state = Conv2dState.parse(query, request.app.state.settings)
    return dataclasses.replace(state, step=0, projector=False, orig=None)


def _cached_png(request: Request, kind: str, state: Conv2dState, make: Callable[[], bytes]) -> Response:
    key = hashlib.sha256(f"{kind}?{state.query_string}".encode()).hexdigest()[:32]
    early = not_modified(request, key)
    if early is not None:
        return early
    data = _cache.get(key)
    if data is None:
        data = make()
        _cache.put(key, data)
    return png_response(request, data, key)


def _output(view: Conv2dView, x: np.ndarray) -> np.ndarray:
    if x is view.x:
        return correlate(x, view.kernel, bias=view.bias, geometry=view.g)
    g = view.g  # all channels: the same spatial geometry on another input shape
    return correlate(x, view.kernel, bias=view.bias, stride=g.stride, padding=g.padding, dilation=g.dilation, flip=g.flip)


@router.get("/conv2d/output.png")
def output_png(request: Request) -> Response:
    """The whole output under the named display mapping (``channel=all``: the RGB result)."""
    settings = request.app.state.settings
    if request.query_params.get("channel") == "all":
        state = _state(request, channel="all")

        def make_all() -> bytes:
            pixels = load_image(state.image, settings).astype(np.float64)
            return render_png(_output(build(state, settings), pixels), "clip")

        return _cached_png(request, "output-all", state, make_all)
    state = _state(request)

    def make() -> bytes:
        view = build(state, settings)
        return render_png(_output(view, view.x), view.mapping)

    return _cached_png(request, "output", state, make)


@router.get("/conv2d/input.png")
def input_png(request: Request) -> Response:
    """The channel (or crop) being stepped, as the grey picture the stepper reads."""
    state = _state(request)
    return _cached_png(request, "input", state, lambda: render_png(build(state, request.app.state.settings).x, "clip"))


@router.get("/conv2d/band.png")
def band_png(request: Request) -> Response:
    """Where W is nonzero, drawn small: its doubly-block Toeplitz band, without building W."""
    state = _state(request)

    def make() -> bytes:
        view = build(state, request.app.state.settings)
        g = view.g
        kernel = view.kernel[::-1, ::-1] if g.flip else view.kernel  # as applied
        picture = band_overview(g.in_shape, kernel, stride=g.stride, padding=g.padding, dilation=g.dilation, max_side=96)
        return render_png(np.where(picture, 40, 250), "clip")

    return _cached_png(request, "band", state, make)


@router.get("/conv2d/gradient.png")
def gradient_png(request: Request) -> Response:
    """Sobel x + y on the picture being stepped (its channel, crop, stride, padding and dilation):
    ``part=x`` and ``part=y`` in signed colours, ``part=magnitude`` (sqrt(gx² + gy²), never negative)
    stretched from black to white."""
    part = parse_choice(request.query_params.get("part"), "part", GRADIENT_PARTS, "magnitude")
    state = _state(request, part=part)
    mapping, index = GRADIENT_PARTS[part]

    def make() -> bytes:
        view = build(state, request.app.state.settings)
        g = view.g
        return render_png(sobel_gradient(view.x, stride=g.stride, padding=g.padding, dilation=g.dilation)[index], mapping)

    return _cached_png(request, f"gradient-{part}", state, make)
