"""/conv2d — the 2-D stepper. All state is in the query string; see ``STATE_KEYS``.

Numbers mode (the default: the notes' 4×4 grid, or any input up to 16×16, or a crop of an
image) shows every value. Image mode shows the picture with the window drawn over it, a
magnifier of the values around it, and the output image revealed up to the current step.
One step costs O(k²): the full output is computed only for small inputs, and for images it is
rendered once into a cached PNG (see conv2d_images.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from fastapi import APIRouter, Request

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.kernels import PRESETS, Preset
from ..engine.shapes import Geometry, geometry
from ..engine.trace import ConvStep, conv_step
from ..imaging import mapping_description
from ..problems import Problem
from ..samples import SAMPLES
from ..sources import load_image
from . import step_data, stepper
from .page_cache import cached_page
from .params import Links, format_matrix, link, parse_int, parse_matrix, parse_number, parse_padding
from .render import render

router = APIRouter()

NOTES_GRID = "35,19,25,6;13,22,16,53;4,3,7,10;9,8,1,3"
STATE_KEYS = ("image", "orig", "grid", "crop", "channel", "kernel", "bias", "stride", "padding", "dilation", "step", "mapping",
              "projector")
NUMBERS_MAX = 16  # inputs up to 16×16 show every number
MAX_KERNEL = 7


@dataclass
class Conv2dView:
    x: np.ndarray  # the 2-D input being stepped (one channel)
    kernel: np.ndarray
    preset: Preset | None
    bias: float
    g: Geometry
    trace: ConvStep
    numbers: bool
    colour: bool
    channel: int
    mapping: str
    output: np.ndarray | None  # only in numbers mode
    image_shape: tuple[int, int] | None = None  # the whole working image (before any crop)
    original: tuple[int, int] | None = None  # an upload's size before it was reduced (width, height)


def read_state(request: Request) -> dict[str, str]:
    """The known query values; the form's custom-kernel box fills ``kernel`` when "Custom" is chosen."""
    q = request.query_params
    state = {k: q[k] for k in STATE_KEYS if q.get(k)}
    custom = q.get("custom_kernel", "").strip()
    if custom and state.get("kernel", "") not in PRESETS:
        state["kernel"] = custom
    return state


def _source(state: dict[str, str], settings) -> tuple[np.ndarray, bool, int, tuple[int, int] | None]:
    if not state.get("image"):
        grid = parse_matrix(state.get("grid") or NOTES_GRID, "grid", settings.max_grid_size)
        return np.array(grid, dtype=np.float64), False, 0, None
    pixels = load_image(state["image"], settings)
    colour = pixels.ndim == 3
    channel = parse_int(state.get("channel"), "channel", 0, 0, 2) if colour else 0
    x = pixels[..., channel] if colour else pixels  # a view: stepping never copies the image
    whole = (int(x.shape[0]), int(x.shape[1]))
    if state.get("crop"):
        x = _crop(x, state["crop"])
    return x, colour, channel, whole


def _original(text: str | None) -> tuple[int, int] | None:
    """``orig=WxH``: the upload's size before reduction, carried in the link so the page can say it."""
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,6})x(\d{1,6})", text)
    if not match:
        raise ParameterError("orig", f"orig must be WIDTHxHEIGHT like 4000x3000, got {text[:30]!r}")
    return int(match.group(1)), int(match.group(2))


def _crop(x: np.ndarray, text: str) -> np.ndarray:
    """``crop=top,left,size``: a small square region to step with every number visible."""
    try:
        top, left, size = (int(v) for v in text.split(","))
    except ValueError:
        raise ParameterError("crop", f"crop must be top,left,size (three whole numbers), got {text[:30]!r}") from None
    if not (1 <= size <= NUMBERS_MAX and 0 <= top <= x.shape[0] - size and 0 <= left <= x.shape[1] - size):
        raise ParameterError(
            "crop", f"crop {top},{left},{size} must have size 1–{NUMBERS_MAX} and lie inside the"
            f" {x.shape[0]}×{x.shape[1]} image"
        )
    return x[top : top + size, left : left + size]


def _kernel(text: str | None) -> tuple[np.ndarray, Preset | None]:
    name = text or "sharpen"
    if name in PRESETS:
        return PRESETS[name].matrix, PRESETS[name]
    if not any(ch.isdigit() for ch in name):
        raise ParameterError("kernel", f"unknown kernel preset {name[:40]!r}; choose one of {', '.join(PRESETS)}")
    return np.array(parse_matrix(name, "kernel", MAX_KERNEL)), None


def default_mapping(kernel: np.ndarray) -> str:
    """Kernels that keep brightness (sum 1) read best clipped; edge finders need signed colours."""
    return "clip" if abs(kernel.sum() - 1) < 1e-9 and (kernel >= 0).all() else "signed"


