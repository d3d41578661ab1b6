"""The /conv2d stepper's state: an input (the numbers grid, or an image with an optional crop and
channel), a kernel (preset or numbers), bias, stride, padding, dilation, the step, the display
mapping and projector mode.

>>> s = Conv2dState.parse({"kernel": "1,2%3B3,4".replace("%3B", ";"), "padding": "01", "step": "0"}, Settings())
>>> s.url()
'/conv2d?kernel=1,2;3,4'
>>> s.url(step=5, padding="same")
'/conv2d?kernel=1,2;3,4&padding=same&step=5'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np

from ..engine.errors import ParameterError
from ..engine.kernels import PRESETS, Preset
from ..samples import SAMPLES
from ..settings import Settings
from .base import PageState
from .fields import (
    Matrix,
    as_matrix,
    parse_choice,
    parse_number,
    spell_matrix,
    spell_number,
)
from .specs import DENSE_SCHEMA, IMAGE_REF, PAGE_DILATION, PAGE_KERNEL, PAGE_STRIDE, Grid, Kernel, Padding, Schema, Whole, bound

NOTES_GRID = ((35.0, 19.0, 25.0, 6.0), (13.0, 22.0, 16.0, 53.0), (4.0, 3.0, 7.0, 10.0), (9.0, 8.0, 1.0, 3.0))
DEFAULT_KERNEL = "sharpen"
MAPPINGS = ("clip", "stretch", "signed")
# what a colour image is stepped on: brightness (luminance, ITU-R BT.601 luma weights, the default) or one channel
CHANNELS = ("luma", "0", "1", "2")
CHANNEL_NAMES = {"luma": "brightness", "0": "red", "1": "green", "2": "blue"}
MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known
PADDING = Padding("max_page_padding", default=1)
STEP = Whole("step", 0, MAX_STEP, 0)
KEEP_STEP = Whole("keep_step", 0, MAX_STEP)  # the settings form's: the step on screen, clamped once the geometry is known
COMPARE = Kernel("compare", "max_page_kernel_size", ranks=(2,))
GRID = Grid("grid", "max_grid_size")
NOTES_GRID_SPELLED = spell_matrix(NOTES_GRID)


def default_mapping(kernel: np.ndarray) -> str:
    """Kernels that keep brightness (sum 1: blurs, and sharpen too) read best clipped, so a sharpened
    photo looks sharpened, not like pale outlines; edge finders (sum 0) need signed colours."""
    return "clip" if abs(kernel.sum() - 1) < 1e-9 else "signed"


@dataclass(frozen=True)
class Conv2dState(PageState):
    PATH = "/conv2d"
    ORDER = ("image", "orig", "grid", "crop", "channel", "kernel", "compare", "flip", "bias", "stride", "padding",
             "dilation", "step", "mapping", "symbols", "dense", "projector")
    JSON_TYPES = {"grid": Matrix | None, "mapping": str}  # as_json: an image has no grid; the mapping shown

    image: str = ""  # a sample name or an upload's id; "" is the numbers grid
    orig: tuple[int, int] | None = None  # an upload's size before it was reduced (width, height)
    grid: Matrix = NOTES_GRID
    crop: tuple[int, int, int] | None = None  # top, left, size
    channel: str = "luma"  # see CHANNELS; a grey image ignores it
    kernel: Preset | Matrix = PRESETS[DEFAULT_KERNEL]
    flip: bool = False  # True: true convolution (the kernel flipped first); the default is cross-correlation
    bias: float = 0.0
    stride: int = 1
    padding: int | str = 1
    dilation: int = 1
    step: int = 0
    mapping: str | None = None  # None: the kernel's default_mapping
    symbols: bool = False  # W shows the weights' names (w₀ w₁ …) instead of their values
    dense: bool = False  # the W panel also shows the dense W of a fully connected layer (dense=1), for contrast
    projector: bool = False
    compare: Preset | Matrix | None = None  # a second kernel on the same window, side by side (same shape as kernel)
    # a form's "keep the step I was on" (not canonical): resolve() turns it into step, clamped to the new last step
    keep_step: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        """Read the known keys; the form's custom-kernel box fills ``kernel`` when "Custom" is chosen."""
        q = {k: v for k, v in query.items() if v}
        kernel_text = q.get("kernel", "")
        custom = q.get("custom_kernel", "").strip()
        if custom and kernel_text not in PRESETS:
            kernel_text = custom
        image = q.get("image", "").strip()
        explicit_step = "step" in q
        state = cls(
            image=image,
            orig=_original(q.get("orig")) if image else None,
            grid=GRID.parse(q["grid"], settings) if q.get("grid") and not image else NOTES_GRID,
            crop=_crop(q.get("crop"), settings.max_grid_size) if image else None,
            channel=parse_choice(q.get("channel"), "channel", CHANNELS, "luma") if image else "luma",
            kernel=PAGE_KERNEL.parse(kernel_text or DEFAULT_KERNEL, settings),
            flip=parse_choice(q.get("flip"), "flip", ("0", "1"), "0") == "1",
            bias=parse_number(q["bias"], "bias") if q.get("bias") else 0.0,
            stride=PAGE_STRIDE.parse(q.get("stride"), settings),
            padding=PADDING.parse(q.get("padding"), settings),  # type: ignore[arg-type]
            dilation=PAGE_DILATION.parse(q.get("dilation"), settings),
            step=STEP.parse(q.get("step"), settings),
            mapping=parse_choice(q.get("mapping"), "mapping", MAPPINGS, "") or None,
            symbols=parse_choice(q.get("symbols"), "symbols", ("0", "1"), "0") == "1",
            dense=parse_choice(q.get("dense"), "dense", ("0", "1"), "0") == "1",
            projector=bool(q.get("projector")),
            compare=COMPARE.parse(q["compare"], settings) if q.get("compare") else None,
            keep_step=KEEP_STEP.parse(q["keep_step"], settings) if q.get("keep_step") and not explicit_step else None,
        )
        if state.compare is not None and state.compare_matrix.shape != state.kernel_matrix.shape:
            shape = "×".join(map(str, state.kernel_matrix.shape))
            got = "×".join(map(str, state.compare_matrix.shape))
            raise ParameterError("compare", f"compare must have the kernel's shape ({shape}) so both read the same window"
                                            f" and fill an output of one size, got {got}: pick a {shape} kernel (the"
                                            " menu lists them) or step the other one on its own")
        if state.mapping == default_mapping(state.kernel_matrix):
            state = replace(state, mapping=None)  # one spelling: the default mapping is no mapping
        return state

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema (bounds from ``settings``) and meaning, in ``ORDER``: the
        /conv2d.json operation in the OpenAPI document, from the specs ``parse`` uses."""
        side = bound("max_grid_size", settings) - 1
        return {
            "image": (IMAGE_REF, "A sample's name or an upload's id; absent: the numbers grid"),
            "orig": ({"type": "string", "pattern": r"^[0-9]{1,6}x[0-9]{1,6}$"}, "An upload's size before it was reduced"),
            "grid": (GRID.query_schema(settings),
                     "The numbers grid: rows ; values , (rows of equal length); default: the notes' 4×4 grid"),
            "crop": ({"type": "string", "pattern": r"^[0-9]{1,4},[0-9]{1,4},[0-9]{1,2}$"},
                     f"top,left,size of a square region of the image (size 1–{side + 1}, inside the image)"),
            "channel": ({"type": "string", "enum": list(CHANNELS)}, "What a colour image is stepped on"),
            "kernel": (PAGE_KERNEL.query_schema(settings), "A preset's name, or numbers: rows ; values , (rows of equal"
                       " length); it must fit the padded input"),
            "compare": (COMPARE.query_schema(settings), "A second kernel of the kernel's shape (preset or numbers), shown"
                        " beside it on the same window; numbers mode only (the grid, or a crop of an image)"),
            "flip": ({"type": "string", "enum": ["0", "1"], "default": "0"}, "1: true convolution (the kernel flipped"
                     " first); absent or 0: cross-correlation, what CNN layers compute"),
            "bias": ({"type": "number", "minimum": -1e9, "maximum": 1e9, "default": 0}, "Added to every sum"),
            "stride": (PAGE_STRIDE.schema(settings), "Step of the window"),
            "padding": (PADDING.schema(settings), "Zero padding on every side"),
            "dilation": (PAGE_DILATION.schema(settings), "Gap between kernel taps (1 = none)"),
            "step": (STEP.schema(settings), "0-based step, row by row over the output (below the number of output cells)"),
            "mapping": ({"type": "string", "enum": list(MAPPINGS)}, "How an image result is drawn"),
            "symbols": ({"type": "string", "enum": ["0", "1"], "default": "0"}, "1: W shows the weights' names (w₀ w₁ …)"
                        " instead of their values"),
            "dense": DENSE_SCHEMA,
            "projector": ({"type": "string", "enum": ["1"]}, "The projector theme"),
            # the settings form's own keys (not canonical: the page redirects them to the state they mean)
            "custom_kernel": (PAGE_KERNEL.query_schema(settings), "The form's custom-kernel box: the kernel when kernel"
                              " names no preset"),
            "keep_step": (KEEP_STEP.schema(settings), "The form's step on screen: kept, clamped to the new last step"
                          " (ignored when step is given)"),
        }

    @property
    def preset(self) -> Preset | None:
        return self.kernel if isinstance(self.kernel, Preset) else None

    @property
    def kernel_matrix(self) -> np.ndarray:
        return self.kernel.matrix if isinstance(self.kernel, Preset) else np.array(self.kernel, dtype=np.float64)

    @property
    def compare_matrix(self) -> np.ndarray:
        assert self.compare is not None
        return self.compare.matrix if isinstance(self.compare, Preset) else np.array(self.compare, dtype=np.float64)

    @property
    def display_mapping(self) -> str:
        return self.mapping or default_mapping(self.kernel_matrix)

    def fields(self) -> dict[str, str]:
        return {
            "image": self.image,
            "orig": f"{self.orig[0]}x{self.orig[1]}" if self.orig else "",
            "grid": "" if self.image else spell_matrix(self.grid),
            "crop": ",".join(map(str, self.crop)) if self.crop else "",
            "channel": self.channel if self.image else "",
            "kernel": self.kernel.name if isinstance(self.kernel, Preset) else spell_matrix(self.kernel),
            "compare": "" if self.compare is None else
                       self.compare.name if isinstance(self.compare, Preset) else spell_matrix(self.compare),
            "flip": "1" if self.flip else "",
            "bias": spell_number(self.bias),
            "stride": str(self.stride),
            "padding": str(self.padding),
            "dilation": str(self.dilation),
            "step": str(self.step),
            "mapping": self.display_mapping,
            "symbols": "1" if self.symbols else "",
            "dense": "1" if self.dense else "",
            "projector": "1" if self.projector else "",
        }

    def defaults(self) -> dict[str, str]:
        return {
            "grid": NOTES_GRID_SPELLED, "channel": "luma", "kernel": DEFAULT_KERNEL, "bias": "0", "stride": "1",
            "padding": "1", "dilation": "1", "step": "0", "mapping": default_mapping(self.kernel_matrix),
        }

    def summary(self) -> str:
        """The settings bar: "4×4 grid · Sharpen · stride 1 · padding 1" (more only where it is not the default)."""
        if self.image:
            sample = SAMPLES.get(self.image)
            source = f"{sample.label if sample else 'your image ' + self.image[:8]}"
            source += f", crop {self.crop[2]}×{self.crop[2]}" if self.crop else ""
        else:
            source = f"{len(self.grid)}×{len(self.grid[0])} grid"
        parts = [source, _kernel_name(self.kernel)]
        if self.compare is not None:
            parts[-1] += f" vs {_kernel_name(self.compare)}"
        parts += [f"stride {self.stride}", f"padding {self.padding}"]
        if self.dilation != 1:
            parts.append(f"dilation {self.dilation}")
        if self.bias:
            parts.append(f"bias {spell_number(self.bias)}")
        return " · ".join(parts)

    def kernel_text(self) -> str:
        """The custom-kernel box: the numbers of a custom kernel (a preset shows in the select)."""
        return "" if isinstance(self.kernel, Preset) else spell_matrix(self.kernel)

    def as_json(self) -> dict[str, Any]:
        data = super().as_json()
        data["kernel"] = self.kernel.name if isinstance(self.kernel, Preset) else as_matrix(self.kernel_matrix)
        data["mapping"] = self.display_mapping
        if self.compare is not None:
            data["compare"] = self.compare.name if isinstance(self.compare, Preset) else as_matrix(self.compare_matrix)
        data.pop("keep_step", None)  # a form's request, never part of a state
        if self.image:
            data["grid"] = None  # an image replaces the grid
        return data


def _kernel_name(kernel: Preset | Matrix) -> str:
    return kernel.label if isinstance(kernel, Preset) else f"custom {len(kernel)}×{len(kernel[0])} kernel"


MAX_NAME = 80  # characters of an upload's file name kept


def upload_name(text: str) -> str:
    r"""An upload's file name as the page shows it: the last part of a path, control and format characters
    dropped, spaces collapsed, at most MAX_NAME characters (HTML escaping is the templates' job).

    >>> upload_name("C:\\Users\\ada\\Holiday  photo.JPG"), upload_name("a\x00b\u202e.png"), upload_name("../")
    ('Holiday photo.JPG', 'ab.png', '')
    """
    last = re.split(r"[\\/]", text)[-1]
    kept = "".join(c for c in last if not unicodedata.category(c).startswith("C"))
    return " ".join(kept.split())[:MAX_NAME].strip()


def _original(text: str | None) -> tuple[int, int] | None:
    """``orig=WxH``: the upload's size before reduction, carried in the link so the page can say it."""
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,6})x(\d{1,6})", text)
    if not match:
        raise ParameterError("orig", f"orig must be WIDTHxHEIGHT like 4000x3000, got {text[:30]!r}")
    return int(match.group(1)), int(match.group(2))


def _crop(text: str | None, max_side: int) -> tuple[int, int, int] | None:
    """``crop=top,left,size``: a small square region to step with every number visible."""
    if not text:
        return None
    try:
        top, left, size = (int(v) for v in text.split(","))
    except ValueError:
        raise ParameterError("crop", f"crop must be top,left,size (three whole numbers), got {text[:30]!r}") from None
    if not (1 <= size <= max_side and top >= 0 and left >= 0):
        raise ParameterError("crop", f"crop {top},{left},{size} must have size 1–{max_side} and lie inside the image")
    return top, left, size
