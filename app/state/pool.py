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
from .fields import Matrix, parse_choice, parse_int, parse_matrix, spell_matrix

SHIFTS = {"right": (0, 1), "down": (1, 0), "left": (0, -1), "up": (-1, 0)}  # the notes: "if the object moves"
MAX_STEP = 10**9


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
        q, d, lim = query, cls(), cls.limits(settings)
        size = parse_int(q.get("size"), "size", 2, 1, lim["size"])
        stride = parse_int(q.get("stride"), "stride", size, 1, lim["stride"])
        return cls(
            input=parse_matrix(q["input"], "input", lim["grid"]) if q.get("input") else d.input,
            size=size,
            stride=None if stride == size else stride,
            padding=parse_int(q.get("padding"), "padding", 0, 0, lim["padding"]),
            op=parse_choice(q.get("op"), "op", ("max", "avg"), "max"),
            ceil_mode=parse_choice(q.get("ceil_mode"), "ceil_mode", ("0", "1"), "0") == "1",
            count_include_pad=parse_choice(q.get("count_include_pad"), "count_include_pad", ("1", "0"), "1") == "1",
            step=parse_int(q.get("step"), "step", 0, 0, MAX_STEP),
            shift=parse_choice(q.get("shift"), "shift", SHIFTS, "right"),
        )

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"size": settings.max_pool_size, "padding": settings.max_pool_padding,
                "grid": settings.max_grid_size, "stride": settings.max_page_stride}

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
