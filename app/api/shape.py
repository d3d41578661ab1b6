"""GET /api/shape, /api/shape/solve and /api/params: shape arithmetic and parameter counts."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Query

from ..engine.errors import ParameterError
from ..engine.shapes import POOL_PARAMS, conv_params, geometry
from ..engine.solve import solve
from ..state.fields import parse_padding
from .schemas import ERROR_RESPONSES

router = APIRouter(tags=["shapes"])


# The text forms of the size parameters, stated in the OpenAPI document as patterns and enforced by ints():
# one number, or one per axis (two), each a whole number from the minimum to LARGEST (leading zeros allowed).
LARGEST = 999_999
SIZES = r"^0*[1-9][0-9]{0,5}(,0*[1-9][0-9]{0,5})?$"  # 1 … 999999, once or per axis
PADS = r"^(valid|same|0*[0-9]{1,6}(,0*[0-9]{1,6})?)$"  # 0 … 999999, once or per axis, or a mode


def ints(text: str | None, name: str, axes: int | None = None, minimum: int = 1) -> list[int]:
    """ "5" or "5,5" (one per axis) → list of ints; errors name the parameter and the rule."""
    if text is None or text == "":
        raise ParameterError(name, f"{name} is required: a whole number, or one per axis like 5,5")
    if not re.fullmatch(r"[0-9]+(,[0-9]+)*", text):
        raise ParameterError(name, f"{name} must be a whole number or numbers separated by commas, got {text[:40]!r}")
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:  # more digits than Python converts
        raise ParameterError(name, f"{name} must be at most {LARGEST}, got {text[:40]!r}") from None
    for v in values:
        if not minimum <= v <= LARGEST:
            rule = f"at least {minimum}" if v < minimum else f"at most {LARGEST}"
            raise ParameterError(name, f"{name} must be {rule}, got {v}")
    if len(values) > 2:
        raise ParameterError(name, f"{name} takes 1 or 2 values (one, or one per axis), got {len(values)}")
    if axes is not None and len(values) == 1:
        values *= axes
    return values


def padding_spec(text: str, axes: int) -> int | str | list[int]:
    """The schema's strict spelling (PADS) first, then the one padding parser pages share."""
    if not re.fullmatch(PADS, text):
        raise ParameterError("padding", f'padding must be "valid", "same", a whole number or one per axis, got {text[:40]!r}')
    return parse_padding(text, hi=LARGEST, axes=axes)


@router.get("/shape", responses=ERROR_RESPONSES, summary="Output size, exactness and parameter count")
def shape(
    input: str = Query(..., description='Input size: "5" or "5,5" (H,W)', examples=["5"],  # noqa: A002
                       json_schema_extra={"pattern": SIZES}),
    kernel: str = Query(..., description='Kernel (or pool) size: "3" or "3,3"; it must fit the padded input', examples=["3"],
                        json_schema_extra={"pattern": SIZES}),
    stride: str = Query("1", description='"2" or "2,1"', json_schema_extra={"pattern": SIZES}),
    padding: str = Query("0", description='"valid", "same", a number, or one per axis', json_schema_extra={"pattern": PADS}),
    dilation: str = Query("1", description='"1" (none) or one per axis', json_schema_extra={"pattern": SIZES}),
    channels: int = Query(1, ge=1, le=1_000_000, description="Input channels C"),
    filters: int = Query(1, ge=1, le=1_000_000, description="Number of filters N = output depth"),
    layer: Literal["conv", "pool"] = Query("conv", description="pool: same formula, no parameters, depth = C"),
) -> dict[str, Any]:
    """``W2 = (W1 + 2p − F) / s + 1`` per axis (with dilation, F becomes d·(F − 1) + 1).
    ``valid`` is false when the division is not exact; ``output`` is then the floor value that
    frameworks use and ``explanation`` says which cells are never visited."""
    if input is not None and input.count(",") > 1:
        raise ParameterError("input", f"input takes 1 or 2 sizes (a square side, or height,width), got {input.count(',') + 1}")
    n = ints(input, "input", 2)  # one number means a square input, as in the lecture
    axes = len(n)
    k = ints(kernel, "kernel", axes)
    g = geometry(n, k, ints(stride, "stride", axes), padding_spec(padding, axes), ints(dilation, "dilation", axes))
    params = POOL_PARAMS if layer == "pool" else conv_params(k, channels, filters)
    depth = channels if layer == "pool" else filters
    return {
        "output": list(g.out_shape),
        "depth": depth,
        "output_volume": list(g.out_shape) + [depth],
        "valid": g.exact,
        "explanation": "; ".join(g.explanations()) + f"; depth = {'C' if layer == 'pool' else 'N'} = {depth}",
        "axes": [
            {"name": a.name, "output": a.out, "exact": a.exact, "formula": a.formula(), "unvisited": a.unvisited} for a in g.axes
        ],
        "params": params.as_dict(),
    }


@router.get("/shape/solve", responses=ERROR_RESPONSES, summary="Solve for one unknown of the output-size formula")
def shape_solve(
    input: int | None = Query(None, ge=1, le=1_000_000),  # noqa: A002
    kernel: int | None = Query(None, ge=1, le=1_000_000),
    stride: int | None = Query(None, ge=1, le=1_000_000),
    padding: int | None = Query(None, ge=0, le=1_000_000),
    output: int | None = Query(None, ge=1, le=1_000_000),
    dilation: int = Query(1, ge=1, le=1_000),
) -> dict[str, Any]:
    """Leave exactly one of input, kernel, stride, padding and output out. ``solutions`` lists
    the values that tile exactly; ``floor_solutions`` those frameworks accept by rounding down
    (each listed up to 32 values; ``exact_range`` and ``floor_range`` give ``min`` and ``max``,
    ``max`` null when unbounded).
    The notes' Ex2 a: ``?input=288&stride=2&padding=0&output=143`` → kernel 4."""
    s = solve(input=input, kernel=kernel, stride=stride, padding=padding, output=output, dilation=dilation)
    return {
        s.name: s.value,
        "unknown": s.name,
        "solutions": list(s.solutions),
        "floor_solutions": list(s.floor_solutions),
        "exact_range": s.exact_range.as_dict(),
        "floor_range": s.floor_range.as_dict(),
        "explanation": s.explanation,
    }


@router.get("/params", responses=ERROR_RESPONSES, summary="Learnable parameters of a conv layer")
def params(
    kernel: str = Query(..., description='Kernel size: "11" or "11,11"', json_schema_extra={"pattern": SIZES}),
    channels: int = Query(..., ge=1, le=1_000_000),
    filters: int = Query(..., ge=1, le=1_000_000),
) -> dict[str, Any]:
    """``W_c = k²·C·N`` weights and ``B_c = N`` biases (one per filter)."""
    k = ints(kernel, "kernel", 2)
    count = conv_params(k, channels, filters)
    return {
        **count.as_dict(),
        "formula": f"{'×'.join(map(str, k))}×{channels}×{filters} = {count.weights} weights + {filters} biases = {count.total}",
    }
