"""/conv1d — a kernel [w0 w1 w2] sliding along a vector, and the banded Toeplitz W beside it."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from fastapi import APIRouter, Request

from ..engine.conv import correlate
from ..engine.shapes import geometry
from ..engine.trace import conv_step
from . import step_data, stepper
from .page_cache import cached_page
from .params import Links, parse_int, parse_padding, parse_vector
from .render import respond

router = APIRouter()
KEYS = ("input", "kernel", "stride", "padding", "step")
DEFAULTS = {"input": "2,4,6,8,7,5,3,1", "kernel": "1,0,-1"}


def build(state: dict[str, str], settings) -> dict:
    x = np.array(parse_vector(state.get("input") or DEFAULTS["input"], "input", 32))
    k = np.array(parse_vector(state.get("kernel") or DEFAULTS["kernel"], "kernel", 9))
    stride = parse_int(state.get("stride"), "stride", 1, 1, 8)
    padding = parse_padding(state.get("padding"), 0)
    g = geometry(x.shape, k.shape, stride, padding)
    step = parse_int(state.get("step"), "step", 0, 0, g.steps - 1)
    trace = conv_step(x, k, step, stride=stride, padding=padding)
    out = correlate(x, k, stride=stride, padding=padding)
    here = Links("/conv1d", state)
    a = g.axes[0]

    def input_href(_r: int, c: int) -> str:
        return here(step=min(max(0, round((c + a.pad[0] - a.span // 2) / a.stride)), a.out - 1))

    terms = [{"i": int(p[0]), "x": float(v), "w": float(w), "pad": not bool(inside)}
             for p, v, w, inside in zip(trace.positions, trace.window, trace.kernel, trace.inside, strict=True)]
    last = g.steps - 1
    return {
        "state": state, "g": g, "trace": trace, "step": step, "last": last, "terms": terms,
        "input_rows": stepper.padded_input(x, g, stepper.window_set(trace), input_href),
        "output_rows": stepper.output_cells(out, step, lambda i: here(step=i)),
        "computation": stepper.computation_rows(trace),
        "matrix": stepper.matrix_panel(x, trace.kernel, g, trace),
        "nav": stepper.nav_links(here, step, last, row=g.steps),  # one row: Shift+arrow goes to the ends
        "link": here, "action": "/conv1d", "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.items() if k != "step"},
        "notes_rows": notes_row_count(a),
        "status": step_data.conv1d_status(trace, last),
        "steps": step_data.conv1d(x, k, g, out, here(step="STEP"), settings),
    }


def notes_row_count(a) -> dict:
    """The notes count W's rows as ((n − k) + 1) / stride, a slip for floor((n + 2p − k) / s) + 1.

    Both are computed with the current numbers so the page can say whether the slip bites here.
    """
    slip = Fraction(a.padded - a.k + 1, a.stride)
    return {"text": f"(({a.padded} − {a.k}) + 1) / {a.stride} = {slip}", "agrees": slip == a.out, "right": a.out}


@router.get("/conv1d")
@cached_page
def conv1d_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    settings = request.app.state.settings
    return respond(request, "pages/conv1d.html", "partials/lecture_conv1d.html", lambda: build(state, settings), {"state": state})
