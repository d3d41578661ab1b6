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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..engine.errors import ParameterError
from ..engine.kernels import PRESETS, Preset
from ..engine.shapes import MAX_SIDE
from ..engine.text import tokenize
from ..samples import SAMPLES
from ..settings import Settings
from ..store import ID_PATTERN
from .fields import (
    MAX_ABS,
    Matrix,
    parse_choice,
    parse_int,
    parse_matrix,
    parse_named_or_matrix,
    parse_number,
    parse_padding,
    parse_per_axis,
    parse_vector,
)

# a number, the name of the Settings attribute that holds it, or a function of the settings (a bound known to
# the app rather than configured: the held-out split's size)
Limit = int | str | Callable[[Settings], int]
Schema = dict[str, Any]


def bound(limit: Limit, settings: Settings) -> int:
    value = getattr(settings, limit) if isinstance(limit, str) else limit(settings) if callable(limit) else limit
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

    query_schema = schema

    def max(self, settings: Settings) -> int:
        return bound(self.hi, settings)

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

    query_schema = schema

    def max(self, settings: Settings) -> int:
        return bound(self.hi, settings)

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

    def max(self, settings: Settings) -> int:
        return bound(self.length, settings)

    def query_schema(self, settings: Settings) -> Schema:
        return {"type": "string", "pattern": rf"^{NUMBER}(,{NUMBER}){{0,{bound(self.length, settings) - 1}}}$"}


def matrix_pattern(side: int, cell: str = NUMBER, rows: int | None = None) -> str:
    """Rows ``;`` of at most ``side`` values ``,`` (at most ``rows`` rows, default ``side``), each value ``cell``."""
    row = rf"{cell}(,{cell}){{0,{side - 1}}}"
    return rf"{row}(;{row}){{0,{(side if rows is None else rows) - 1}}}"


def one_of(values: Iterable[int]) -> str:
    """A pattern matching exactly these whole numbers' canonical spellings: ``(0|1|2)``."""
    return "(" + "|".join(str(v) for v in values) + ")"


@dataclass(frozen=True)
class Grid:
    """A matrix ``1,2;3,4`` in a page's query: at most ``side`` rows of at most ``side`` numbers (rows of equal length)."""

    name: str
    side: Limit

    def parse(self, text: str, settings: Settings) -> Matrix:
        return parse_matrix(text, self.name, bound(self.side, settings))

    def query_schema(self, settings: Settings) -> Schema:
        return {"type": "string", "pattern": f"^{matrix_pattern(bound(self.side, settings))}$"}


@dataclass(frozen=True)
class PerAxis:
    """One whole number ``lo..hi`` for both axes, or one per axis ``rows,columns`` (spelled as one when they agree)."""

    name: str
    lo: int
    hi: Limit

    def parse(self, text: str | None, settings: Settings, default: tuple[int, int]) -> tuple[int, int]:
        return parse_per_axis(text, self.name, default, self.lo, bound(self.hi, settings))

    def max(self, settings: Settings) -> int:
        return bound(self.hi, settings)

    def query_schema(self, settings: Settings) -> Schema:
        value = one_of(range(self.lo, bound(self.hi, settings) + 1))
        return {"type": "string", "pattern": f"^{value}(,{value})?$"}


@dataclass(frozen=True)
class Sides:
    """A grid's size: ``n`` (n×n) or ``HxW`` (also ``H×W``, ``H,W``), each side ``1..hi``; blank: ``default`` square."""

    name: str
    hi: Limit
    default: int

    def parse(self, text: str | None, settings: Settings) -> tuple[int, int]:
        if text is None or text.strip() == "":
            return (self.default, self.default)
        parts = text.strip().lower().replace("×", "x").replace(",", "x").split("x")
        if len(parts) > 2:
            raise ParameterError(self.name, f"{self.name} is n or H×W (e.g. 4 or 4x6), got {text.strip()[:20]!r}")
        sides = tuple(parse_int(p, self.name, self.default, 1, bound(self.hi, settings)) for p in parts)
        return (sides[0], sides[-1])

    def max(self, settings: Settings) -> int:
        return bound(self.hi, settings)

    def query_schema(self, settings: Settings) -> Schema:
        side = one_of(range(1, bound(self.hi, settings) + 1))
        return {"type": "string", "pattern": f"^{side}(x{side})?$", "default": str(self.default)}


