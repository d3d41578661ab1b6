"""Take it home: ``/conv2d.gif``, ``/conv2d.apng`` and ``/conv2d.svg`` (and the same for /conv1d and /pool).

The query is the page's own, parsed by the page's state class (same validation, same 4xx), plus
``from`` and ``to`` for an animation (default: the whole run). Each frame is built here from the
engine's trace of that step — the padded input with the window, the kernel, the output grown so
far, the products and the sum — laid out once (app/export/layout.py) and drawn as GIF/APNG frames
(app/export/raster.py) or one SVG slide of the query's step (app/export/svg.py). Frame count and
pixel size are bounded by ``CONVSTEP_EXPORT_MAX_FRAMES`` and ``CONVSTEP_EXPORT_MAX_PIXELS`` (422
naming the field and the limit). Pages stepping an image (``/conv2d?image=…``) are refused with 422:
the exports draw numbers, and a photo has too many to draw. A picture is a pure function of its URL,
so it is sent immutable with an ETag.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry
from ..engine.pool import pool, pool_geometry, window_counts
from ..engine.trace import conv_step, pool_step
from ..export.layout import Frame, Grid, frame_size, lay_out
from ..export.raster import animation
from ..export.svg import svg
from ..problems import Problem
from ..responses import immutable_response
from ..settings import Settings
from ..state.base import PageState
from ..state.conv1d import Conv1dState
from ..state.conv2d import Conv2dState
from ..state.pool import PoolState
from .page import PAGES, parse
from .params import format_signed

router = APIRouter()
VERSION = "1"  # part of every ETag: bump when the drawing changes
FRAME_MS, LAST_MS = 1100, 2500
MEDIA = {"gif": "image/gif", "apng": "image/apng", "svg": "image/svg+xml"}

Steps = tuple[int, Callable[[int], Frame]]  # the last step, and the frame of step i
_drawing: dict[int, threading.BoundedSemaphore] = {}  # per worker, per configured limit: animations being drawn
_lock = threading.Lock()


def _slots(settings: Settings) -> threading.BoundedSemaphore:
    with _lock:
        return _drawing.setdefault(settings.export_concurrency, threading.BoundedSemaphore(settings.export_concurrency))


def _drawn_one_at_a_time(settings: Settings, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """``make`` run only while fewer than CONVSTEP_EXPORT_CONCURRENCY animations are drawn in this worker, else 503."""

    def guarded() -> bytes:
        slots = _slots(settings)
        if not slots.acquire(blocking=False):
            raise Problem(503, f"{settings.export_concurrency} animation(s) are being drawn in this worker, the limit"
                          " (CONVSTEP_EXPORT_CONCURRENCY): try again in a few seconds", "to", {"Retry-After": "3"})
        try:
            return make()
        finally:
            slots.release()

    return guarded


def _num(v: float) -> str:
    return format_signed(float(v))


def _factor(v: float) -> str:
    """A product's factor: negative numbers in brackets (19·(−1))."""
    return f"({_num(v)})" if v < 0 else _num(v)


def _padded(x: np.ndarray, pads: list[tuple[int, int]], window: set[tuple[int, int]], pad_text: str,
            winner: tuple[int, int] | None = None) -> Grid:
    """The input with its padding, window cells marked (the taps), the winner of a max marked."""
    (pt, pb), (pl, pr) = pads
    h, w = x.shape
    cells, roles = [], []
    for r in range(-pt, h + pb):
        row, role = [], []
        for c in range(-pl, w + pr):
            inside = 0 <= r < h and 0 <= c < w
            row.append(_num(x[r, c]) if inside else pad_text)
            role.append("winner" if (r, c) == winner else "win" if (r, c) in window else "" if inside else "pad")
        cells.append(row)
        roles.append(role)
    label = "Padded input" if pt + pb + pl + pr else "Input"
    return Grid(label, cells, roles, "input")


