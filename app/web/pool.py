"""/pool — max and average pooling, window by window; the max's winning cell is marked."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from ..engine.arrays import shifted
from ..engine.errors import ParameterError
from ..engine.pool import pool, pool_geometry
from ..engine.trace import pool_step
from . import step_data, stepper
from .page_cache import cached_page
from .params import Links, parse_int, parse_matrix
from .render import respond

router = APIRouter()
KEYS = ("input", "size", "stride", "padding", "op", "step", "shift")
DEFAULT_INPUT = "1,1,2,4;5,6,7,8;3,2,1,0;1,2,3,4"  # CS231n's classic 4×4 example
SHIFTS = {"right": (0, 1), "down": (1, 0), "left": (0, -1), "up": (-1, 0)}  # the notes: "if the object moves"


def invariance(x: np.ndarray, result: np.ndarray, direction: str, **geometry) -> dict:
    """Pool the feature map moved one cell in ``direction`` and mark which pooled cells changed."""
    if direction not in SHIFTS:
        raise ParameterError("shift", f"shift must be one of {', '.join(SHIFTS)}, got {direction[:20]!r}")
    moved = pool(shifted(x, *SHIFTS[direction]), **geometry).output
    same = moved == result
    cells = [[stepper.Cell(float(v), "out done" if keep else "out changed", title="unchanged" if keep else "changed")
              for v, keep in zip(row, keep_row, strict=True)] for row, keep_row in zip(moved, same, strict=True)]
    return {"direction": direction, "cells": cells, "unchanged": int(same.sum()), "total": int(same.size)}


def build(state: dict[str, str], settings) -> dict:
    max_side = settings.max_grid_size
    x = np.array(parse_matrix(state.get("input") or DEFAULT_INPUT, "input", max_side))
    size = parse_int(state.get("size"), "size", 2, 1, 8)
    stride = parse_int(state.get("stride"), "stride", size, 1, 8)
    padding = parse_int(state.get("padding"), "padding", 0, 0, 4)
    op = state.get("op") or "max"
    g = pool_geometry(x.shape, size, stride, padding)
    step = parse_int(state.get("step"), "step", 0, 0, g.steps - 1)
    trace = pool_step(x, size, step, stride=stride, padding=padding, op=op)
    result = pool(x, size, stride=stride, padding=padding, op=op)
    moved = invariance(x, result.output, state.get("shift") or "right", size=size, stride=stride, padding=padding, op=op)
    here = Links("/pool", state)
    window = {tuple(int(v) for v in p) for p in trace.positions.reshape(-1, 2)}
    rows = stepper.padded_input(x, g, window, lambda r, c: None)
    if trace.winner is not None:
        pt, pl = g.padding[0][0], g.padding[1][0]
        rows[trace.winner[0] + pt][trace.winner[1] + pl].classes += " winner"
    last, out_w = g.steps - 1, g.out_shape[1]
    return {
        "state": state,
        "g": g,
        "trace": trace,
        "step": step,
        "last": last,
        "op": op,
        "size": size,
        "input_rows": rows,
        "output_rows": stepper.output_cells(result.output, step, lambda i: here(step=i)),
        "window_values": [
            [{"v": float(v), "pad": not bool(i)} for v, i in zip(rv, ri, strict=True)]
            for rv, ri in zip(trace.window, trace.inside, strict=True)
        ],
        "nav": stepper.nav_links(here, step, last, row=out_w),
        "shift": moved,
        "shifts": list(SHIFTS),
        "link": here,
        "action": "/pool",
        "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.items() if k != "step"},
        "status": step_data.pool_status(trace, last),
        "steps": step_data.pool(x, size, stride, padding, op, g, result.output, here(step="STEP"), settings),
    }


@router.get("/pool")
@cached_page
def pool_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    settings = request.app.state.settings
    return respond(request, "pages/pool.html", "partials/lecture_pool.html", lambda: build(state, settings), {"state": state})