@dataclass(frozen=True)
class Blocks:
    """Up to ``blocks`` matrices of one shape separated by ``|``, each at most ``side`` × ``side``."""

    name: str
    side: Limit
    blocks: Limit

    def parse(self, text: str, settings: Settings) -> tuple[Matrix, ...]:
        parts = text.strip().strip("|").split("|")
        if any(p.strip() == "" for p in parts) and parts != [""]:
            raise ParameterError(self.name, f"{self.name}: an empty matrix between two bars (||)")
        parts = [p for p in parts if p.strip() != ""]
        if not parts:
            raise ParameterError(self.name, f"{self.name} needs at least one matrix, e.g. 1,2;3,4")
        most = bound(self.blocks, settings)
        if len(parts) > most:
            raise ParameterError(self.name, f"{self.name} has {len(parts)} matrices (separated by |); at most {most}"
                                            " fit on the page")
        blocks = tuple(parse_matrix(p, self.name, bound(self.side, settings)) for p in parts)
        shapes = {(len(b), len(b[0])) for b in blocks}
        if len(shapes) != 1:
            spelled = " and ".join(f"{r}×{c}" for r, c in sorted(shapes))
            raise ParameterError(self.name, f"{self.name}: every matrix needs one shape (got {spelled})")
        return blocks

    def side_max(self, settings: Settings) -> int:
        return bound(self.side, settings)

    def query_schema(self, settings: Settings) -> Schema:
        block = matrix_pattern(bound(self.side, settings))
        return {"type": "string", "pattern": rf"^{block}(\|{block}){{0,{bound(self.blocks, settings) - 1}}}$"}


@dataclass(frozen=True)
class Cells:
    """An H×W×C volume ``1:2,3:4;5:6,7:8`` (rows ``;``, cells ``,``, a cell's channels ``:``): at most ``side``
    rows and cells per row, at most ``channels`` channels per cell, every row and cell alike."""

    name: str
    side: Limit
    channels: Limit

    def parse(self, text: str, settings: Settings) -> tuple[tuple[tuple[float, ...], ...], ...]:
        name, max_side, max_channels = self.name, bound(self.side, settings), bound(self.channels, settings)
        rows = text.strip().strip(";").split(";")
        if any(not r.strip() for r in rows) and rows != [""]:
            raise ParameterError(name, f"{name}: an empty row between two semicolons (;;)")
        rows = [r for r in rows if r.strip()]
        if not rows or len(rows) > max_side:
            raise ParameterError(name, f"{name} needs 1 to {max_side} rows (rows ;, cells ,, channels :), got {len(rows)}")
        out = []
        for row in rows:
            body = row.replace(" ", "")
            cells = (body[:-1] if body.endswith(",") else body).split(",")
            if "" in cells:
                raise ParameterError(name, f"{name}: an empty cell between two commas in row {row.strip()[:40]!r}")
            if not cells or len(cells) > max_side:
                raise ParameterError(name, f"{name} needs 1 to {max_side} cells per row, got {len(cells)}")
            parsed = []
            for cell in cells:
                parts = cell.split(":")
                if len(parts) > max_channels:
                    raise ParameterError(name, f"{name} has {len(parts)} channels; at most {max_channels} fit on the page")
                parsed.append(tuple(parse_number(p, name) for p in parts))
            out.append(tuple(parsed))
        if len({len(r) for r in out}) != 1 or len({len(c) for r in out for c in r}) != 1:
            raise ParameterError(name, f"{name}: every row needs the same number of cells and every cell the same"
                                       " number of channels")
        return tuple(out)

    def query_schema(self, settings: Settings) -> Schema:
        cell = rf"{NUMBER}(:{NUMBER}){{0,{bound(self.channels, settings) - 1}}}"
        return {"type": "string", "pattern": f"^{matrix_pattern(bound(self.side, settings), cell)}$"}


@dataclass(frozen=True)
class Words:
    """A sentence: its words (letters, digits, ``_`` and ``'``; anything else separates them), 1 to ``count`` of them.
    Its canonical spelling is the words in lower case, one space apart."""

    name: str
    count: Limit

    def parse(self, text: str, settings: Settings) -> tuple[str, ...]:
        return tuple(tokenize(text, bound(self.count, settings)))

    def max(self, settings: Settings) -> int:
        return bound(self.count, settings)

    def query_schema(self, settings: Settings) -> Schema:
        return {"type": "string", "pattern": rf"^[a-z0-9_']+( [a-z0-9_']+){{0,{bound(self.count, settings) - 1}}}$"}


@dataclass(frozen=True)
class Choice:
    """One of ``choices`` (blank or absent: ``default``)."""

    name: str
    choices: tuple[str, ...]
    default: str = ""

    def parse(self, text: str | None, settings: Settings | None = None) -> str:
        return parse_choice(text, self.name, self.choices, self.default)

    def query_schema(self, settings: Settings | None = None) -> Schema:
        schema: Schema = {"type": "string", "enum": list(self.choices)}
        if self.default:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class Flag:
    """On when given any non-blank value (a link carries ``1``)."""

    name: str

    def parse(self, text: str | None, settings: Settings | None = None) -> bool:
        return bool(text and text.strip())

    def query_schema(self, settings: Settings | None = None) -> Schema:
        return {"type": "string", "enum": ["1"]}


@dataclass(frozen=True)
class Number:
    """A number ``-1e9..1e9`` (the pages' printable range)."""

    name: str

    def parse(self, text: str | None, settings: Settings | None = None, default: float = 0.0) -> float:
        return parse_number(text, self.name) if text and text.strip() else default

    def query_schema(self, settings: Settings | None = None) -> Schema:
        return {"type": "number", "minimum": -MAX_ABS, "maximum": MAX_ABS, "default": 0}


SWITCH = ("0", "1")  # a page's on/off choice in a link: 1 on, 0 (or absent) the default


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