def _output(out: np.ndarray, i: int) -> Grid:
    flat = out.reshape(-1)
    cols = out.shape[-1]
    cells = [[_num(flat[j]) if j <= i else "" for j in range(r * cols, (r + 1) * cols)] for r in range(flat.size // cols)]
    roles = [["cur" if j == i else "done" if j < i else "empty" for j in range(r * cols, (r + 1) * cols)]
             for r in range(flat.size // cols)]
    return Grid("Output", cells, roles, "output")


def _where(out_index: tuple[int, ...]) -> str:
    return f"({', '.join(map(str, out_index))})" if len(out_index) > 1 else f"[{out_index[0]}]"


def conv_steps(path: str, x: np.ndarray, k: np.ndarray, bias: float, stride: Any, padding: Any, dilation: Any) -> Steps:
    """Frames of a correlation of a 1-D or 2-D input (a 1-D one is drawn as one row)."""
    g = conv_geometry(x.shape, k.shape, stride=stride, padding=padding, dilation=dilation)
    out = correlate(x, k, bias=bias, geometry=g)
    x2, k2, out2 = np.atleast_2d(x), np.atleast_2d(k), np.atleast_2d(out)
    pads = [(0, 0), *g.padding] if x.ndim == 1 else list(g.padding)
    last = g.steps - 1

    def frame(i: int) -> Frame:
        t = conv_step(x, k, i, bias=bias, geometry=g)
        taps = t.positions.reshape(-1, x.ndim)
        window = {(0, int(p[0])) if x.ndim == 1 else (int(p[0]), int(p[1])) for p in taps}
        kernel = Grid("Kernel", [[_num(v) for v in row] for row in k2], [["kernel"] * k2.shape[1] for _ in k2], "kernel")
        products = " + ".join(f"{_factor(a)}·{_factor(b)}" for a, b in zip(t.window.reshape(-1), t.kernel.reshape(-1),
                                                                            strict=True))
        total = f"sum = {_num(t.sum)}" + (f" + bias {_num(t.bias)} = {_num(t.result)}" if t.bias else "")
        return Frame(f"convstep {path} · step {i} of {last} · output {_where(t.out_index)}",
                     [_padded(x2, pads, window, "0"), kernel, _output(out2, i)],
                     [f"window × kernel: {products}", f"{total} → output {_where(t.out_index)}"])

    return last, frame


def pool_steps(state: PoolState) -> Steps:
    x = np.array(state.input, dtype=np.float64)
    op: Any = state.op
    g = pool_geometry(x.shape, state.size, state.pool_stride, state.padding, ceil_mode=state.ceil_mode)
    out = pool(x, op=op, geometry=g, count_include_pad=state.count_include_pad).output
    counts = window_counts(g, state.count_include_pad) if state.op == "avg" else None
    pads = [a.pad for a in g.axes]
    last = g.steps - 1

    def frame(i: int) -> Frame:
        t = pool_step(x, step=i, op=op, geometry=g, count_include_pad=state.count_include_pad)
        taps = t.positions.reshape(-1, 2)
        inside = t.inside.reshape(-1)
        window = {(int(p[0]), int(p[1])) for p in taps}
        winner = (int(t.winner[0]), int(t.winner[1])) if t.winner is not None else None
        values = [x[int(p[0]), int(p[1])] for p, ok in zip(taps, inside, strict=True) if ok]
        if counts is None:
            line = f"max({', '.join(_num(v) for v in values)}) = {_num(t.result)}"
        else:
            n = int(counts[t.out_index])
            padded_zeros = n - len(values)
            terms = [_num(v) for v in values] + ["0"] * padded_zeros
            line = f"({' + '.join(terms)}) / {n} = {_num(t.result)}"
        return Frame(f"convstep /pool · {state.op} · step {i} of {last} · output {_where(t.out_index)}",
                     [_padded(x, pads, window, "−∞" if state.op == "max" else "0", winner), _output(out, i)],
                     [f"window {state.size}×{state.size}, stride {state.pool_stride}", f"{line} → output {_where(t.out_index)}"])

    return last, frame


def steps_of(state: PageState, settings: Settings) -> Steps:
    if isinstance(state, Conv2dState):
        if state.image:
            raise ParameterError("image", "exports draw the numbers grid: a page stepping an image (image=…) cannot be"
                                 " exported; crop nothing, step the numbers (leave image out) or save the page's PNGs")
        return conv_steps("/conv2d", np.array(state.grid, dtype=np.float64), state.kernel_matrix, state.bias,
                          state.stride, state.padding, state.dilation)
    if isinstance(state, Conv1dState):
        return conv_steps("/conv1d", np.array(state.input, dtype=np.float64), np.array(state.kernel, dtype=np.float64),
                          0.0, state.stride, state.padding, 1)
    assert isinstance(state, PoolState)
    return pool_steps(state)


def _whole(query: Mapping[str, str], name: str, default: int, last: int) -> int:
    text = query.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ParameterError(name, f"{name} must be a whole number (a step), got {text.strip()[:20]!r}") from None
    if not 0 <= value <= last:
        raise ParameterError(name, f"{name} must be between 0 and {last} (the last step), got {value}")
    return value


def _checked_size(frame: Frame, settings: Settings, field: str) -> tuple[int, int]:
    w, h = frame_size(frame)
    if w * h > settings.export_max_pixels:
        raise ParameterError(field, f"the picture would be {w}×{h} = {w * h} pixels; the limit is"
                             f" {settings.export_max_pixels} (CONVSTEP_EXPORT_MAX_PIXELS): use a smaller {field} or kernel")
    return w, h


def export(request: Request, path: str, fmt: str) -> Response:
    settings: Settings = request.app.state.settings
    query = {k: v for k, v in request.query_params.items() if k not in ("from", "to")}
    state = parse(PAGES[path], query, settings)
    last, frame = steps_of(state, settings)
    field = "grid" if path == "/conv2d" else "input"
    name = path.strip("/")
    if fmt == "svg":
        step = getattr(state, "step", 0)
        if step > last:
            raise ParameterError("step", f"step must be between 0 and {last}, got {step}")
        key = hashlib.sha256(f"{VERSION}|{path}.svg?{state.query_string}".encode()).hexdigest()[:32]
        one = frame(step)
        _checked_size(one, settings, field)
        return immutable_response(request, lambda: svg(lay_out(one), one.title).encode(), key, MEDIA["svg"],
                                  f"{name}-step-{step}.svg")
    start = _whole(request.query_params, "from", 0, last)
    stop = _whole(request.query_params, "to", last, last)
    if stop < start:
        raise ParameterError("to", f"to ({stop}) must not come before from ({start})")
    count = stop - start + 1
    if count > settings.export_max_frames:
        raise ParameterError("to", f"from {start} to {stop} is {count} frames; the limit is {settings.export_max_frames}"
                             f" (CONVSTEP_EXPORT_MAX_FRAMES): export at most {settings.export_max_frames} steps at a time")
    key = hashlib.sha256(f"{VERSION}|{path}.{fmt}?{state.query_string}&from={start}&to={stop}".encode()).hexdigest()[:32]

    def make() -> bytes:
        frames = [frame(i) for i in range(start, stop + 1)]
        sizes = [_checked_size(f, settings, field) for f in frames]
        canvas = (max(w for w, _ in sizes), max(h for _, h in sizes))
        if canvas[0] * canvas[1] > settings.export_max_pixels:
            raise ParameterError(field, f"the frames need a {canvas[0]}×{canvas[1]} canvas; the limit is"
                                 f" {settings.export_max_pixels} pixels (CONVSTEP_EXPORT_MAX_PIXELS)")
        return animation((lay_out(f, size=canvas) for f in frames), fmt, FRAME_MS, LAST_MS)

    filename = f"{name}-steps-{start}-{stop}.{'png' if fmt == 'apng' else fmt}"
    return immutable_response(request, _drawn_one_at_a_time(settings, make), key, MEDIA[fmt], filename)


def _route(path: str, fmt: str) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        return export(request, path, fmt)

    answer.__name__ = f"{path.strip('/')}_{fmt}"
    return answer


for _path in ("/conv2d", "/conv1d", "/pool"):
    for _fmt in ("gif", "apng", "svg"):
        router.add_api_route(f"{_path}.{_fmt}", _route(_path, _fmt), methods=["GET"], response_class=Response,
                             name=f"{_path.strip('/')}_{_fmt}")
