"""The /shapes page's state: sizes for the output-size formula, an optional unknown to solve for,
an optional pooling layer after it, and the layer stack shown below.

>>> ShapesState.parse({"input": "05", "kernel": "3", "padding": "valid", "stack": "alexnet"}, Settings()).url()
'/shapes'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Self

from ..engine.layers import PRESET_STACKS
from ..settings import Settings
from .base import PageState
from .fields import parse_choice, parse_int, parse_padding

UNKNOWNS = ("input", "kernel", "stride", "padding", "output")


@dataclass(frozen=True)
class ShapesState(PageState):
    PATH = "/shapes"
    ORDER = ("input", "kernel", "stride", "padding", "dilation", "channels", "filters", "unknown", "output", "pool",
             "pool_stride", "stack")

    input: int = 5
    kernel: int = 3
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    channels: int = 3
    filters: int = 2
    unknown: str = ""  # "" computes the output; else one of UNKNOWNS is solved for
    output: int = 1
    pool: int | None = None
    pool_stride: int | None = None  # None: the pool size
    stack: str = "alexnet"

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d, lim = query, cls(), cls.limits(settings)

        def whole(name: str, lo: int = 1) -> int:
            return parse_int(q.get(name), name, getattr(d, name), lo, lim[name])

        pool = parse_int(q.get("pool"), "pool", 0, 1, lim["pool"]) if q.get("pool", "").strip() else None
        pool_stride = parse_int(q.get("pool_stride"), "pool_stride", pool or 1, 1, lim["pool"]) if pool else None
        state = cls(
            input=whole("input"), kernel=whole("kernel"), stride=whole("stride"),
            padding=parse_padding(q.get("padding"), hi=lim["padding"], default=0),  # type: ignore[arg-type]
            dilation=whole("dilation"), channels=whole("channels"), filters=whole("filters"),
            unknown=parse_choice(q.get("unknown"), "unknown", UNKNOWNS, ""),
            output=whole("output"), pool=pool, pool_stride=None if pool_stride == pool else pool_stride,
            stack=parse_choice(q.get("stack"), "stack", PRESET_STACKS, "alexnet"),
        )
        # one spelling: the value being solved for is not read, and output is only read when solving
        if state.unknown:
            return replace(state, **{state.unknown: getattr(d, state.unknown)})
        return replace(state, output=d.output)

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """Arithmetic bounds (Settings): sizes, windows (kernel, stride, padding, pool), dilation, channels."""
        size, window, channels = settings.max_shapes_size, settings.max_shapes_window, settings.max_shapes_channels
        return {"input": size, "kernel": window, "stride": window, "padding": window, "dilation": settings.max_shapes_dilation,
                "channels": channels, "filters": channels, "output": size, "pool": window}

    def fields(self) -> dict[str, str]:
        spelled = {name: str(getattr(self, name)) for name in self.ORDER}
        spelled["pool"] = "" if self.pool is None else str(self.pool)
        spelled["pool_stride"] = "" if self.pool is None else str(self.pool_stride or self.pool)
        return spelled

    def defaults(self) -> dict[str, str]:
        return {**ShapesState().fields(), "pool_stride": "" if self.pool is None else str(self.pool)}
