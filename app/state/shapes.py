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
from .specs import Choice, Padding, Schema, Whole

UNKNOWNS = ("input", "kernel", "stride", "padding", "output")
SIZE, WINDOW, CHANNELS = "max_shapes_size", "max_shapes_window", "max_shapes_channels"
WHOLES = {  # one per whole-number field, with its default
    "input": (Whole("input", 1, SIZE, 5), "The input's side n (H = W)"),
    "kernel": (Whole("kernel", 1, WINDOW, 3), "The kernel's side k"),
    "stride": (Whole("stride", 1, WINDOW, 1), "The stride s"),
    "dilation": (Whole("dilation", 1, "max_shapes_dilation", 1), "The dilation d (1 = none)"),
    "channels": (Whole("channels", 1, CHANNELS, 3), "The input's channels C"),
    "filters": (Whole("filters", 1, CHANNELS, 2), "The filters N (the output's channels)"),
    "output": (Whole("output", 1, SIZE, 1), "The output's side, read only when solving for another unknown"),
}
PADDING = Padding(WINDOW, default=0)
UNKNOWN = Choice("unknown", UNKNOWNS)
POOL = Whole("pool", 1, WINDOW)
POOL_STRIDE = Whole("pool_stride", 1, WINDOW)  # default: the pool size
STACK = Choice("stack", tuple(PRESET_STACKS), "alexnet")


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
        q, d = query, cls()

        def whole(name: str) -> int:
            return WHOLES[name][0].parse(q.get(name), settings)

        pool = POOL.parse(q.get("pool"), settings) if q.get("pool", "").strip() else None
        pool_stride = POOL_STRIDE.parse(q.get("pool_stride"), settings, default=pool) if pool else None
        state = cls(
            input=whole("input"), kernel=whole("kernel"), stride=whole("stride"),
            padding=PADDING.parse(q.get("padding"), settings),  # type: ignore[arg-type]
            dilation=whole("dilation"), channels=whole("channels"), filters=whole("filters"),
            unknown=UNKNOWN.parse(q.get("unknown")),
            output=whole("output"), pool=pool, pool_stride=None if pool_stride == pool else pool_stride,
            stack=STACK.parse(q.get("stack")),
        )
        # one spelling: the value being solved for is not read, and output is only read when solving
        if state.unknown:
            return replace(state, **{state.unknown: getattr(d, state.unknown)})
        return replace(state, output=d.output)

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /shapes.json operation), from the specs
        ``parse`` uses."""
        described = {name: (spec.query_schema(settings), text) for name, (spec, text) in WHOLES.items()}
        described.update(
            padding=(PADDING.query_schema(settings), "The padding p on every side (same: the output keeps the input's"
                     " size at stride 1; to solve, a number)"),
            unknown=(UNKNOWN.query_schema(), "The value to solve for from the others and output (absent: compute the"
                     " output)"),
            pool=(POOL.query_schema(settings), "A pooling window after the layer (absent: none)"),
            pool_stride=(POOL_STRIDE.query_schema(settings), "The pooling stride (absent: the pool size)"),
            stack=(STACK.query_schema(), "The layer stack shown below"),
        )
        return {name: described[name] for name in cls.ORDER}

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """Arithmetic bounds (Settings): sizes, windows (kernel, stride, padding, pool), dilation, channels."""
        return {**{name: spec.max(settings) for name, (spec, _) in WHOLES.items()},
                "padding": PADDING.max(settings), "pool": POOL.max(settings)}

    def fields(self) -> dict[str, str]:
        spelled = {name: str(getattr(self, name)) for name in self.ORDER}
        spelled["pool"] = "" if self.pool is None else str(self.pool)
        spelled["pool_stride"] = "" if self.pool is None else str(self.pool_stride or self.pool)
        return spelled

    def defaults(self) -> dict[str, str]:
        return {**ShapesState().fields(), "pool_stride": "" if self.pool is None else str(self.pool)}
