"""Query-string formats shared by every page, parsed with errors that name the parameter.

Vectors are ``1,2,3``; matrices are rows separated by ``;`` and values by ``,``
(``kernel=1,0,-1;2,0,-2;1,0,-1``). Padding is ``valid``, ``same`` or a whole number.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from ..engine.errors import ParameterError

MAX_ABS = 1e9  # page inputs are for teaching; keep numbers printable


def parse_number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(name, f"{name}: {text.strip()[:20]!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > MAX_ABS:
        raise ParameterError(name, f"{name}: numbers must be finite and at most {MAX_ABS:g} in size")
    return value


def parse_vector(text: str, name: str, max_len: int) -> list[float]:
    """``"1, 2,3"`` → [1.0, 2.0, 3.0] with at most ``max_len`` values."""
    parts = [p for p in text.replace(" ", "").split(",") if p != ""]
    if not parts:
        raise ParameterError(name, f"{name} needs at least one number")
    if len(parts) > max_len:
        raise ParameterError(name, f"{name} has {len(parts)} values; at most {max_len} fit on the page")
    return [parse_number(p, name) for p in parts]


def parse_matrix(text: str, name: str, max_side: int) -> list[list[float]]:
    """``"1,2;3,4"`` → [[1, 2], [3, 4]]; rows must have equal length, at most ``max_side``."""
    rows = [r for r in text.strip().strip(";").split(";") if r.strip() != ""]
    if not rows:
        raise ParameterError(name, f"{name} needs at least one row, e.g. 1,2;3,4")
    if len(rows) > max_side:
        raise ParameterError(name, f"{name} has {len(rows)} rows; at most {max_side} fit on the page")
    matrix = [parse_vector(r, name, max_side) for r in rows]
    widths = {len(r) for r in matrix}
    if len(widths) != 1:
        raise ParameterError(name, f"{name}: every row needs the same number of values (got {sorted(widths)})")
    return matrix


def parse_int(text: str | None, name: str, default: int, lo: int, hi: int) -> int:
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ParameterError(name, f"{name} must be a whole number, got {text.strip()[:20]!r}") from None
    if not lo <= value <= hi:
        raise ParameterError(name, f"{name} must be between {lo} and {hi}, got {value}")
    return value


def parse_padding(text: str | None, default: int | str, hi: int = 10) -> int | str:
    if text is None or text.strip() == "":
        return default
    mode = text.strip().lower()
    if mode in ("valid", "same"):
        return mode
    try:
        value = int(mode)
    except ValueError:
        raise ParameterError("padding", f'padding must be "valid", "same" or a whole number, got {mode[:20]!r}') from None
    if not 0 <= value <= hi:
        raise ParameterError("padding", f"padding must be between 0 and {hi}, got {value}")
    return value


def format_number(value: float) -> str:
    """35.0 → "35", 0.1111 → "0.111", -2.5 → "-2.5" (ASCII minus: it goes into URLs)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def format_signed(value: float) -> str:
    """format_number for display: a true minus sign (−2.5), never for URLs."""
    return format_number(value).replace("-", "−")


def format_vector(values) -> str:
    return ",".join(format_number(v) for v in values)


def format_matrix(rows) -> str:
    return ";".join(format_vector(r) for r in rows)


def link(path: str, state: dict[str, object], **changes: object) -> str:
    """A URL for ``path`` with ``state`` updated by ``changes`` (None or "" drops a key)."""
    merged = {**state, **changes}
    query = {k: v for k, v in merged.items() if v is not None and v != ""}
    return f"{path}?{urlencode(query)}" if query else path


class Links:
    """``link(path, state, **changes)`` for one page. A stepping page links every grid cell and
    matrix row to a step, so the state around ``step`` is encoded once, not once per link.

    >>> here = Links("/conv2d", {"kernel": "edge", "step": "3", "stride": "2"})
    >>> here(step=7), here(stride=None)
    ('/conv2d?kernel=edge&step=7&stride=2', '/conv2d?kernel=edge&step=3')
    """

    def __init__(self, path: str, state: dict[str, object]) -> None:
        self.path, self.state = path, state
        keys = list({**state, "step": None})  # step keeps its place in the query, or goes last
        at = keys.index("step")
        encode = lambda names: urlencode({k: state[k] for k in names if state[k] is not None and state[k] != ""})  # noqa: E731
        self._around_step = (encode(keys[:at]), encode(keys[at + 1:]))

    def __call__(self, **changes: object) -> str:
        if changes.keys() == {"step"} and isinstance(changes["step"], int):
            before, after = self._around_step
            step = f"step={changes['step']}"
            return f"{self.path}?{'&'.join(part for part in (before, step, after) if part)}"
        return link(self.path, self.state, **changes)
