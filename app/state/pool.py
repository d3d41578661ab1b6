"""The /pool page's state: the feature map, pool size, stride (default: the size), padding, max or
average, the frameworks' ``ceil_mode`` and ``count_include_pad`` (``1`` or ``0``), the step, and the
direction the invariance panel moves the map.

>>> s = PoolState.parse({"size": "3", "stride": "3", "op": "max", "shift": "right"}, Settings())
>>> s.url(), s.url(stride=1)
('/pool?size=3', '/pool?size=3&stride=1')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from ..settings import Settings
from .base import PageState
from .fields import Matrix, spell_matrix
from .specs import SWITCH, Choice, Grid, Schema, Whole

SHIFTS = {"right": (0, 1), "down": (1, 0), "left": (0, -1), "up": (-1, 0)}  # the notes: "if the object moves"
MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known
INPUT = Grid("input", "max_grid_size")
SIZE = Whole("size", 1, "max_pool_size", 2)
STRIDE = Whole("stride", 1, "max_page_stride")  # default: the size
PADDING = Whole("padding", 0, "max_pool_padding", 0)
OP = Choice("op", ("max", "avg"), "max")
CEIL_MODE = Choice("ceil_mode", SWITCH, "0")
COUNT_INCLUDE_PAD = Choice("count_include_pad", SWITCH, "1")
STEP = Whole("step", 0, MAX_STEP, 0)
SHIFT = Choice("shift", tuple(SHIFTS), "right")


@dataclass(frozen=True)
class PoolState(PageState):
    PATH = "/pool"
    ORDER = ("input", "size", "stride", "padding", "op", "ceil_mode", "count_include_pad", "step", "shift")

    input: Matrix = ((1.0, 1.0, 2.0, 4.0), (5.0, 6.0, 7.0, 8.0), (3.0, 2.0, 1.0, 0.0), (1.0, 2.0, 3.0, 4.0))  # CS231n's
    size: int = 2
    stride: int | None = None  # None: the pool size
    padding: int = 0
    op: str = "max"
    ceil_mode: bool = False  # round the output count up (GoogLeNet, SqueezeNet)
    count_include_pad: bool = True  # an average divides by its padded cells too (PyTorch's default; ONNX's is false)
    step: int = 0
    shift: str = "right"

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d = query, cls()
        size = SIZE.parse(q.get("size"), settings)
        stride = STRIDE.parse(q.get("stride"), settings, default=size)
        return cls(
            input=INPUT.parse(q["input"], settings) if q.get("input") else d.input,
            size=size,
            stride=None if stride == size else stride,
            padding=PADDING.parse(q.get("padding"), settings),
            op=OP.parse(q.get("op")),
            ceil_mode=CEIL_MODE.parse(q.get("ceil_mode")) == "1",
            count_include_pad=COUNT_INCLUDE_PAD.parse(q.get("count_include_pad")) == "1",
            step=STEP.parse(q.get("step"), settings),
            shift=SHIFT.parse(q.get("shift")),
        )

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /pool.json operation), from the specs
        ``parse`` uses."""
        return {
            "input": (INPUT.query_schema(settings), "The feature map: rows ; values , (rows of equal length);"
                      " default: CS231n's 4×4 example"),
            "size": (SIZE.query_schema(settings), "The pool window's side; it must fit the padded input"),
            "stride": (STRIDE.query_schema(settings), "Step of the window (absent: the pool size)"),
            "padding": (PADDING.query_schema(settings), "Padding on every side, at most half the pool size (PyTorch's rule)"),
            "op": (OP.query_schema(), "max or average pooling"),
            "ceil_mode": (CEIL_MODE.query_schema(), "1: round the output count up"),
            "count_include_pad": (COUNT_INCLUDE_PAD.query_schema(), "0: an average divides by its input cells only"),
            "step": (STEP.query_schema(settings), "0-based step (below the number of output cells)"),
            "shift": (SHIFT.query_schema(), "Which way the invariance panel moves the map"),
        }

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"size": SIZE.max(settings), "padding": PADDING.max(settings), "grid": settings.max_grid_size,
                "stride": STRIDE.max(settings)}

    @property
    def pool_stride(self) -> int:
        return self.size if self.stride is None else self.stride

    def fields(self) -> dict[str, str]:
        return {"input": spell_matrix(self.input), "size": str(self.size), "stride": str(self.pool_stride),
                "padding": str(self.padding), "op": self.op, "ceil_mode": "1" if self.ceil_mode else "0",
                "count_include_pad": "1" if self.count_include_pad else "0", "step": str(self.step), "shift": self.shift}

    def defaults(self) -> dict[str, str]:
        return {**PoolState().fields(), "stride": str(self.size)}

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "stride": self.pool_stride}
