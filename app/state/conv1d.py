"""The /conv1d page's state: an input vector, a kernel vector, stride, padding and the step.

>>> s = Conv1dState.parse({"kernel": "1.0,0,-1", "padding": "valid", "step": "3", "stride": "01"}, Settings())
>>> s.url(), s.url(step=0)
('/conv1d?step=3', '/conv1d')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..settings import Settings
from .base import PageState
from .fields import parse_choice, spell_vector
from .specs import DENSE_SCHEMA, PAGE_STRIDE, Padding, Schema, Vector, Whole

MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known
INPUT = Vector("input", "max_conv1d_input")
KERNEL = Vector("kernel", "max_conv1d_kernel")
PADDING = Padding("max_page_padding", default=0)
STEP = Whole("step", 0, MAX_STEP, 0)


@dataclass(frozen=True)
class Conv1dState(PageState):
    PATH = "/conv1d"
    ORDER = ("input", "kernel", "stride", "padding", "step", "symbols", "dense")

    input: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 7.0, 5.0, 3.0, 1.0)
    kernel: tuple[float, ...] = (1.0, 0.0, -1.0)
    stride: int = 1
    padding: int | str = 0
    step: int = 0
    symbols: bool = False  # W shows the weights' names (w₀ w₁ …) instead of their values
    dense: bool = False  # the W panel also shows the dense W of a fully connected layer (dense=1)

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d = query, cls()
        return cls(
            input=INPUT.parse(q["input"], settings) if q.get("input") else d.input,
            kernel=KERNEL.parse(q["kernel"], settings) if q.get("kernel") else d.kernel,
            stride=PAGE_STRIDE.parse(q.get("stride"), settings),
            padding=PADDING.parse(q.get("padding"), settings),  # type: ignore[arg-type]
            step=STEP.parse(q.get("step"), settings),
            symbols=parse_choice(q.get("symbols"), "symbols", ("0", "1"), "0") == "1",
            dense=parse_choice(q.get("dense"), "dense", ("0", "1"), "0") == "1",
        )

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /conv1d.json operation), from the
        specs ``parse`` uses."""
        return {
            "input": (INPUT.query_schema(settings), "The input vector: numbers separated by ,"),
            "kernel": (KERNEL.query_schema(settings), "The kernel vector; it must fit the padded input"),
            "stride": (PAGE_STRIDE.schema(settings), "Step of the window"),
            "padding": (PADDING.schema(settings), "Zero padding on both ends"),
            "step": (STEP.schema(settings), "0-based step (below the number of output cells)"),
            "symbols": ({"type": "string", "enum": ["0", "1"]}, "1: W shows the weights' names"),
            "dense": DENSE_SCHEMA,
        }

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """What fits on one row of the page (Settings)."""
        return {"input": settings.max_conv1d_input, "kernel": settings.max_conv1d_kernel,
                "stride": settings.max_page_stride, "padding": settings.max_page_padding}

    def fields(self) -> dict[str, str]:
        return {"input": spell_vector(self.input), "kernel": spell_vector(self.kernel), "stride": str(self.stride),
                "padding": str(self.padding), "step": str(self.step), "symbols": "1" if self.symbols else "",
                "dense": "1" if self.dense else ""}
