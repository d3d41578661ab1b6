"""/conv2d — the 2-D stepper, and its JSON twin /conv2d.json. The state is app/state/conv2d.py.

Numbers mode (the default: the notes' 4×4 grid, or any input up to ``max_grid_size`` on a side,
or a crop of an image) shows every value. Image mode shows the picture with the window drawn
over it, a magnifier of the values around it, and the output image revealed up to the current
step. One step costs O(k²): the full output is computed only for small inputs, and for images it
is rendered once into a cached PNG (see conv2d_images.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.geometry import ConvGeometry, conv_geometry
from ..engine.kernels import PRESETS, Preset
from ..engine.matrix import weight_counts
from ..engine.trace import ConvStep, conv_step
from ..imaging import mapping_description
from ..models.learned import learned_kernels
from ..samples import SAMPLES
from ..settings import Settings
from ..sources import image_name, in_memory, load_image
from ..state.conv2d import CHANNEL_NAMES, Conv2dState
from ..state.fields import spell_matrix
from . import step_data, stepper, stride_picture
from .page import Links, Page, add_page
from .params import format_signed
from .step_json import conv_step_data, geometry_data, json_numbers
from .transpose import turn_over_url

router = APIRouter()


@dataclass
class Conv2dView:
    x: np.ndarray  # the 2-D input being stepped (one channel)
    kernel: np.ndarray
    preset: Preset | None
    bias: float
    g: ConvGeometry  # checked once per request; every engine call below takes it
    trace: ConvStep
    numbers: bool
    colour: bool
    channel: str  # "luma" or "0"–"2" (CHANNELS); "luma" for a grey image
    mapping: str
    output: np.ndarray | None  # only in numbers mode
    image_shape: tuple[int, int] | None = None  # the whole working image (before any crop)
    original: tuple[int, int] | None = None  # an upload's size before it was reduced (width, height)
    compare: Compared | None = None  # a second kernel on the same window (compare=)
    name: str = ""  # an upload's file name, stored with it ("" for a sample or an upload without one)


@dataclass
class Compared:
    """The compare view's second kernel: its trace at the same step and its whole output (numbers mode)."""

    kernel: np.ndarray
    preset: Preset | None
    trace: ConvStep
    output: np.ndarray


LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma weights (JPEG's Y)


def luma(pixels: np.ndarray) -> np.ndarray:
    """Brightness of an (H, W, 3) RGB image: Y = 0.299·R + 0.587·G + 0.114·B (ITU-R BT.601), float64 (H, W).

    >>> luma(np.array([[[255, 255, 255], [255, 0, 0]]], dtype=np.uint8)).round(3).tolist()
    [[255.0, 76.245]]
    """
    y: np.ndarray = np.asarray(pixels[..., :3], dtype=np.float64) @ LUMA
    return y


def _source(state: Conv2dState, settings: Settings) -> tuple[np.ndarray, bool, tuple[int, int] | None]:
    if not state.image:
        return np.array(state.grid, dtype=np.float64), False, None
    pixels = load_image(state.image, settings)
    colour = pixels.ndim == 3
    x = (luma(pixels) if state.channel == "luma" else pixels[..., int(state.channel)]) if colour else pixels
    whole = (int(x.shape[0]), int(x.shape[1]))
    if state.crop:
        top, left, size = state.crop
        if top > x.shape[0] - size or left > x.shape[1] - size:
            raise ParameterError("crop", f"crop {top},{left},{size} must lie inside the {x.shape[0]}×{x.shape[1]} image")
        x = x[top : top + size, left : left + size]
    return x, colour, whole


def build(state: Conv2dState, settings: Settings) -> Conv2dView:
    x, colour, whole = _source(state, settings)
    kernel = state.kernel_matrix
    g = conv_geometry(x.shape, kernel.shape, stride=state.stride, padding=state.padding, dilation=state.dilation,
                      flip=state.flip)  # checked once
    if g.steps and state.step > g.steps - 1:
        raise ParameterError("step", f"step must be between 0 and {g.steps - 1}, got {state.step}")
    step = state.step if g.steps else 0
    trace = conv_step(x, kernel, step, bias=state.bias, geometry=g)
    numbers = max(x.shape) <= settings.max_grid_size
    output = correlate(x, kernel, bias=state.bias, geometry=g) if numbers else None
    compared = None
    if state.compare is not None:
        if not numbers:
            raise ParameterError("compare", "compare shows both kernels' products and sums number by number, so it"
                                            " needs every number on screen: the numbers grid, or a crop of the image"
                                            f" (crop=top,left,size, size up to {settings.max_grid_size}); on the whole"
                                            " picture step one kernel at a time, or pick the other one as the kernel")
        other = state.compare_matrix
        compared = Compared(other, state.compare if isinstance(state.compare, Preset) else None,
                            conv_step(x, other, step, bias=state.bias, geometry=g),
                            correlate(x, other, bias=state.bias, geometry=g))
    return Conv2dView(x, kernel, state.preset, state.bias, g, trace, numbers, colour, state.channel if colour else "luma",
                      state.display_mapping, output, image_shape=whole, original=state.orig, compare=compared,
                      name=image_name(state.image, settings))


def input_shape(state: Conv2dState, settings: Settings) -> tuple[int, ...]:
    """The shape of what is stepped, without building the view (an image is read from the cache)."""
    if not state.image:
        return (len(state.grid), len(state.grid[0]))
    if state.crop:
        return (state.crop[2], state.crop[2])
    return tuple(int(v) for v in load_image(state.image, settings).shape[:2])


def last_step(shape: tuple[int, ...], kernel: np.ndarray, state: Conv2dState) -> int:
    """The last step of ``kernel`` on an input of ``shape`` with the state's stride, padding and dilation."""
    g = conv_geometry(shape, kernel.shape, stride=state.stride, padding=state.padding, dilation=state.dilation)
    return max(0, g.steps - 1)


def resolve(state: Conv2dState, settings: Settings) -> Conv2dState:
    """A form's ``keep_step``: the step on screen when Apply was pressed, clamped to the new last step
    (min(step, last)), so changing the kernel or the stride never throws the class back to step 0."""
    if state.keep_step is None:
        return state
    last = last_step(input_shape(state, settings), state.kernel_matrix, state)
    return replace(state, step=min(state.keep_step, last), keep_step=None)


def kernel_switch(state: Conv2dState, settings: Settings, last: int) -> dict[str, Any]:
    """The projector's kernel quick-switch: every preset that fits, each link keeping the step (clamped to
    that kernel's last step) and the compare kernel when it still has the kernel's shape; the K key's target
    (the next preset in the menu); the kernels it can be compared with, and the link back to one kernel.
    ``template`` and ``last`` let the page keep the links on the step on screen as it steps."""
    shape = input_shape(state, settings)
    current = state.preset.name if state.preset else None
    options = []

    def option(p: Preset, end: int, **changes: Any) -> dict[str, Any]:
        return {"name": p.name, "label": p.label, "href": state.url(step=min(state.step, end), **changes),
                "template": state.url(step="STEP", **changes), "last": end}

    for p in PRESETS.values():
        try:
            end = last_step(shape, p.matrix, state)
        except ParameterError:  # this preset does not fit the padded input
            continue
        keep = state.compare if state.compare is not None and state.compare_matrix.shape == p.matrix.shape else None
        options.append({**option(p, end, kernel=p, compare=keep), "current": p.name == current})
    at = next((i for i, o in enumerate(options) if o["current"]), -1)
    chosen = state.compare.name if isinstance(state.compare, Preset) else None
    compare = [{**option(p, last, compare=p), "current": p.name == chosen} for p in PRESETS.values()
               if p.matrix.shape == state.kernel_matrix.shape and p.name != current]
    return {"options": options, "next": options[(at + 1) % len(options)] if options else None, "compare": compare,
            "close": {"href": state.url(compare=None), "template": state.url(compare=None, step="STEP"), "last": last}}


def limits(settings: Settings) -> dict[str, int]:
    """The form's limits, for the template (hints, min/max) and for static JS (data attributes)."""
    return {"grid": settings.max_grid_size, "kernel": settings.max_page_kernel_size, "stride": settings.max_page_stride,
            "dilation": settings.max_page_dilation, "padding": settings.max_page_padding}


def base_context(settings: Settings, state: Conv2dState | None = None) -> dict[str, Any]:
    """What the settings form needs, with or without a valid state (an error page has none)."""
    kernel, projector = (state.kernel, state.projector) if state else (Conv2dState().kernel, False)

    def sample_link(image: str) -> str:  # the same kernel on another source ("" is the numbers grid)
        return Conv2dState(image=image, kernel=kernel, projector=projector).url()

    return {"presets": PRESETS.values(), "learned": learned_options(), "samples": SAMPLES.values(),
            "channels": CHANNEL_NAMES, "limits": limits(settings), "working_size": settings.working_size,
            "sample_link": sample_link,
            "image_name": image_name(state.image, settings) if state else ""}  # an upload's file name, stored with it


def learned_options() -> list[dict[str, str]]:
    """The digit network's first-layer filters for the kernel menu: exact values spelled as the kernel field takes them."""
    return [{"label": f"{k['label']} (its bias {k['bias']:.4g})", "value": spell_matrix(k["matrix"])}
            for k in learned_kernels()]


def step_context(state: Conv2dState, view: Conv2dView, settings: Settings) -> dict[str, Any]:
    """The panels that change from step to step (conv2d_parts.html): the whole workspace draws them among the
    rest, and an image step's answer (#step-parts, conv2d_step_parts.html) sends only them, so a step builds
    only these (with the step links and the twin's URL, ``parts_context``)."""
    g, trace = view.g, view.trace
    preset = view.preset
    denominator = preset.denominator if preset else 1  # 1/9 · [1 …]: products and sum shown times 9
    last = g.steps - 1
    ctx = {
        "view": view, "g": g, "trace": trace, "step": trace.index, "last": last,
        "computation": stepper.computation_rows(trace, denominator),
        "denominator": denominator,
        "dsum": step_data.double_sum(trace, g, state.flip),
        "sum_n": step_data.scaled(trace.sum, denominator),
        # W's rows: the one before, this one and the next on an image step (sent as data, step_view.py); numbers: two each side
        "matrix": stepper.matrix_panel(view.x, view.kernel, g, trace, symbols=state.symbols,
                                       around=step_data.MATRIX_AROUND if view.numbers else 1, counts=False),
        "status": step_data.conv_status(trace, last),
    }
    if not view.numbers:
        ctx["magnifier"] = stepper.magnifier(view.x, trace)
        ctx["magnifier_origin"] = tuple(int(v) - 2 for v in trace.positions.reshape(-1, 2).min(axis=0))  # its margin: 2
    return ctx


def context(state: Conv2dState, view: Conv2dView, settings: Settings) -> dict[str, Any]:
    ctx = step_context(state, view, settings)
    g, trace = view.g, view.trace
    ctx["matrix"]["counts"] = stepper.w_counts(view.kernel, g)  # the W panel's, the same at every step
    here = Links(state)
    out_w = g.out_shape[1]
    step, last = trace.index, g.steps - 1
    window = stepper.window_set(trace)

    def input_jump(r: int, c: int) -> int:  # the step whose window starts nearest this cell
        rows = [min(max(0, round((r + a.pad[0] - a.span // 2) / a.stride)), a.out - 1) for a in g.axes[:1]]
        cols = [min(max(0, round((c + a.pad[0] - a.span // 2) / a.stride)), a.out - 1) for a in g.axes[1:]]
        return rows[0] * out_w + cols[0]

    canonical = state.canonical()
    preset = view.preset
    denominator = ctx["denominator"]
    names = step_data.weight_numbers(view.kernel.shape, flip=state.flip) if state.symbols else None  # W by names, as applied
    numerators = np.array(preset.numerators) if preset else None
    if numerators is not None and state.flip:
        numerators = numerators[::-1, ::-1]
    ctx.update({
        **base_context(settings, state),
        "kernel_text": state.kernel_text(),
        "kernel_grid": numerators.tolist() if numerators is not None and denominator != 1 else trace.kernel.tolist(),
        "weight_names": None if names is None else [[step_data.weight_name(int(v) - 1) for v in r] for r in names.tolist()],
        "toggle_flip": state.url(flip=not state.flip),
        "toggle_symbols": state.url(symbols=not state.symbols),
        "toggle_flip_tpl": state.url(flip=not state.flip, step="STEP"),  # steplinks.js puts in the step on screen
        "toggle_symbols_tpl": state.url(symbols=not state.symbols, step="STEP"),
        "toggle_dense": state.url(dense=not state.dense),  # the fully connected contrast, shown or not
        "toggle_dense_tpl": state.url(dense=not state.dense, step="STEP"),
        "nav": stepper.nav_links(here, step, last, row=out_w),
        "mapping_text": mapping_description(view.mapping),
        "toggle_projector": state.url(projector=not state.projector),
        "fragment_query": {k: v for k, v in canonical.items() if k != "step"},
        "turn_over": turn_over_url(g, trace.kernel, settings) if view.numbers else None,
        "switch": kernel_switch(state, settings, last) if state.projector else None,
    })
    if view.compare is not None:
        other = view.compare
        b_den = other.preset.denominator if other.preset else 1
        ctx["compare"] = {
            "preset": other.preset, "trace": other.trace, "denominator": b_den,
            "computation": stepper.computation_rows(other.trace, b_den),
            "kernel_grid": (np.array(other.preset.numerators)[::-1, ::-1] if state.flip else np.array(other.preset.numerators))
            .tolist() if other.preset and b_den != 1 else other.trace.kernel.tolist(),
            "sum_n": step_data.scaled(other.trace.sum, b_den),
            "output_rows": stepper.output_cells(other.output, step),
            # links that keep the step on screen (data-switch-url: the page moves them on as it steps)
            "swap": {"href": state.url(kernel=state.compare, compare=state.kernel), "last": last,
                     "template": state.url(kernel=state.compare, compare=state.kernel, step="STEP")},
            "close": {"href": state.url(compare=None), "template": state.url(compare=None, step="STEP"), "last": last},
        }
    if view.numbers and view.output is not None:
        ctx["stride"] = stride_picture.picture(g, step)
        ctx["input_rows"] = stepper.padded_input(view.x, g, window, input_jump)
        ctx["output_rows"] = stepper.output_cells(view.output, step)
        # the output grids keep the width of their widest value from the first step (the layout never jumps)
        outputs = [view.output] + ([view.compare.output] if view.compare is not None else [])
        ctx["out_chars"] = min(8, max(len(format_signed(v)) for o in outputs for v in o.reshape(-1).tolist()))
        ctx["steps"] = step_data.conv2d(view.x, trace.kernel, view.bias, g, view.output, here,
                                        ctx["matrix"]["whole"], settings, denominator,
                                        compare=None if view.compare is None else
                                        (view.compare.kernel, view.compare.output, ctx["compare"]["denominator"]),
                                        symbols=names, flip=state.flip)
    else:
        ctx["image_query"] = {k: v for k, v in canonical.items() if k not in ("step", "projector", "mapping", "orig")}
    return ctx


def data(state: Conv2dState, view: Conv2dView) -> dict[str, Any]:
    """The JSON twin's view: the geometry, where the step is, and its whole trace (numbers as numbers)."""
    g = view.g
    return {
        "geometry": geometry_data(g),
        "step": view.trace.index,
        "steps": g.steps,
        "output_shape": list(g.out_shape),
        "numbers": view.numbers,
        "mapping": view.mapping,
        "name": view.name or None,  # an upload's file name, as stored with it
        "trace": conv_step_data(view.trace),
        "output": None if view.output is None else json_numbers(view.output),
        "w_counts": weight_counts(g.in_shape, view.kernel, geometry=g),  # why W is sparse, in numbers (g flips it)
        "compare": None if view.compare is None else {
            "trace": conv_step_data(view.compare.trace), "output": json_numbers(view.compare.output)},
    }


def fallback(raw: Mapping[str, str], settings: Settings) -> dict[str, Any]:
    kernel = raw.get("kernel", "")
    return {**base_context(settings), "kernel_text": raw.get("custom_kernel") or ("" if kernel in PRESETS else kernel),
            "toggle_projector": "/conv2d" if raw.get("projector") else "/conv2d?projector=1"}


PAGE = Page(Conv2dState, "pages/conv2d.html",
            {"workspace": "partials/conv2d_workspace.html", "step-parts": "partials/conv2d_step_parts.html",
             "default": "partials/conv2d_app.html"},
            build, context, data, fallback,
            error_fragments={"workspace": "partials/error_panel.html", "default": "partials/conv2d_app.html"},
            resolve=resolve, compressed=frozenset({"step-parts"}), parts={"step-parts": step_context},
            in_memory=lambda query, settings: in_memory(query.get("image", "").strip(), settings))
add_page(router, PAGE)
