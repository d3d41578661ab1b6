"""The /transpose page's state: a small forward layer (its input size H×W, C input channels, N kernels
kh×kw×C, stride, padding, dilation), the values y the transposed convolution takes (the forward layer's
output, H'×W' per channel, N channels; default 1, 2, 3, …), the channel pair stepped (kernel n's
channel c: y's channel n → the output's channel c), how it is stepped (``scatter`` or ``gather``),
the step and projector mode.

Spellings: ``size=4`` (4×4) or ``size=4x6``; ``kernel`` holds N·C matrices separated by ``|``, kernel
n's channel c at place n·C + c (one matrix: C = N = 1, as before); ``y`` holds N matrices separated
by ``|``; ``pair=n,c``; ``stride`` and ``padding`` are one number for both axes or one per axis
(``stride=2,1``: rows, columns), a pair with equal values spelled as one number.

The default is the notes' 4×4 grid under a 3×3 kernel with stride 2 and padding 1: forward 4×4 → 2×2,
so the transposed convolution turns 2×2 back into 4×4 (with output_padding 1, see the page).

>>> s = TransposeState.parse({"mode": "gather", "stride": "2", "y": "1,2;3,4", "size": "4X4"}, Settings())
>>> s.url(), s.url(step=3), s.url(size=(4, 6))
('/transpose?mode=gather', '/transpose?mode=gather&step=3', '/transpose?size=4x6&mode=gather')
>>> TransposeState.parse({"stride": "2,1", "padding": "1, 1"}, Settings()).url()
'/transpose?stride=2,1'

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Self

from ..engine.errors import ParameterError
from ..settings import Settings
from .base import PageState, _jsonable
from .fields import Matrix, parse_choice, parse_int, parse_matrix, parse_per_axis, spell_matrix, spell_per_axis

MODES = ("scatter", "gather")
MAX_STEP = 10**9
NOTES_KERNEL: Matrix = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.0))  # unsymmetric: the gather's flip shows


def parse_size(text: str | None, hi: int) -> tuple[int, int]:
    """``4`` → (4, 4); ``4x6`` (or ``4×6``, ``4,6``) → (4, 6); each side 1..hi."""
    if text is None or text.strip() == "":
        return (4, 4)
    parts = text.strip().lower().replace("×", "x").replace(",", "x").split("x")
    if len(parts) > 2:
        raise ParameterError("size", f"size is n or H×W (e.g. 4 or 4x6), got {text.strip()[:20]!r}")
    sides = tuple(parse_int(p, "size", 4, 1, hi) for p in parts)
    return (sides[0], sides[-1])


def parse_blocks(text: str, name: str, max_side: int, max_blocks: int) -> tuple[Matrix, ...]:
    """Matrices separated by ``|``, all of one shape, at most ``max_blocks``."""
    parts = [p for p in text.split("|") if p.strip() != ""]
    if not parts:
        raise ParameterError(name, f"{name} needs at least one matrix, e.g. 1,2;3,4")
    if len(parts) > max_blocks:
        raise ParameterError(name, f"{name} has {len(parts)} matrices (separated by |); at most {max_blocks} fit on the page")
    blocks = tuple(parse_matrix(p, name, max_side) for p in parts)
    shapes = {(len(b), len(b[0])) for b in blocks}
    if len(shapes) != 1:
        spelled = " and ".join(f"{r}×{c}" for r, c in sorted(shapes))
        raise ParameterError(name, f"{name}: every matrix needs one shape (got {spelled})")
    return blocks


def spell_blocks(blocks: tuple[Matrix, ...]) -> str:
    return "|".join(spell_matrix(b) for b in blocks)


@dataclass(frozen=True)
class TransposeState(PageState):
    PATH = "/transpose"
    ORDER = ("size", "channels", "kernel", "stride", "padding", "dilation", "y", "pair", "mode", "step", "projector")

    size: tuple[int, int] = (4, 4)  # the forward layer's input: H × W (the notes' 4×4 grid)
    channels: int = 1  # C, the forward layer's input channels (the transposed layer's output channels)
    kernel: tuple[Matrix, ...] = (NOTES_KERNEL,)  # N·C matrices: kernel n's channel c at n·C + c
    stride: tuple[int, int] = (2, 2)  # rows, columns
    padding: tuple[int, int] = (1, 1)  # rows (top and bottom), columns (left and right)
    dilation: int = 1
    y: tuple[Matrix, ...] | None = None  # N matrices; None: 1, 2, 3, … in the forward output's shape
    pair: tuple[int, int] = (0, 0)  # (n, c): y's channel n through kernel n's channel c into the output's channel c
    mode: str = "scatter"
    step: int = 0
    projector: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d, lim = query, cls(), cls.limits(settings)
        channels = parse_int(q.get("channels"), "channels", 1, 1, lim["channels"])
        kernel = (parse_blocks(q["kernel"], "kernel", lim["kernel"], lim["channels"] * lim["filters"])
                  if (q.get("kernel") or "").strip() else d.kernel)
        if len(kernel) % channels:
            raise ParameterError("kernel", f"kernel holds {len(kernel)} matrices, not a multiple of channels = {channels}:"
                                 " N kernels of C channels need N·C matrices (separated by |)")
        filters = len(kernel) // channels
        if filters > lim["filters"]:
            raise ParameterError("kernel", f"kernel holds {filters} kernels of {channels} channel(s); at most"
                                 f" {lim['filters']} kernels fit on the page")
        y_text = (q.get("y") or "").strip()
        pair_text = (q.get("pair") or "").strip()
        pair = (0, 0)
        if pair_text:
            parts = pair_text.split(",")
            if len(parts) != 2:
                raise ParameterError("pair", f"pair is n,c (kernel n, channel c), got {pair_text[:20]!r}")
            pair = (parse_int(parts[0], "pair", 0, 0, filters - 1), parse_int(parts[1], "pair", 0, 0, channels - 1))
        state = cls(
            size=parse_size(q.get("size"), lim["size"]),
            channels=channels,
            kernel=kernel,
            stride=parse_per_axis(q.get("stride"), "stride", d.stride, 1, lim["stride"]),
            padding=parse_per_axis(q.get("padding"), "padding", d.padding, 0, lim["padding"]),
            dilation=parse_int(q.get("dilation"), "dilation", d.dilation, 1, lim["dilation"]),
            y=parse_blocks(y_text, "y", lim["size"], lim["filters"]) if y_text else None,
            pair=pair,
            mode=parse_choice(q.get("mode"), "mode", MODES, "scatter"),
            step=parse_int(q.get("step"), "step", 0, 0, MAX_STEP),
            projector=bool(q.get("projector")),
        )
        if state.y is not None and state.y == default_y(state.forward_out(), filters):
            state = replace(state, y=None)  # one state, whichever way the default is spelled
        return state

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """W and Wᵀ are drawn whole beside the grids: the layer stays small enough to read (Settings)."""
        return {"size": settings.max_transpose_size, "kernel": settings.max_transpose_kernel,
                "stride": settings.max_transpose_stride, "padding": settings.max_transpose_padding,
                "dilation": settings.max_transpose_dilation, "channels": settings.max_transpose_channels,
                "filters": settings.max_transpose_channels}

    @property
    def filters(self) -> int:
        """N, the forward layer's kernels (y's channels)."""
        return len(self.kernel) // self.channels

    def fields(self) -> dict[str, str]:
        h, w = self.size
        return {"size": str(h) if h == w else f"{h}x{w}", "channels": str(self.channels),
                "kernel": spell_blocks(self.kernel), "stride": spell_per_axis(self.stride),
                "padding": spell_per_axis(self.padding),
                "dilation": str(self.dilation), "y": "" if self.y is None else spell_blocks(self.y),
                "pair": f"{self.pair[0]},{self.pair[1]}", "mode": self.mode,
                "step": str(self.step), "projector": "1" if self.projector else ""}

    def defaults(self) -> dict[str, str]:
        return {**TransposeState().fields(), "y": spell_blocks(default_y(self.forward_out(), self.filters))}

    def forward_out(self) -> tuple[int, int]:
        """The forward layer's output shape, floor((n + 2p − d·(k − 1) − 1)/s) + 1 per axis (unchecked: see the view)."""
        kh, kw = len(self.kernel[0]), len(self.kernel[0][0])
        return tuple(max(1, (n + 2 * p - self.dilation * (k - 1) - 1) // s + 1)  # type: ignore[return-value]
                     for n, k, s, p in zip(self.size, (kh, kw), self.stride, self.padding, strict=True))

    def as_json(self) -> dict[str, Any]:
        data = super().as_json()
        for key in ("stride", "padding"):  # as the API takes them: one number, or one per axis
            pair = getattr(self, key)
            data[key] = pair[0] if pair[0] == pair[1] else list(pair)
        if self.y is None:
            data["y"] = _jsonable(default_y(self.forward_out(), self.filters))
        return data


def default_y(shape: tuple[int, int], channels: int = 1) -> tuple[Matrix, ...]:
    """1, 2, 3, … row by row, channel after channel: every y cell's stamp is easy to follow."""
    rows, cols = shape
    return tuple(tuple(tuple(float(ch * rows * cols + r * cols + c + 1) for c in range(cols)) for r in range(rows))
                 for ch in range(channels))
