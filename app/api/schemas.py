"""Request and response models of the JSON API, and the size limits every route enforces.

Arrays are nested JSON lists, channels last. Their shape and values are checked by the engine
(rank, rectangular, finite) after the cheap size limits here, so a caller always learns which
field broke which rule.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..engine.arrays import as_array
from ..engine.kernels import kernel_from
from ..problems import Problem
from ..settings import Settings

NOTES_GRID: list[Any] = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]

Stride = int | list[int]
Padding = int | Literal["valid", "same"] | list[int | list[int]]


class ProblemBody(BaseModel):
    """The JSON of every 4xx answer."""

    model_config = ConfigDict(title="Problem")

    detail: str = Field(description="What is wrong, naming the field and the limit or rule")
    field: str | None = Field(None, description="The offending field, when one is to blame")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ProblemBody, "description": "Unparsable body: not JSON, or a malformed multipart form"},
    413: {"model": ProblemBody, "description": "Too large: the message states the limit"},
    422: {"model": ProblemBody, "description": "Invalid: the message names the field and the rule"},
}


class Geometry(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")

    stride: Stride = Field(1, description="Step of the window per axis (int, or one per axis)")
    padding: Padding = Field(0, description='Zero padding: an int, one per axis, [before, after] pairs, "valid" or "same"')
    dilation: int | list[int] = Field(1, description="Gap between kernel taps (1 = none)")


class ConvRequest(Geometry):
    input: list[Any] | None = Field(None, description="(n), (H, W) or (H, W, C) numbers")
    image_id: str | None = Field(None, description="Instead of `input`: an uploaded image's id or a sample name")
    kernel: str | list[Any] | None = Field(
        None, description="One kernel (same rank as input, or 2-D per channel) or a preset name"
    )
    kernels: list[Any] | None = Field(None, description="N kernels → output depth N")
    bias: float | list[float] | None = Field(None, description="A number, or one per kernel")
    flip: bool = Field(False, description="True convolution (flip the kernel) instead of cross-correlation")

    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"input": NOTES_GRID, "kernel": "sharpen", "padding": 1},
                {"input": NOTES_GRID, "kernel": [[1, 0, -1], [0, 0, 0], [-1, 0, 1]], "stride": 2, "padding": 1},
            ]
        },
    )


class TraceRequest(ConvRequest):
    step: int = Field(0, ge=0, description="0-based step, row by row over the output")


class ConvResponse(BaseModel):
    output: list[Any]
    shape: list[int]
    warnings: list[str]


class PoolRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        json_schema_extra={"examples": [{"input": NOTES_GRID, "size": 2, "op": "max"}]},
    )

    input: list[Any] = Field(description="(n), (H, W) or (H, W, C) numbers")
    size: int | list[int] = Field(2, description="Pool window size (int or one per axis)")
    stride: int | list[int] | None = Field(None, description="Defaults to the size")
    padding: int | list[int | list[int]] = Field(0, description="At most half the size")
    op: Literal["max", "avg"] = "max"


class PoolTraceRequest(PoolRequest):
    step: int = Field(0, ge=0)


class PoolResponse(BaseModel):
    output: list[Any]
    shape: list[int]
    argmax: list[Any] | None = Field(description="For max: the input coordinates of each winner")
    params: int = Field(0, description="Pooling learns nothing: always 0 parameters")
    warnings: list[str]


class MatrixRequest(Geometry):
    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"input_shape": [8], "kernel": [1, 2, 3], "stride": 2},
                {"input_shape": [4, 4], "kernel": "sharpen", "padding": 1},
            ]
        },
    )

    input_shape: list[int] = Field(description="[n] or [H, W]", min_length=1, max_length=2)
    kernel: str | list[Any]
    flip: bool = False
    row_start: int | None = Field(None, ge=0, description="First row to build (default 0)")
    row_stop: int | None = Field(None, ge=0, description="One past the last row (default: all)")


class MatrixResponse(BaseModel):
    matrix: list[list[float]]
    shape: list[int]
    rows: list[int] = Field(description="[start, stop) of the rows returned")
    output_shape: list[int]


def checked_array(value: Any, name: str, settings: Settings, ranks: tuple[int, ...] = (1, 2, 3)) -> np.ndarray:
    """Nested list → array within ``max_array_cells`` (413 otherwise), else engine checks."""
    cells = _count_cells(value, settings.max_array_cells, name)
    if cells > settings.max_array_cells:
        raise Problem(
            413,
            f"{name} has more than {settings.max_array_cells} cells; the limit is"
            f" {settings.max_array_cells} (CONVSTEP_MAX_ARRAY_CELLS)",
            name,
        )
    return as_array(value, name, ranks)


def checked_kernel(value: Any, name: str, settings: Settings) -> np.ndarray:
    """A preset name, or a nested list within the array and kernel-side limits."""
    if isinstance(value, str):
        return kernel_from(value)
    return kernel_from(checked_array(value, name, settings), max_side=settings.max_kernel_size)


def _count_cells(value: Any, limit: int, name: str) -> int:
    """Count leaves without building the array, stopping as soon as the limit is passed."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            count += 1
            if count > limit:
                return count
    return count


def finite_output(array: np.ndarray, name: str = "input") -> np.ndarray:
    """Refuse results that overflowed float64 (JSON cannot carry them)."""
    if not np.isfinite(array).all():
        raise Problem(422, f"the result overflows: {name} or kernel values are too large", name)
    return array
