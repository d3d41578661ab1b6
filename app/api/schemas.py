"""Request and response models of the JSON API, and the size limits every route enforces.

Arrays are nested JSON lists, channels last. Their shape and values are checked by the engine
(rank, rectangular, finite) after the cheap size limits here, so a caller always learns which
field broke which rule.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..engine.arrays import as_array
from ..engine.errors import ParameterError
from ..engine.kernels import PRESETS, kernel_from
from ..problems import Problem
from ..settings import Settings
from ..state.fields import parse_preset
from ..state.specs import API_KERNEL, bound
from . import rules

NOTES_GRID: list[Any] = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]



def _integral(value: Any) -> Any:
    """JSON Schema counts 2.0 as an integer (2020-12), so the API does too: 2.0 → 2; 2.5 stays and is refused."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**63 else value


Whole = Annotated[int, BeforeValidator(_integral)]  # a strict int that also takes an integral float
Count = Annotated[int, Field(ge=0), BeforeValidator(_integral)]  # a whole number ≥ 0
Stride = Whole | list[Whole]
Padding = Whole | Literal["valid", "same"] | list[Whole | list[Whole]]


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
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    404: {"model": ProblemBody, "description": "`image_id` names no stored image (evicted, or never uploaded here)"},
}


# OpenAPI links from an upload's answer (its `id`) to the operations that take it: clients and Schemathesis's
# stateful phase follow them (upload → convolve or trace the image → fetch it as PNG).
UPLOAD_LINKS: dict[str, Any] = {
    "ConvolveTheUpload": {
        "operationId": "conv_api_conv_post",
        "requestBody": {"image_id": "$response.body#/id", "input": None, "kernel": "sharpen", "kernels": None, "bias": 0},
        "description": "Convolve the uploaded image (`image_id` = `id`)",
    },
    "TraceTheUpload": {
        "operationId": "conv_trace_api_trace_post",
        "requestBody": {"image_id": "$response.body#/id", "input": None, "kernel": "edge", "kernels": None, "bias": 0,
                        "step": 0},
        "description": "Step 0 of a correlation over the uploaded image",
    },
    "FetchTheUpload": {
        "operationId": "image_png_api_images__image_id__png_get",
        "parameters": {"path.image_id": "$response.body#/id"},
        "description": "The stored image as PNG",
    },
}


