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
from .fields import Matrix, parse_int, spell_matrix, spell_per_axis
from .specs import Blocks, Choice, Flag, PerAxis, Schema, Sides, Whole, one_of

MODES = ("scatter", "gather")
MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known
NOTES_KERNEL: Matrix = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.0))  # unsymmetric: the gather's flip shows
CHANNELS_MAX = "max_transpose_channels"  # C, and N too
SIZE = Sides("size", "max_transpose_size", 4)
CHANNELS = Whole("channels", 1, CHANNELS_MAX, 1)
KERNEL = Blocks("kernel", "max_transpose_kernel", lambda settings: settings.max_transpose_channels ** 2)  # N·C
STRIDE = PerAxis("stride", 1, "max_transpose_stride")  # one number for both axes, or rows,columns
PADDING = PerAxis("padding", 0, "max_transpose_padding")
DILATION = Whole("dilation", 1, "max_transpose_dilation", 1)
Y = Blocks("y", "max_transpose_size", CHANNELS_MAX)  # N matrices of the forward output's shape
MODE = Choice("mode", MODES, "scatter")
STEP = Whole("step", 0, MAX_STEP, 0)
PROJECTOR = Flag("projector")


def parse_pair(text: str, filters: int, channels: int, settings: Settings) -> tuple[int, int]:
    """``n,c``: kernel ``n`` (below N), channel ``c`` (below C); each below the most channels first."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ParameterError("pair", f"pair is n,c (kernel n, channel c), got {text[:20]!r}")
    most = CHANNELS.max(settings) - 1
    n, c = parse_int(parts[0], "pair", 0, 0, most), parse_int(parts[1], "pair", 0, 0, most)
    if n >= filters or c >= channels:
        raise ParameterError("pair", f"pair {n},{c}: n must be below N = {filters} (the kernels) and c below C ="
                                     f" {channels} (the channels)")
    return n, c


def spell_blocks(blocks: tuple[Matrix, ...]) -> str:
    return "|".join(spell_matrix(b) for b in blocks)


@dataclass(frozen=True)
class TransposeState(PageState):
    PATH = "/transpose"
    ORDER = ("size", "channels", "kernel", "stride", "padding", "dilation", "y", "pair", "mode", "step", "projector")
    JSON_TYPES = {"stride": int | tuple[int, int], "padding": int | tuple[int, int]}  # as_json: one number when equal

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
        channels = CHANNELS.parse(q.get("channels"), settings)
        kernel = KERNEL.parse(q["kernel"], settings) if (q.get("kernel") or "").strip() else d.kernel
        if len(kernel) % channels:
            raise ParameterError("kernel", f"kernel holds {len(kernel)} matrices, not a multiple of channels = {channels}:"
                                 " N kernels of C channels need N·C matrices (separated by |)")
        filters = len(kernel) // channels
        if filters > lim["filters"]:
            raise ParameterError("kernel", f"kernel holds {filters} kernels of {channels} channel(s); at most"
                                 f" {lim['filters']} kernels fit on the page")
        y_text = (q.get("y") or "").strip()
        pair_text = (q.get("pair") or "").strip()
        state = cls(
            size=SIZE.parse(q.get("size"), settings),
            channels=channels,
            kernel=kernel,
            stride=STRIDE.parse(q.get("stride"), settings, default=d.stride),
            padding=PADDING.parse(q.get("padding"), settings, default=d.padding),
            dilation=DILATION.parse(q.get("dilation"), settings),
            y=Y.parse(y_text, settings) if y_text else None,
            pair=parse_pair(pair_text, filters, channels, settings) if pair_text else (0, 0),
            mode=MODE.parse(q.get("mode")),
            step=STEP.parse(q.get("step"), settings),
            projector=PROJECTOR.parse(q.get("projector")),
        )
        if state.y is not None and state.y == default_y(state.forward_out(), filters):
            state = replace(state, y=None)  # one state, whichever way the default is spelled
        return state

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /transpose.json operation), from the
        specs ``parse`` uses."""
        index = one_of(range(CHANNELS.max(settings)))
        return {
            "size": (SIZE.query_schema(settings), "The forward layer's input: n (n×n) or HxW"),
            "channels": (CHANNELS.query_schema(settings), "C, the forward layer's input channels"),
            "kernel": (KERNEL.query_schema(settings), "N·C matrices of one shape separated by | (kernel n's channel c"
                       " at n·C + c; a multiple of channels), rows ; values ,"),
            "stride": (STRIDE.query_schema(settings), "The forward layer's stride: one number, or rows,columns"),
            "padding": (PADDING.query_schema(settings), "The forward layer's padding: one number, or rows,columns; each at"
                        " most d·(k − 1) of its axis"),
            "dilation": (DILATION.query_schema(settings), "The forward layer's dilation"),
            "y": (Y.query_schema(settings), "What the transposed convolution takes: N matrices of the forward output's"
                  " shape separated by | (absent: 1, 2, 3, …)"),
            "pair": ({"type": "string", "pattern": f"^{index},{index}$"}, "n,c: kernel n (below N), channel c (below C)"),
            "mode": (MODE.query_schema(), "How the output is stepped"),
            "step": (STEP.query_schema(settings), "0-based step (below the number of steps)"),
            "projector": (PROJECTOR.query_schema(), "The projector theme"),
        }

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """W and Wᵀ are drawn whole beside the grids: the layer stays small enough to read (Settings)."""
        return {"size": SIZE.max(settings), "kernel": KERNEL.side_max(settings), "stride": STRIDE.max(settings),
                "padding": PADDING.max(settings), "dilation": DILATION.max(settings), "channels": CHANNELS.max(settings),
                "filters": CHANNELS.max(settings)}

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
