"""/flip — convolution vs cross-correlation on the same input, side by side (twin: /flip.json)."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry
from ..engine.trace import conv_step
from ..settings import Settings
from ..state.flip import FlipState
from .page import Page, add_page
from .step_json import conv_step_data, json_numbers

router = APIRouter()


def build(state: FlipState, settings: Settings) -> dict[str, Any]:
    x, k = np.array(state.input), np.array(state.kernel)
    geometries = {name: conv_geometry(x.shape, k.shape, flip=flip) for name, flip in (("corr", False), ("conv", True))}
    corr = correlate(x, k, geometry=geometries["corr"])
    conv = correlate(x, k, geometry=geometries["conv"])
    if state.at is None:
        at = int(np.argmax(np.abs(corr - conv))) if len(corr) else 0
    elif state.at > len(corr) - 1:
        raise ParameterError("at", f"at must be between 0 and {len(corr) - 1} (the output's last position), got {state.at}")
    else:
        at = state.at
    steps = {name: conv_step(x, k, at, geometry=g) for name, g in geometries.items()}
    return {
        "x": x.tolist(), "k": k.tolist(), "flipped": k[::-1].tolist(), "corr": corr.tolist(),
        "conv": conv.tolist(), "at": at, "steps": steps, "symmetric": bool(np.array_equal(k, k[::-1])),
        "differs": [bool(a != b) for a, b in zip(corr, conv, strict=True)], "limits": FlipState.limits(settings),
    }


def data(state: FlipState, view: dict[str, Any]) -> dict[str, Any]:
    return {"at": view["at"], "correlation": json_numbers(np.array(view["corr"])),
            "convolution": json_numbers(np.array(view["conv"])), "flipped_kernel": json_numbers(np.array(view["flipped"])),
            "symmetric": view["symmetric"], "differs": view["differs"],
            "trace": {name: conv_step_data(s) for name, s in view["steps"].items()}}


PAGE = Page(FlipState, "pages/flip.html", "partials/lecture_flip.html", build, lambda s, v, settings: v, data,
            lambda raw, settings: {"limits": FlipState.limits(settings)})
add_page(router, PAGE)
