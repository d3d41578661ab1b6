"""/volume — an H×W×C input and N filters F×F×C with biases: output depth N (CS231n-style).

Step ``i`` runs over every output cell of every feature map: map ``n = i // (H'·W')``, then row
by row inside it. The default is the notes' Ex1: 5×5×3 input, 2 filters, F = 3, p = 1, s = 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.conv import correlate_many
from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry
from ..engine.shapes import conv_params
from ..engine.trace import conv_step
from ..settings import Settings
from ..state.volume import VolumeState
from . import step_data, stepper
from .page import Links, Page, add_page
from .step_json import conv_step_data, geometry_data, json_numbers

router = APIRouter()


def example(seed: int, size: int, channels: int, filters: int, kernel: int,
            groups: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Small integers like CS231n's demo: inputs 0–2, weights −1–1, biases 0–1; filters F×F×(C/groups)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (size, size, channels)).astype(float)
    w = rng.integers(-1, 2, (filters, kernel, kernel, max(1, channels // groups))).astype(float)
    b = rng.integers(0, 2, filters).astype(float)
    return x, w, b


def inputs(state: VolumeState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values a link gave (a trained layer's input and filter, from /network), or the seeded example."""
    given = state.values()
    if given is not None:
        return given
    return example(state.seed, state.size, state.channels, state.filters, state.kernel, state.groups)


def build(state: VolumeState, settings: Settings) -> dict[str, Any]:
    size, channels, filters, kernel = state.size, state.channels, state.filters, state.kernel
    stride, padding = state.stride, state.padding
    groups = state.groups
    params = conv_params(kernel, channels, filters, groups=groups)  # checks that groups divides C and N
    x, w, b = inputs(state)
    g = conv_geometry(x.shape, w.shape[1:], stride=stride, padding=padding, groups=groups)  # checked once
    cg, per_group = channels // groups, filters // groups
    sees = [range((n // per_group) * cg, (n // per_group + 1) * cg) for n in range(filters)]  # filter n's channels
    per_map = g.steps
    if state.step > per_map * filters - 1:
        raise ParameterError("step", f"step must be between 0 and {per_map * filters - 1}, got {state.step}")
    step = state.step
    n, cell = divmod(step, per_map)
    part = x[..., sees[n].start : sees[n].stop]  # the channels filter n sees
    trace = conv_step(part, w[n], cell, bias=b[n], stride=stride, padding=padding)
    out = correlate_many(x, w, bias=b.tolist(), geometry=g)
    window = stepper.window_set(trace)
    here = Links(state)
    slices = []
    channel_sums = trace.channel_sums if trace.channel_sums is not None else trace.products.sum(axis=(0, 1))
    for c in range(channels):
        sub = stepper.padded_input(x[..., c], g, window)
        seen = c in sees[n]
        j = c - sees[n].start
        slices.append(
            {
                "c": c,
                "seen": seen,
                "input": sub,
                "label": f"Filter {n}, slice {j}" if seen else f"Filter {n} does not see channel {c}",
                "filter": w[n, ..., j].tolist() if seen else [["·"] * kernel] * kernel,
                "products": trace.products[..., j].tolist() if seen else [["·"] * kernel] * kernel,
                "sum": float(channel_sums[j]) if seen else None,
            }
        )
    maps = [  # cell i of feature map m is step m·per_map + i
        stepper.output_cells(out[..., m], step - m * per_map if m == n else (per_map if m < n else -1), m * per_map)
        for m in range(filters)
    ]
    last = per_map * filters - 1
    return {
        "g": g,
        "output": out,
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
        "params": params,
        "ungrouped": conv_params(kernel, channels, filters) if groups > 1 else None,
        "groups": groups,
        "sees": [[s.start, s.stop - 1] for s in sees],
        "out_shape": (*g.out_shape, filters),
        "nav": stepper.nav_links(here, step, last, row=per_map),
        "action": "/volume",
        "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.canonical().items() if k != "step"},
        "limits": VolumeState.limits(settings),
        "given": state.values() is not None,
        "status": step_data.volume_status(n, trace, step, last),
        "steps": step_data.volume(x, w, b, g, out, here, settings, sees),
    }


def data(state: VolumeState, view: dict[str, Any]) -> dict[str, Any]:
    g = view["g"]
    x, w, b = inputs(state)
    return {"groups": state.groups, "channels_seen": [list(range(a, z + 1)) for a, z in view["sees"]],
            "geometry": geometry_data(g), "step": view["step"], "steps": view["last"] + 1, "filter": view["n"],
            "output_shape": list(view["out_shape"]), "input": json_numbers(x), "filters": json_numbers(w),
            "biases": json_numbers(b), "trace": conv_step_data(view["trace"]), "output": json_numbers(view["output"]),
            "params": view["params"].as_dict()}


PAGE = Page(VolumeState, "pages/volume.html", "partials/lecture_volume.html", build, lambda s, v, settings: v, data,
            lambda raw, settings: {"limits": VolumeState.limits(settings)})
add_page(router, PAGE)
