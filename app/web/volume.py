"""/volume — an H×W×C input and N filters F×F×C with biases: output depth N (CS231n-style).

Step ``i`` runs over every output cell of every feature map: map ``n = i // (H'·W')``, then row
by row inside it. The default is the notes' Ex1: 5×5×3 input, 2 filters, F = 3, p = 1, s = 2.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from ..engine.conv import correlate_many
from ..engine.shapes import conv_params, geometry
from ..engine.trace import conv_step
from . import step_data, stepper
from .page_cache import cached_page
from .params import Links, parse_int
from .render import respond

router = APIRouter()
KEYS = ("size", "channels", "filters", "kernel", "stride", "padding", "seed", "step")


def example(seed: int, size: int, channels: int, filters: int, kernel: int):
    """Small integers like CS231n's demo: inputs 0–2, weights −1–1, biases 0–1."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (size, size, channels)).astype(float)
    w = rng.integers(-1, 2, (filters, kernel, kernel, channels)).astype(float)
    b = rng.integers(0, 2, filters).astype(float)
    return x, w, b


def build(state: dict[str, str], settings) -> dict:
    size = parse_int(state.get("size"), "size", 5, 1, 9)
    channels = parse_int(state.get("channels"), "channels", 3, 1, 4)
    filters = parse_int(state.get("filters"), "filters", 2, 1, 4)
    kernel = parse_int(state.get("kernel"), "kernel", 3, 1, 5)
    stride = parse_int(state.get("stride"), "stride", 2, 1, 4)
    padding = parse_int(state.get("padding"), "padding", 1, 0, 3)
    seed = parse_int(state.get("seed"), "seed", 1, 0, 10**6)
    x, w, b = example(seed, size, channels, filters, kernel)
    g = geometry((size, size), (kernel, kernel), stride, padding)
    per_map = g.steps
    step = parse_int(state.get("step"), "step", 0, 0, per_map * filters - 1)
    n, cell = divmod(step, per_map)
    trace = conv_step(x, w[n], cell, bias=b[n], stride=stride, padding=padding)
    out = correlate_many(x, w, bias=b, stride=stride, padding=padding)
    window = stepper.window_set(trace)
    here = Links("/volume", state)
    slices = []
    for c in range(channels):
        sub = stepper.padded_input(x[..., c], g, window, lambda r, cc: None)
        slices.append(
            {
                "c": c,
                "input": sub,
                "filter": w[n, ..., c].tolist(),
                "products": trace.products[..., c].tolist(),
                "sum": float(trace.channel_sums[c]),
            }
        )
    maps = [
        stepper.output_cells(
            out[..., m], step - m * per_map if m == n else (per_map if m < n else -1), lambda i, m=m: here(step=m * per_map + i)
        )
        for m in range(filters)
    ]
    last = per_map * filters - 1
    return {
        "state": state,
        "g": g,
        "trace": trace,
        "step": step,
        "last": last,
        "n": n,
        "slices": slices,
        "maps": maps,
        "bias": float(b[n]),
        "biases": b.tolist(),
        "shape": (size, size, channels),
        "filters": filters,
        "kernel": kernel,
        "params": conv_params(kernel, channels, filters),
        "out_shape": (*g.out_shape, filters),
        "nav": stepper.nav_links(here, step, last, row=per_map),
        "link": here,
        "action": "/volume",
        "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.items() if k != "step"},
        "status": step_data.volume_status(n, trace, step, last),
        "steps": step_data.volume(x, w, b, g, out, here(step="STEP"), settings),
    }


@router.get("/volume")
@cached_page
def volume_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    settings = request.app.state.settings
    return respond(request, "pages/volume.html", "partials/lecture_volume.html", lambda: build(state, settings), {"state": state})
