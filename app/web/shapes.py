"""/shapes — the output-size calculator, solving for an unknown, parameter counts, layer stacks.

Every number comes from app.engine.shapes and app.engine.layers; the notes' worked examples are
one click away (Ex1 a and b, Ex2 a and b, both parameter counts).
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter

from ..engine.errors import ParameterError
from ..engine.layers import PRESET_STACKS, Conv, Dense, Pool, summarize
from ..engine.shapes import Geometry, conv_params, geometry
from ..engine.solve import solve
from ..settings import Settings
from ..state.shapes import PADDING, UNKNOWNS, WHOLES, ShapesState
from ..state.specs import setting_name
from . import stride_picture
from .page import Page, add_page, canonical_href

router = APIRouter()
EXAMPLES = [
    ("Ex1 a: 5×5×3, 2 filters, F=3, p=1, s=2", "input=5&kernel=3&padding=1&stride=2&channels=3&filters=2"),
    ("Ex1 b: the same with stride 3", "input=5&kernel=3&padding=1&stride=3&channels=3&filters=2"),
    ("Ex2 a: 288 → 143 with s=2, p=0: F = ? (k = 8 filters in a and b)",
     "input=288&stride=2&padding=0&output=143&unknown=kernel&channels=3&filters=8"),
    ("Ex2 b: then 3×3 max pool, stride 2", "input=288&kernel=4&stride=2&padding=0&channels=3&filters=8&pool=3&pool_stride=2"),
    ("Parameters: 11×11×3, 96 filters", "input=227&kernel=11&stride=4&channels=3&filters=96"),
    ("Parameters: 5×5×96, 256 filters", "input=27&kernel=5&padding=2&channels=96&filters=256"),
]


MAX_PICTURE_CELLS = 40  # padded columns drawn on /shapes (Ex2's 288 are not)


def check_solved(name: str, value: int, settings: Settings) -> None:
    """A solved value within what the page takes for that field (the same bound a typed value has)."""
    spec = PADDING if name == "padding" else WHOLES[name][0]
    if value > spec.max(settings):
        raise ParameterError(name, f"solving for {name} gives {value}, more than this page takes ({spec.max(settings)},"
                                   f" {setting_name(spec.hi)})")


def build(state: ShapesState, settings: Settings) -> dict[str, Any]:
    n, k, s, p, d, c, f = state.input, state.kernel, state.stride, state.padding, state.dilation, state.channels, state.filters
    ctx: dict[str, Any] = {"examples": examples(settings), "unknowns": UNKNOWNS, "stacks": PRESET_STACKS, "solution": None,
                           "limits": ShapesState.limits(settings)}
    if state.unknown:
        if isinstance(p, str):
            raise ParameterError("padding", "to solve, give padding as a number")
        given: dict[str, int | None] = {"input": n, "kernel": k, "stride": s, "padding": p, "output": state.output}
        given[state.unknown] = None
        sol = solve(**given, dilation=d)
        check_solved(state.unknown, sol.value, settings)
        ctx["solution"] = sol
        # the notes answer Ex2 a with "F=2" before working it out to F = 4: say so when that is the question asked
        ex2a = (n, s, p, state.output, state.unknown) == (288, 2, 0, 143, "kernel")
        slip = f"The notes write “F=2” beside this question; their own working, like this page, gives F = {sol.value}."
        ctx["notes_slip"] = slip if ex2a and sol.value != 2 else None
        values = {**given, state.unknown: sol.value}
        n, k, s, p = values["input"], values["kernel"], values["stride"], values["padding"]  # type: ignore[assignment]
    g = geometry((n, n), (k, k), s, p, d)
    ctx.update(g=g, axis=g.axes[0], depth=f, channels=c, params=conv_params(k, c, f), n=n, k=k, s=s, p=p)
    # one axis (the other is the same) as a picture, when its cells can be drawn legibly
    ctx["stride"] = stride_picture.picture(Geometry(g.axes[1:]), None, "column", max_cells=MAX_PICTURE_CELLS)
    if state.pool:
        size = state.pool
        ctx["pooled"] = geometry(g.out_shape, (size, size), state.pool_stride or size, 0)
        ctx["pool_size"] = size
    title, shape, layers = PRESET_STACKS[state.stack]
    rows = summarize(shape, cast(list[Conv | Pool | Dense], layers))
    ctx.update(stack=state.stack, stack_title=title, stack_input=shape, stack_rows=rows)
    ctx["stack_total"] = sum(r.params.total for r in ctx["stack_rows"])
    return ctx


def data(state: ShapesState, view: dict[str, Any]) -> dict[str, Any]:
    g, sol = view["g"], view["solution"]
    out: dict[str, Any] = {
        "output": list(g.out_shape), "depth": view["depth"], "output_volume": [*g.out_shape, view["depth"]],
        "exact": g.exact, "explanation": "; ".join(g.explanations()),
        "axes": [{"name": a.name, "output": a.out, "exact": a.exact, "formula": a.formula(), "unvisited": a.unvisited}
                 for a in g.axes],
        "params": view["params"].as_dict(),
        "solution": None if sol is None else {"unknown": sol.name, "value": sol.value, "solutions": list(sol.solutions),
                                              "explanation": sol.explanation, "rearranged": sol.rearranged},
        "stack": {"name": view["stack"], "title": view["stack_title"], "total_params": view["stack_total"],
                  "layers": [{"index": r.index, "input": list(r.input), "output": list(r.output),
                              "params": r.params.total, "arithmetic": r.arithmetic} for r in view["stack_rows"]]},
    }
    if "pooled" in view:
        out["pooled"] = {"size": view["pool_size"], "output": list(view["pooled"].out_shape), "exact": view["pooled"].exact}
    return out


def examples(settings: Settings) -> list[tuple[str, str]]:
    """The notes' worked examples as canonical links."""
    return [(label, canonical_href(f"/shapes?{query}", settings)) for label, query in EXAMPLES]


def fallback(raw: Any, settings: Settings) -> dict[str, Any]:
    return {"examples": examples(settings), "unknowns": UNKNOWNS, "stacks": PRESET_STACKS, "limits": ShapesState.limits(settings)}


PAGE = Page(ShapesState, "pages/shapes.html", "partials/lecture_shapes.html", build, lambda s, v, settings: v, data, fallback)
add_page(router, PAGE)
