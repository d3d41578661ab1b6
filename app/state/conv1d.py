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
from .fields import parse_choice, parse_int, parse_padding, parse_vector, spell_vector

MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known


@dataclass(frozen=True)
class Conv1dState(PageState):
    PATH = "/conv1d"
    ORDER = ("input", "kernel", "stride", "padding", "step", "symbols")

    input: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 7.0, 5.0, 3.0, 1.0)
    kernel: tuple[float, ...] = (1.0, 0.0, -1.0)
    stride: int = 1
    padding: int | str = 0
    step: int = 0
    symbols: bool = False  # W shows the weights' names (w₀ w₁ …) instead of their values

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d, lim = query, cls(), cls.limits(settings)
        return cls(
            input=parse_vector(q["input"], "input", lim["input"]) if q.get("input") else d.input,
            kernel=parse_vector(q["kernel"], "kernel", lim["kernel"]) if q.get("kernel") else d.kernel,
            stride=parse_int(q.get("stride"), "stride", 1, 1, lim["stride"]),
            padding=parse_padding(q.get("padding"), hi=lim["padding"], default=0),  # type: ignore[arg-type]
            step=parse_int(q.get("step"), "step", 0, 0, MAX_STEP),
            symbols=parse_choice(q.get("symbols"), "symbols", ("0", "1"), "0") == "1",
        )

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """What fits on one row of the page (Settings)."""
        return {"input": settings.max_conv1d_input, "kernel": settings.max_conv1d_kernel,
                "stride": settings.max_page_stride, "padding": settings.max_page_padding}

    def fields(self) -> dict[str, str]:
        return {"input": spell_vector(self.input), "kernel": spell_vector(self.kernel), "stride": str(self.stride),
                "padding": str(self.padding), "step": str(self.step), "symbols": "1" if self.symbols else ""}
