"""One declaration of each field the pages and the API share: how it is parsed, and what the
OpenAPI document says about it, both with their bounds read from ``Settings``.

A bound is a number or the name of the ``Settings`` attribute that holds it (``Limit``), so a
lowered setting changes what a page or the API accepts and what /openapi.json states at once:
``Kernel("kernel", side="max_page_kernel_size")`` parses /conv2d's kernel and describes the
/conv2d.json parameter; ``Kernel("kernel", side="max_kernel_size")`` describes the API bodies'
kernels and bounds what ``checked_kernel`` accepts.

>>> from app.settings import Settings
>>> small = Settings(max_page_stride=3)
>>> PAGE_STRIDE.parse("2", small), PAGE_STRIDE.schema(small)
(2, {'type': 'integer', 'minimum': 1, 'maximum': 3, 'default': 1})
>>> Kernel("kernel", side=2).schema(small)["anyOf"][2]["maxItems"]
2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.kernels import PRESETS, Preset
from ..engine.shapes import MAX_SIDE
from ..samples import SAMPLES
from ..settings import Settings
from ..store import ID_PATTERN
from .fields import Matrix, parse_int, parse_named_or_matrix, parse_padding, parse_vector

Limit = int | str  # a number, or the name of the Settings attribute that holds it
Schema = dict[str, Any]


def bound(limit: Limit, settings: Settings) -> int:
    value = getattr(settings, limit) if isinstance(limit, str) else limit
    assert isinstance(value, int)
    return value


def setting_name(limit: Limit) -> str | None:
    """``"max_kernel_size"`` → ``"CONVSTEP_MAX_KERNEL_SIZE"`` (what an error or a description may quote)."""
    return f"CONVSTEP_{limit.upper()}" if isinstance(limit, str) else None


@dataclass(frozen=True)
class Whole:
    """A whole number ``lo..hi``: a query value (blank: the default) or a JSON integer."""

    name: str
    lo: int
    hi: Limit
    default: int | None = None

    def parse(self, text: str | None, settings: Settings, default: int | None = None) -> int:
        fallback = self.default if default is None else default
        return parse_int(text, self.name, self.lo if fallback is None else fallback, self.lo, bound(self.hi, settings))

    def schema(self, settings: Settings) -> Schema:
        schema: Schema = {"type": "integer", "minimum": self.lo, "maximum": bound(self.hi, settings)}
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def per_axis(self, settings: Settings) -> Schema:
        """The API's form: one value for every spatial axis, or a list of one per axis (1-D: one, 2-D: two)."""
        item = {"type": "integer", "minimum": self.lo, "maximum": bound(self.hi, settings)}
        return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": 2}]}


@dataclass(frozen=True)
class Padding:
    """``valid`` (= 0), ``same``, or a whole number ``0..hi``; the API also takes one per axis or [before, after] pairs."""

    hi: Limit
    default: int | str = 0
    name: str = "padding"

    def parse(self, text: str | None, settings: Settings, axes: int | None = None) -> int | str | list[int]:
        return parse_padding(text, hi=bound(self.hi, settings), default=self.default, axes=axes)

    def schema(self, settings: Settings) -> Schema:
        number = {"type": "integer", "minimum": 0, "maximum": bound(self.hi, settings)}
        return {"anyOf": [number, {"type": "string", "enum": ["valid", "same"]}], "default": self.default}

    def per_axis(self, settings: Settings) -> Schema:
        number = {"type": "integer", "minimum": 0, "maximum": bound(self.hi, settings)}
        pair = {"type": "array", "items": number, "minItems": 2, "maxItems": 2}
        return {"anyOf": [number, {"type": "string", "enum": ["valid", "same"]},
                          {"type": "array", "items": {"anyOf": [number, pair]}, "minItems": 1, "maxItems": 2}]}


def numbers(rank: int, side: int | None = None, sided: int = 0) -> Schema:
    """Nested non-empty arrays of numbers, ``rank`` deep; the outer ``sided`` levels hold at most ``side`` items."""
    schema: Schema = {"type": "number"}
    for depth in range(rank, 0, -1):
        schema = {"type": "array", "items": schema, "minItems": 1}
        if side is not None and depth <= sided:
            schema["maxItems"] = side
    return schema


@dataclass(frozen=True)
class Kernel:
    """A preset's name, or numbers: rows ``;`` values ``,`` in a query, nested lists in JSON.
    Its spatial sides (the first two axes; a volume kernel's channels are not a side) are at most ``side``."""

    name: str
    side: Limit
    ranks: tuple[int, ...] = (1, 2, 3)

    def parse(self, text: str, settings: Settings) -> Preset | Matrix:
        """A page's query value: a preset, or a matrix of at most ``side`` × ``side`` numbers."""
        return parse_named_or_matrix(text, self.name, PRESETS, bound(self.side, settings))

    def preset_schema(self) -> Schema:
        return {"type": "string", "enum": list(PRESETS)}

    def schema(self, settings: Settings) -> Schema:
        """The API's form: a preset name or nested numbers of one of ``ranks``."""
        side = bound(self.side, settings)
        return {"anyOf": [self.preset_schema(), *(numbers(r, side, sided=min(r, 2)) for r in self.ranks)]}

    def query_schema(self, settings: Settings) -> Schema:
        """A page's form: a preset name, or a matrix ``1,0;0,1`` of at most ``side`` rows of ``side`` numbers."""
        n = bound(self.side, settings) - 1
        row = rf"{NUMBER}(,{NUMBER}){{0,{n}}}"
        return {"anyOf": [self.preset_schema(), {"type": "string", "pattern": rf"^{row}(;{row}){{0,{n}}}$"}]}


NUMBER = r"-?[0-9]{1,6}(\.[0-9]{1,6})?"  # the canonical spelling of a page's number, as a pattern


@dataclass(frozen=True)
class Vector:
    """Numbers ``1,2,3`` (at most ``length``) in a page's query."""

    name: str
    length: Limit

    def parse(self, text: str, settings: Settings) -> tuple[float, ...]:
        return parse_vector(text, self.name, bound(self.length, settings))

    def query_schema(self, settings: Settings) -> Schema:
        return {"type": "string", "pattern": rf"^{NUMBER}(,{NUMBER}){{0,{bound(self.length, settings) - 1}}}$"}


# the API's geometry: bounded only by the engine's largest side (cost limits are checked from the geometry)
API_STRIDE = Whole("stride", 1, MAX_SIDE, 1)
API_DILATION = Whole("dilation", 1, MAX_SIDE, 1)
API_PADDING = Padding(MAX_SIDE)
API_KERNEL = Kernel("kernel", "max_kernel_size")

# the pages' geometry: what fits on a page
PAGE_STRIDE = Whole("stride", 1, "max_page_stride", 1)
PAGE_DILATION = Whole("dilation", 1, "max_page_dilation", 1)
PAGE_KERNEL = Kernel("kernel", "max_page_kernel_size", ranks=(2,))

IMAGE_REF: Schema = {"anyOf": [{"type": "string", "enum": list(SAMPLES)}, {"type": "string", "pattern": ID_PATTERN.pattern}]}


# the W panel's dense=1 (/conv2d and /conv1d): the contrast with a fully connected layer, shown or not
DENSE_SCHEMA: tuple[Schema, str] = ({"type": "string", "enum": ["0", "1"], "default": "0"}, "1: under W, the dense W of a"
                                    " fully connected layer between the same input and output, for contrast (its"
                                    " weight count against the kernel's)")
