"""The /transpose page's state: a small forward layer (its input size, kernel, stride, padding), the
values y the transposed convolution takes (the forward layer's output shape; default 1, 2, 3, …),
how it is stepped (``scatter`` or ``gather``), the step and projector mode.

The default is the notes' 4×4 grid under a 3×3 kernel with stride 2 and padding 1: forward 4×4 → 2×2,
so the transposed convolution turns 2×2 back into 4×4 (with output_padding 1, see the page).

>>> s = TransposeState.parse({"mode": "gather", "stride": "2", "y": "1,2;3,4"}, Settings())
>>> s.url(), s.url(step=3)
('/transpose?mode=gather', '/transpose?mode=gather&step=3')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Self

from ..settings import Settings
from .base import PageState, _jsonable
from .fields import Matrix, parse_choice, parse_int, parse_matrix, spell_matrix

MODES = ("scatter", "gather")
MAX_STEP = 10**9


@dataclass(frozen=True)
class TransposeState(PageState):
    PATH = "/transpose"
    ORDER = ("size", "kernel", "stride", "padding", "y", "mode", "step", "projector")

    size: int = 4  # the forward layer's input: size × size (the notes' 4×4 grid)
    kernel: Matrix = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.0))  # unsymmetric: the gather's flip shows
    stride: int = 2
    padding: int = 1
    y: Matrix | None = None  # None: 1, 2, 3, … in the forward output's shape
    mode: str = "scatter"
    step: int = 0
    projector: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d, lim = query, cls(), cls.limits(settings)
        y_text = (q.get("y") or "").strip()
        state = cls(
            size=parse_int(q.get("size"), "size", d.size, 1, lim["size"]),
            kernel=parse_matrix(q["kernel"], "kernel", lim["kernel"]) if (q.get("kernel") or "").strip() else d.kernel,
            stride=parse_int(q.get("stride"), "stride", d.stride, 1, lim["stride"]),
            padding=parse_int(q.get("padding"), "padding", d.padding, 0, lim["padding"]),
            y=parse_matrix(y_text, "y", lim["size"]) if y_text else None,
            mode=parse_choice(q.get("mode"), "mode", MODES, "scatter"),
            step=parse_int(q.get("step"), "step", 0, 0, MAX_STEP),
            projector=bool(q.get("projector")),
        )
        if state.y is not None and state.y == default_y(state.forward_out()):
            state = replace(state, y=None)  # one state, whichever way the default is spelled
        return state

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """W and Wᵀ are drawn whole beside the grids: the layer stays small enough to read (Settings)."""
        return {"size": settings.max_transpose_size, "kernel": settings.max_transpose_kernel,
                "stride": settings.max_transpose_stride, "padding": settings.max_transpose_padding}

    def fields(self) -> dict[str, str]:
        return {"size": str(self.size), "kernel": spell_matrix(self.kernel), "stride": str(self.stride),
                "padding": str(self.padding), "y": "" if self.y is None else spell_matrix(self.y), "mode": self.mode,
                "step": str(self.step), "projector": "1" if self.projector else ""}

    def defaults(self) -> dict[str, str]:
        return {**TransposeState().fields(), "y": spell_matrix(default_y(self.forward_out()))}

    def forward_out(self) -> tuple[int, int]:
        """The forward layer's output shape, floor((n + 2p − k)/s) + 1 per axis (unchecked: see the view)."""
        return tuple(max(1, (self.size + 2 * self.padding - k) // self.stride + 1)  # type: ignore[return-value]
                     for k in (len(self.kernel), len(self.kernel[0])))

    def as_json(self) -> dict[str, Any]:
        data = super().as_json()
        if self.y is None:
            data["y"] = _jsonable(default_y(self.forward_out()))
        return data


def default_y(shape: tuple[int, int]) -> Matrix:
    """1, 2, 3, … row by row: every y cell's stamp is easy to follow."""
    rows, cols = shape
    return tuple(tuple(float(r * cols + c + 1) for c in range(cols)) for r in range(rows))
