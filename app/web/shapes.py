"""/shapes — the output-size calculator, solving for an unknown, parameter counts, layer stacks.

Every number comes from app.engine.shapes and app.engine.layers; the notes' worked examples are
one click away (Ex1 a and b, Ex2 a and b, both parameter counts).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..engine.errors import ParameterError
from ..engine.layers import PRESET_STACKS, summarize
from ..engine.shapes import conv_params, geometry
from ..engine.solve import solve
from .page_cache import cached_page
from .params import parse_int, parse_padding
from .render import respond

router = APIRouter()
KEYS = (
    "input",
    "kernel",
    "stride",
    "padding",
    "dilation",
    "channels",
    "filters",
    "unknown",
    "output",
    "pool",
    "pool_stride",
    "stack",
)
UNKNOWNS = ("input", "kernel", "stride", "padding", "output")
EXAMPLES = [
    ("Ex1 a: 5×5×3, 2 filters, F=3, p=1, s=2", "input=5&kernel=3&padding=1&stride=2&channels=3&filters=2"),
    ("Ex1 b: the same with stride 3", "input=5&kernel=3&padding=1&stride=3&channels=3&filters=2"),
    ("Ex2 a: 288 → 143 with s=2, p=0: F = ?", "input=288&stride=2&padding=0&output=143&unknown=kernel&channels=3"),
    ("Ex2 b: then 3×3 max pool, stride 2", "input=288&kernel=4&stride=2&padding=0&channels=3&filters=8&pool=3&pool_stride=2"),
    ("Parameters: 11×11×3, 96 filters", "input=227&kernel=11&stride=4&channels=3&filters=96"),
    ("Parameters: 5×5×96, 256 filters", "input=27&kernel=5&padding=2&channels=96&filters=256"),
]


def _int(state, key, default, lo, hi):
    return parse_int(state.get(key), key, default, lo, hi)


def build(state: dict[str, str]) -> dict:
    n = _int(state, "input", 5, 1, 100_000)
    k = _int(state, "kernel", 3, 1, 10_000)
    s = _int(state, "stride", 1, 1, 10_000)
    d = _int(state, "dilation", 1, 1, 100)
    c = _int(state, "channels", 3, 1, 100_000)
    f = _int(state, "filters", 2, 1, 100_000)
    p = parse_padding(state.get("padding"), 0, hi=10_000)
    ctx: dict = {"state": state, "examples": EXAMPLES, "unknowns": UNKNOWNS, "stacks": PRESET_STACKS}
    unknown = state.get("unknown") or ""
    if unknown:
        if unknown not in UNKNOWNS:
            raise ParameterError("unknown", f"unknown must be one of {', '.join(UNKNOWNS)}, got {unknown[:20]!r}")
        if isinstance(p, str):
            raise ParameterError("padding", "to solve, give padding as a number")
        given = {"input": n, "kernel": k, "stride": s, "padding": p, "output": _int(state, "output", 1, 1, 100_000)}
        given[unknown] = None
        sol = solve(**given, dilation=d)
        ctx["solution"] = sol
        values = {**given, unknown: sol.value}
        n, k, s, p = values["input"], values["kernel"], values["stride"], values["padding"]
    g = geometry((n, n), (k, k), s, p, d)
    ctx.update(g=g, axis=g.axes[0], depth=f, channels=c, params=conv_params(k, c, f), n=n, k=k, s=s, p=p)
    if state.get("pool"):
        size = _int(state, "pool", 2, 1, 10_000)
        pool_stride = _int(state, "pool_stride", size, 1, 10_000)
        ctx["pooled"] = geometry(g.out_shape, (size, size), pool_stride, 0)
        ctx["pool_size"] = size
    stack = state.get("stack") or "alexnet"
    if stack not in PRESET_STACKS:
        raise ParameterError("stack", f"stack must be one of {', '.join(PRESET_STACKS)}")
    title, shape, layers = PRESET_STACKS[stack]
    ctx.update(stack=stack, stack_title=title, stack_input=shape, stack_rows=summarize(shape, layers))
    ctx["stack_total"] = sum(r.params.total for r in ctx["stack_rows"])
    return ctx


@router.get("/shapes")
@cached_page
def shapes_page(request: Request):
    state = {k: request.query_params[k] for k in KEYS if request.query_params.get(k)}
    fallback = {"state": state, "examples": EXAMPLES, "unknowns": UNKNOWNS, "stacks": PRESET_STACKS}
    return respond(request, "pages/shapes.html", "partials/lecture_shapes.html", lambda: build(state), fallback)