class Geometry(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")

    stride: Stride = Field(1, description="Step of the window per axis (int, or one per axis)",
                           json_schema_extra=rules.STRIDE)
    padding: Padding = Field(0, description='Zero padding: an int, one per axis, [before, after] pairs, "valid" or "same".'
                             " Per-axis lists have one entry per spatial axis of the input.", json_schema_extra=rules.PADDING)
    dilation: Whole | list[Whole] = Field(1, description="Gap between kernel taps (1 = none)", json_schema_extra=rules.DILATION)


class ConvRequest(Geometry):
    """Give exactly one of ``input`` and ``image_id``, and exactly one of ``kernel`` and ``kernels``.

    Ranks: an input (n,) takes kernels (k,); (H, W) takes (kh, kw); (H, W, C) takes (kh, kw, C)
    (a volume kernel, summed over the channels) or (kh, kw) (applied to each channel). Rows must
    have equal lengths, and the kernel must fit the padded input.
    """

    input: list[Any] | None = Field(None, description="(n), (H, W) or (H, W, C) numbers; rectangular",
                                    json_schema_extra=rules.nullable(rules.ARRAY))
    image_id: str | None = Field(None, description="Instead of `input`: an uploaded image's id or a sample name",
                                 json_schema_extra=rules.IMAGE_REF)
    kernel: str | list[Any] | None = Field(
        None, description="One kernel (the input's rank, or 2-D on an (H, W, C) input: per channel) or a preset name",
        json_schema_extra=rules.KERNEL,
    )
    kernels: list[Any] | None = Field(None, description="N kernels of one shape → output depth N",
                                      json_schema_extra=rules.KERNELS)
    bias: float | list[float] | None = Field(
        None, description="A number (for `kernel`, or for every one of `kernels`), or one per kernel of `kernels`",
        json_schema_extra=rules.BIAS,
    )
    flip: bool = Field(False, description="True convolution (flip the kernel) instead of cross-correlation")
    spatial_dims: Literal[1, 2] | None = Field(
        None, description="1: the input is a sequence (n, C) of n cells with C channels and kernels are (k, C/groups)"
        " (the text CNN's embeddings, Conv1d). Default: 1 for a flat list, 2 otherwise",
    )
    groups: Whole = Field(
        1, description="Split the C input channels into this many groups; each of the N `kernels` is (kh, kw, C/groups)"
        " and kernel n sees group n // (N / groups) only (PyTorch, ONNX). Must divide C and N; depthwise is groups = C.",
        json_schema_extra=rules.POSITIVE,
    )

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


class TransposeRequest(Geometry):
    """The forward layer turned over: ``output = Wᵀ·input`` with the forward layer's own kernels.

    N kernels (kh, kw, C/groups) turn an (H', W', N) input into (H, W, C); one kernel (k) or (kh, kw)
    turns (n') or (H', W') into (n) or (H, W); kernels (N, k) turn (n', N) into (n). Output size per
    axis: ``(n' − 1)·s − p_before − p_after + d·(k − 1) + output_padding + 1``.
    """

    model_config = ConfigDict(
        strict=True, allow_inf_nan=False, extra="forbid",
        json_schema_extra={"examples": [{"input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]], "stride": 2}]},
    )

    input: list[Any] = Field(description="The forward layer's output shape: (n'), (H', W'), (n', N) or (H', W', N)",
                             json_schema_extra=rules.ARRAY)
    kernel: str | list[Any] | None = Field(None, description="One kernel, (k) or (kh, kw), or a 2-D preset name",
                                           json_schema_extra=rules.KERNEL)
    kernels: list[Any] | None = Field(None, description="The forward layer's N kernels; N = the input's last axis",
                                      json_schema_extra=rules.KERNELS)
    bias: float | list[float] | None = Field(None, description="A number, or one per output channel C",
                                             json_schema_extra=rules.BIAS)
    output_padding: Whole | list[Whole] = Field(
        0, description="Cells added after each axis to pick a larger input size; smaller than the stride or the dilation",
        json_schema_extra=rules.per_axis(rules.NON_NEGATIVE),
    )
    groups: Whole = Field(1, description="As in /api/conv: must divide N (and the kernels are (kh, kw, C/groups))",
                          json_schema_extra=rules.POSITIVE)
    spatial_dims: Literal[1, 2] | None = Field(
        None, description="1: the forward layer read an (n, C) sequence with kernels (k, C/groups), so the input is"
        " (n', N). Default: kernels (N, kh, kw) are a 2-D layer",
    )


class TraceRequest(ConvRequest):
    step: Count = Field(0, description="0-based step, row by row over the output (below the number of output cells)")


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

    input: list[Any] = Field(description="(n), (H, W) or (H, W, C) numbers; rectangular", json_schema_extra=rules.ARRAY)
    size: Whole | list[Whole] = Field(2, description="Pool window size (int or one per axis)", json_schema_extra=rules.POOL_SIZE)
    stride: Whole | list[Whole] | None = Field(None, description="Defaults to the size",
                                           json_schema_extra=rules.nullable(rules.POOL_SIZE))
    padding: Whole | list[Whole | list[Whole]] = Field(
        0, description="An int, one per axis, or [before, after] per axis; each side smaller than the pool's span"
        " d·(size − 1) + 1, and every window must reach an input cell (ONNX's rule; the /pool page keeps PyTorch's"
        " half-span rule)", json_schema_extra=rules.POOL_PADDING,
    )
    op: Literal["max", "avg"] = "max"
    dilation: Whole | list[Whole] = Field(1, description="Gap between the pool's taps (1 = none)",
                                          json_schema_extra=rules.DILATION)
    ceil_mode: bool = Field(False, description="Round the output count up (a last window must start inside the input"
                            " or its left padding)")
    spatial_dims: Literal[1, 2] | None = Field(
        None, description="1: the input is a sequence (n, C) pooled along n, channel by channel. Default: 1 for a flat"
        " list, 2 otherwise (a pooling trace steps (n) or (H, W) only)",
    )
    count_include_pad: bool = Field(True, description="Average: divide by the window's cells in the input and its"
                                    " padding (PyTorch's default), or only those in the input (false, ONNX's default)")


class PoolTraceRequest(PoolRequest):
    input: list[Any] = Field(description="(n) or (H, W) numbers; rectangular", json_schema_extra=rules.PLANE_OR_LINE)
    step: Count = Field(0, description="0-based step, row by row over the output (below the number of output cells)")


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

    input_shape: list[Whole] = Field(description="[n] or [H, W] with `kernel`; [H, W, C] with `kernels`; [n, C] with"
                                   " spatial_dims 1", min_length=1,
                                   max_length=3, json_schema_extra=rules.INPUT_SHAPE)
    kernel: str | list[Any] | None = Field(
        None, description="A preset name (2-D) or numbers with one axis per input axis",
        json_schema_extra=rules.PLANE_KERNEL,
    )
    kernels: list[Any] | None = Field(
        None, description="Instead of `kernel`: N kernels (kh, kw, C/groups) of a layer on an (H, W, C) input; rows run over"
        " the output (H', W', N), columns over the input (H, W, C), channels last",
        json_schema_extra=rules.VOLUME_KERNELS,
    )
    groups: Whole = Field(1, description="With `kernels`: as in /api/conv", json_schema_extra=rules.POSITIVE)
    spatial_dims: Literal[1, 2] | None = Field(
        None, description="1: input_shape [n, C] is a sequence of n cells with C channels, `kernel` is (k, C) or"
        " `kernels` are (k, C/groups) (as in /api/conv); rows run over (n', N), columns over (n, C). Default: 1 for"
        " [n], 2 otherwise",
    )
    flip: bool = False
    transpose: bool = Field(False, description="Return Wᵀ (of the rows asked for): one row per input cell, one column"
                                                " per output cell; Wᵀ·y is POST /api/conv_transpose")
    row_start: Count | None = Field(None, description="First row to build (default 0)")
    row_stop: Count | None = Field(None, description="One past the last row (default: all)")


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
        return parse_preset(value, name, PRESETS).matrix  # the pages' rule for a preset's name
    return kernel_from(checked_array(value, name, settings), max_side=bound(API_KERNEL.side, settings))


def _count_cells(value: Any, limit: int, name: str) -> int:
    """Count leaves without building the array, stopping as soon as the limit is passed.

    Every leaf must be a JSON number: NumPy would otherwise read ``true`` as 1 and ``"2"`` as 2.
    """
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise ParameterError(name, f"{name} must hold only numbers (nested lists of them), found {str(item)[:40]!r}")
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
