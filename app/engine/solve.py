"""Solve the output-size formula for its one unknown, in closed form.

Per axis, with ``L = n + 2p − d·(k − 1) − 1`` (how far the window can travel)::

    output = floor(L / s) + 1            exact when L % s == 0

So ``output = o`` holds exactly when ``s·(o − 1) ≤ L ≤ s·o − 1``, and tiles exactly when
``L = s·(o − 1)``. For every unknown that is one contiguous range of whole numbers (at most one
exact value, except a stride that never moves), so each answer is arithmetic, not a search:
O(1) whatever the sizes, which keeps ``/api/shape/solve`` instant for any input it accepts.

>>> solve(input=288, stride=2, padding=0, output=143).solutions
(4,)
>>> solve(input=5, kernel=3, stride=2, padding=1).value
3
>>> solve(input=7, kernel=3, padding=0, output=2).floor_range.text()
'3–4'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import ParameterError
from .shapes import Axis, as_tuple

UNKNOWNS = ("input", "kernel", "stride", "padding", "output")
MINIMUM = {"input": 1, "kernel": 1, "stride": 1, "padding": 0, "output": 1}
LISTED = 32  # ranges are listed value by value up to this many


@dataclass(frozen=True)
class IntRange:
    """Whole numbers ``lo..hi`` inclusive; ``hi=None`` means no upper bound; empty if lo > hi."""

    lo: int
    hi: int | None

    @property
    def empty(self) -> bool:
        return self.hi is not None and self.lo > self.hi

    def __len__(self) -> int:  # only for bounded ranges
        return 0 if self.empty else (self.hi - self.lo + 1 if self.hi is not None else LISTED)

    def __contains__(self, v: int) -> bool:
        return not self.empty and v >= self.lo and (self.hi is None or v <= self.hi)

    def values(self, limit: int = LISTED) -> tuple[int, ...]:
        if self.empty:
            return ()
        stop = self.lo + limit if self.hi is None else min(self.hi + 1, self.lo + limit)
        return tuple(range(self.lo, stop))

    @property
    def truncated(self) -> bool:
        return self.hi is None or len(self) > LISTED

    def text(self) -> str:
        if self.empty:
            return "none"
        if self.hi is None:
            return f"any value ≥ {self.lo}"
        return str(self.lo) if self.lo == self.hi else f"{self.lo}–{self.hi}"

    def as_dict(self) -> dict[str, int | None]:
        return {"min": self.lo, "max": self.hi}


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _clip(lo: int, hi: int | None, minimum: int) -> IntRange:
    return IntRange(max(lo, minimum), hi)


def _one(v: int, minimum: int, ok: bool = True) -> IntRange:
    return IntRange(v, v) if ok and v >= minimum else IntRange(1, 0)


@dataclass(frozen=True)
class Solution:
    """The value of the one unknown, the values that tile exactly, and those frameworks accept."""

    name: str
    value: int
    exact_range: IntRange
    floor_range: IntRange
    explanation: str
    rearranged: str = ""  # the formula solved for the unknown, with the numbers (dilation 1 only)

    @property
    def solutions(self) -> tuple[int, ...]:
        """Values that make the division exact (listed up to ``LISTED``)."""
        return self.exact_range.values()

    @property
    def floor_solutions(self) -> tuple[int, ...]:
        """Values that give the output once frameworks round down (listed up to ``LISTED``)."""
        return self.floor_range.values()


def _ranges(name: str, n: int, k: int, s: int, p: int, o: int, d: int) -> tuple[IntRange, IntRange]:
    """(exact, floor) ranges of the unknown ``name``; the others are given."""
    if name == "input":  # L = n + c
        c = 2 * p - d * (k - 1) - 1
        return _one(s * (o - 1) - c, 1), _clip(s * (o - 1) - c, s * o - 1 - c, 1)
    if name == "padding":  # L = 2p + c
        c = n - d * (k - 1) - 1
        low, high = s * (o - 1) - c, s * o - 1 - c
        return _one(low // 2, 0, low % 2 == 0), _clip(_ceil_div(low, 2), high // 2, 0)
    if name == "kernel":  # L = a − d·(k − 1)
        a = n + 2 * p - 1
        top = a - s * (o - 1)
        exact = _one(top // d + 1, 1, top % d == 0)
        return exact, _clip(_ceil_div(a - s * o + 1, d) + 1, top // d + 1, 1)
    # stride: L is fixed; floor(L / s) = o − 1
    slack = n + 2 * p - d * (k - 1) - 1
    if slack < 0:  # the kernel does not fit at any stride
        return IntRange(1, 0), IntRange(1, 0)
    if o == 1:  # any stride past the slack leaves a single window
        return (IntRange(1, None) if slack == 0 else IntRange(1, 0)), IntRange(slack + 1, None)
    exact = _one(slack // (o - 1), 1, slack % (o - 1) == 0)
    return exact, _clip(slack // o + 1, slack // (o - 1), 1)


def solve(
    *,
    input: int | None = None,  # noqa: A002 - the lecture's own word
    kernel: int | None = None,
    stride: int | None = None,
    padding: int | None = None,
    output: int | None = None,
    dilation: int = 1,
) -> Solution:
    """Find the one missing value of ``output = (input + 2·padding − kernel) / stride + 1``.

    Returns the smallest value that tiles exactly, or if none does, the smallest that frameworks
    accept by rounding down. Raises :class:`ParameterError` naming the unknown when no value works.
    """
    given = {"input": input, "kernel": kernel, "stride": stride, "padding": padding, "output": output}
    missing = [name for name, v in given.items() if v is None]
    if len(missing) != 1:
        raise ParameterError(
            missing[0] if missing else "output",
            "give exactly one unknown among input, kernel, stride, padding and output;"
            f" missing now: {', '.join(missing) or 'none'}",
        )
    (name,) = missing
    for key, v in given.items():
        if v is not None:
            as_tuple(v, 1, key, minimum=MINIMUM[key])
    as_tuple(dilation, 1, "dilation", minimum=1)

    if name == "output":
        assert input is not None and kernel is not None and stride is not None and padding is not None
        axis = Axis(input, kernel, stride, (padding, padding), dilation)
        if not axis.fits:
            raise ParameterError("kernel", f"kernel does not fit: {axis.explain()}")
        exact = IntRange(axis.out, axis.out) if axis.exact else IntRange(1, 0)
        return Solution("output", axis.out, exact, IntRange(axis.out, axis.out), axis.explain())

    known = {key: 0 if v is None else v for key, v in given.items()}  # the unknown's 0 is never read
    exact, floor = _ranges(name, known["input"], known["kernel"], known["stride"], known["padding"], known["output"], dilation)
    if floor.empty:
        others = ", ".join(f"{k} {v}" for k, v in given.items() if v is not None)
        raise ParameterError(
            name, f"no {name} gives output {output} with {others}"
            f"{f', dilation {dilation}' if dilation > 1 else ''}:"
            " output = (input + 2·padding − dilation·(kernel − 1) − 1) / stride + 1 never equals it",
        )
    value = exact.lo if not exact.empty else floor.lo
    values = {**known, name: value}
    axis = Axis(values["input"], values["kernel"], values["stride"], (values["padding"],) * 2, dilation)
    explanation = f"{name} = {value}: {axis.formula()}"
    if exact.empty:
        explanation += f"; no {name} tiles exactly, frameworks round down ({name} {floor.text()} gives {output})"
    elif exact.hi is None or exact.hi > exact.lo:
        explanation += f"; every {name} in {exact.text()} tiles exactly"
    elif floor.hi is None or floor.hi > floor.lo or floor.lo != exact.lo:
        explanation += f"; frameworks round down, so {name} {floor.text()} all give {output}"
    return Solution(name, value, exact, floor, explanation, rearranged(name, known, dilation))


def _fraction(top: int, bottom: int) -> str:
    q = Fraction(top, bottom)
    if q.denominator == 1:
        return str(q.numerator)
    reduced = "" if (q.numerator, q.denominator) == (top, bottom) else f" = {q.numerator}/{q.denominator}"
    return f"{top}/{bottom}{reduced}, not a whole number"


def rearranged(name: str, known: dict[str, int], dilation: int = 1) -> str:
    """``W₂ = (W₁ + 2p − F)/s + 1`` solved for ``name``, then the given numbers put in (dilation 1).

    >>> rearranged("kernel", {"input": 288, "stride": 2, "padding": 0, "output": 143})
    'F = W₁ + 2p − s·(W₂ − 1) = 288 + 2·0 − 2·(143 − 1) = 288 − 2·142 = 4'
    """
    if dilation != 1:
        return ""
    n, k, s, p, o = (known.get(key, 0) for key in ("input", "kernel", "stride", "padding", "output"))
    if name == "kernel":
        return f"F = W₁ + 2p − s·(W₂ − 1) = {n} + 2·{p} − {s}·({o} − 1) = {n + 2 * p} − {s}·{o - 1} = {n + 2 * p - s * (o - 1)}"
    if name == "input":
        value = s * (o - 1) + k - 2 * p
        return f"W₁ = s·(W₂ − 1) + F − 2p = {s}·({o} − 1) + {k} − 2·{p} = {s * (o - 1)} + {k} − {2 * p} = {value}"
    if name == "stride" and o > 1:
        return f"s = (W₁ + 2p − F) / (W₂ − 1) = ({n} + 2·{p} − {k}) / ({o} − 1) = {_fraction(n + 2 * p - k, o - 1)}"
    if name == "padding":
        return f"p = (s·(W₂ − 1) + F − W₁) / 2 = ({s}·({o} − 1) + {k} − {n}) / 2 = {_fraction(s * (o - 1) + k - n, 2)}"
    return ""
