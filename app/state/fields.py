"""The query-string formats every page and the API share, parsed once, with errors that name the field.

Vectors are ``1,2,3``; matrices are rows separated by ``;`` and values by ``,``
(``kernel=1,0,-1;2,0,-2;1,0,-1``). Padding is ``valid``, ``same`` or a whole number (the API also
takes one per axis, ``1,2``). A kernel or grid is a preset name or numbers.

Each value has one canonical spelling (``spell_*``): whole numbers without a fraction or leading
zeros (``01`` and ``1.0`` are ``1``), other numbers in Python's shortest round-trip form (so the
value never changes), ``valid`` padding as ``0``.

>>> parse_padding(" SAME ", hi=10), parse_padding("valid", hi=10), parse_padding("02", hi=10)
('same', 0, 2)
>>> spell_matrix(parse_matrix("1.0, 2;3,04", "kernel", 7))
'1,2;3,4'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TypeVar

import numpy as np

from ..engine.errors import ParameterError

MAX_ABS = 1e9  # page inputs are for teaching; keep numbers printable
Matrix = tuple[tuple[float, ...], ...]
P = TypeVar("P")


def parse_number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(name, f"{name}: {text.strip()[:20]!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > MAX_ABS:
        raise ParameterError(name, f"{name}: numbers must be finite and at most {MAX_ABS:g} in size")
    return value + 0.0  # -0.0 → 0.0: one spelling


def parse_vector(text: str, name: str, max_len: int) -> tuple[float, ...]:
    """``"1, 2,3"`` → (1.0, 2.0, 3.0) with at most ``max_len`` values. One trailing comma is forgiven;
    an empty value between two commas is refused rather than dropped (``1,,2`` is a typo, not ``1,2``).

    >>> parse_vector("1,,2", "input", 8)
    Traceback (most recent call last):
    ...
    app.engine.errors.ParameterError: input: value 2 of '1,,2' is empty (two commas in a row)
    """
    body = text.replace(" ", "")
    parts = (body[:-1] if body.endswith(",") else body).split(",")
    if parts == [""]:
        raise ParameterError(name, f"{name} needs at least one number")
    if "" in parts:
        raise ParameterError(name, f"{name}: value {parts.index('') + 1} of {text.strip()[:40]!r} is empty (two commas in a row)")
    if len(parts) > max_len:
        raise ParameterError(name, f"{name} has {len(parts)} values; at most {max_len} fit on the page")
    return tuple(parse_number(p, name) for p in parts)


def parse_matrix(text: str, name: str, max_side: int) -> Matrix:
    """``"1,2;3,4"`` → ((1, 2), (3, 4)); rows must have equal length, at most ``max_side``."""
    rows = text.strip().strip(";").split(";")  # a leading or trailing ; is forgiven, an empty row between two is not
    if rows == [""]:
        raise ParameterError(name, f"{name} needs at least one row, e.g. 1,2;3,4")
    if any(r.strip() == "" for r in rows):
        raise ParameterError(name, f"{name}: an empty row between two semicolons (;;)")
    if len(rows) > max_side:
        raise ParameterError(name, f"{name} has {len(rows)} rows; at most {max_side} fit on the page")
    matrix = tuple(parse_vector(r, name, max_side) for r in rows)
    widths = {len(r) for r in matrix}
    if len(widths) != 1:
        raise ParameterError(name, f"{name}: every row needs the same number of values (got {sorted(widths)})")
    return matrix


def parse_int(text: str | None, name: str, default: int, lo: int, hi: int) -> int:
    """A whole number in ``lo..hi``; absent or blank means ``default``."""
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ParameterError(name, f"{name} must be a whole number, got {text.strip()[:20]!r}") from None
    if not lo <= value <= hi:
        raise ParameterError(name, f"{name} must be between {lo} and {hi}, got {value}")
    return value


def parse_per_axis(text: str | None, name: str, default: tuple[int, int], lo: int, hi: int) -> tuple[int, int]:
    """One whole number for both axes, or one per axis ``rows,columns`` (the API's per-axis form), each ``lo..hi``.

    >>> parse_per_axis("2", "stride", (1, 1), 1, 3), parse_per_axis("2, 1", "stride", (1, 1), 1, 3)
    ((2, 2), (2, 1))
    """
    if text is None or text.strip() == "":
        return default
    parts = text.replace(" ", "").split(",")
    if len(parts) > 2:
        raise ParameterError(name, f"{name} takes one number or two (rows,columns, e.g. 2,1), got {len(parts)}")
    if "" in parts:
        raise ParameterError(name, f"{name} must be whole numbers (e.g. 2 or 2,1), got {text.strip()[:20]!r}")
    values = [parse_int(part, name, lo, lo, hi) for part in parts]
    return (values[0], values[-1])


def spell_per_axis(values: tuple[int, int]) -> str:
    """The canonical spelling of a per-axis pair: one number when both axes agree (``2``), else ``2,1``."""
    return str(values[0]) if values[0] == values[1] else f"{values[0]},{values[1]}"


def parse_padding(text: str | None, *, hi: int, default: int | str = 0, axes: int | None = None) -> int | str | list[int]:
    """``valid`` (= 0), ``same``, a whole number ``0..hi``; with ``axes``, one number or one per axis (a list).

    >>> parse_padding("1", hi=9, axes=2), parse_padding("1,2", hi=9, axes=2), parse_padding("same", hi=9, axes=2)
    ([1, 1], [1, 2], 'same')
    """
    if text is None or text.strip() == "":
        return default
    mode = text.strip().lower()
    if mode == "same":
        return mode
    if mode == "valid":
        return 0
    parts = mode.replace(" ", "").split(",") if axes else [mode]
    if axes and len(parts) not in (1, axes):
        raise ParameterError("padding", f"padding takes one number or {axes} (one per axis), got {len(parts)}")
    values = []
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise ParameterError("padding", f'padding must be "valid", "same" or a whole number, got {mode[:20]!r}') from None
        if not 0 <= value <= hi:
            raise ParameterError("padding", f"padding must be between 0 and {hi}, got {value}")
        values.append(value)
    if axes:
        return values * axes if len(values) == 1 else values
    return values[0]


def parse_choice(text: str | None, name: str, choices: Iterable[str], default: str) -> str:
    if text is None or text.strip() == "":
        return default
    options = list(choices)
    if text not in options:
        raise ParameterError(name, f"{name} must be one of {', '.join(options)}, got {text[:20]!r}")
    return text


def parse_preset(text: str, name: str, named: Mapping[str, P]) -> P:
    """A preset's name (pages' query strings and the API's JSON bodies alike), or a 422 listing the names."""
    if text.strip() in named:
        return named[text.strip()]
    raise ParameterError(name, f"unknown {name} preset {text.strip()[:40]!r}; choose one of {', '.join(named)}")


def parse_named_or_matrix(text: str, name: str, named: Mapping[str, P], max_side: int) -> P | Matrix:
    """A preset's name, or numbers (``1,0;0,1``): the one rule for "preset or numbers" fields."""
    if text.strip() in named or not any(ch.isdigit() for ch in text):
        return parse_preset(text, name, named)
    return parse_matrix(text, name, max_side)


def spell_number(value: float) -> str:
    """The one spelling of a number in a URL: 35.0 → "35", 0.1 → "0.1" (never rounded), -2 → "-2"."""
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def spell_vector(values: Iterable[float]) -> str:
    return ",".join(spell_number(v) for v in values)


def spell_matrix(rows: Iterable[Iterable[float]]) -> str:
    return ";".join(spell_vector(r) for r in rows)


def as_matrix(array: np.ndarray) -> Matrix:
    return tuple(tuple(row) for row in np.atleast_2d(np.asarray(array, dtype=np.float64)).tolist())