def build(state: dict[str, str], settings) -> Conv2dView:
    x, colour, channel, whole = _source(state, settings)
    kernel, preset = _kernel(state.get("kernel"))
    bias = parse_number(state["bias"], "bias") if state.get("bias") else 0.0
    stride = parse_int(state.get("stride"), "stride", 1, 1, 8)
    dilation = parse_int(state.get("dilation"), "dilation", 1, 1, 4)
    padding = parse_padding(state.get("padding"), 1)
    g = geometry(x.shape, kernel.shape, stride, padding, dilation)
    step = parse_int(state.get("step"), "step", 0, 0, max(0, g.steps - 1)) if g.steps else 0
    trace = conv_step(x, kernel, step, bias=bias, stride=stride, padding=padding, dilation=dilation)
    numbers = max(x.shape) <= NUMBERS_MAX
    output = correlate(x, kernel, bias=bias, stride=stride, padding=padding, dilation=dilation) if numbers else None
    mapping = state.get("mapping") or default_mapping(kernel)
    if mapping not in ("clip", "stretch", "signed"):
        raise ParameterError("mapping", f"mapping must be clip, stretch or signed, got {mapping[:20]!r}")
    return Conv2dView(x, kernel, preset, bias, g, trace, numbers, colour, channel, mapping, output,
                      image_shape=whole, original=_original(state.get("orig")))


def context(state: dict[str, str], view: Conv2dView, settings) -> dict:
    g, trace = view.g, view.trace
    here = Links("/conv2d", state)
    out_w = g.out_shape[1]
    step, last = trace.index, g.steps - 1
    window = stepper.window_set(trace)

    def input_href(r: int, c: int) -> str:  # jump to the window that starts nearest this cell
        rows = [min(max(0, round((r + a.pad[0] - a.span // 2) / a.stride)), a.out - 1) for a in g.axes[:1]]
        cols = [min(max(0, round((c + a.pad[0] - a.span // 2) / a.stride)), a.out - 1) for a in g.axes[1:]]
        return here(step=rows[0] * out_w + cols[0])

    ctx = {
        "state": state, "view": view, "g": g, "trace": trace, "step": step, "last": last,
        "presets": PRESETS.values(), "samples": SAMPLES.values(),
        "kernel_text": state.get("kernel") if view.preset is None else format_matrix(view.kernel),
        "computation": stepper.computation_rows(trace),
        "matrix": stepper.matrix_panel(view.x, trace.kernel, g, trace),
        "nav": stepper.nav_links(here, step, last, row=out_w),
        "link": here,
        "mapping_text": mapping_description(view.mapping),
        "toggle_projector": here(projector=None if state.get("projector") else "1"),
        "fragment_query": {k: v for k, v in state.items() if k != "step"},
        "working_size": settings.working_size,
        "status": step_data.conv_status(trace, last),
    }
    if view.numbers:
        ctx["input_rows"] = stepper.padded_input(view.x, g, window, input_href)
        ctx["output_rows"] = stepper.output_cells(view.output, step, lambda i: here(step=i))
        ctx["steps"] = step_data.conv2d(view.x, trace.kernel, view.bias, g, view.output, here(step="STEP"),
                                        ctx["matrix"]["whole"], settings)
    else:
        ctx["magnifier"] = stepper.magnifier(view.x, trace)
        ctx["magnifier_origin"] = tuple(int(v) - 2 for v in trace.positions.reshape(-1, 2).min(axis=0))  # its margin: 2
        ctx["image_query"] = {k: v for k, v in state.items() if k not in ("step", "projector", "mapping", "orig")}
    return ctx


def error_response(request: Request, state: dict[str, str], message: str, field: str | None, status: int):
    """The page (or fragment) with a friendly error panel, keeping every other choice."""
    ctx = {"state": state, "error": {"message": message, "field": field}, "presets": PRESETS.values(),
           "samples": SAMPLES.values(), "kernel_text": state.get("kernel", ""),
           "toggle_projector": link("/conv2d", state, projector=None if state.get("projector") else "1")}
    fragments = {"workspace": "partials/error_panel.html", "default": "partials/conv2d_app.html"}
    return render(request, "pages/conv2d.html", fragments, ctx,
                  status_code=status if 400 <= status < 500 else 422)


@router.get("/conv2d")
@cached_page
def conv2d_page(request: Request):
    state = read_state(request)
    try:
        view = build(state, request.app.state.settings)
    except ParameterError as exc:
        return error_response(request, state, exc.message, exc.param, 422)
    except Problem as exc:
        return error_response(request, state, exc.detail, exc.param, exc.status_code)
    return render(request, "pages/conv2d.html",
                  {"workspace": "partials/conv2d_workspace.html", "default": "partials/conv2d_app.html"},
                  context(state, view, request.app.state.settings))
