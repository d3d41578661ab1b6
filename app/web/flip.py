"""/flip — convolution vs cross-correlation on the same input, side by side."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from ..engine.conv import correlate
from ..engine.trace import conv_step
from .page_cache import cached_page
from .params import Links, parse_int, parse_vector
from .render import respond

router = APIRouter()
KEYS = ("input", "kernel", "at")
DEFAULTS = {"input": "0,0,1,2,3,0,0,0", "kernel": "1,2,3"}


def build(state: dict[str, str]) -> dict:
    x = np.array(parse_vector(state.get("input") or DEFAULTS["input"], "input", 24))
    k = np.array(parse_vector(state.get("kernel") or DEFAULTS["kernel"], "kernel", 7))
    corr = correlate(x, k)
    conv = correlate(x, k, flip=True)
    at = parse_int(state.get("at"), "at", int(np.argmax(np.abs(corr - conv))) if len(corr) else 0, 0, len(corr) - 1)
    steps = {name: conv_step(x, k, at, flip=flip) for name, flip in (("corr", False), ("conv", True))}
    here = Links("/flip", state)
    return {
        "state": state, "x": x.tolist(), "k": k.tolist(), "flipped": k[::-1].tolist(), "corr": corr.tolist(),
        "conv": conv.tolist(), "at": at, "steps": steps, "symmetric": bool(np.array_equal(k, k[::-1])),
        "differs": [bool(a != b) for a, b in zip(corr, conv, strict=True)], "link": here,
    }


@router.get("/flip")
@cached_page
def flip_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    return respond(request, "pages/flip.html", "partials/lecture_flip.html", lambda: build(state), {"state": state})
