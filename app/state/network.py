"""The /network page's state: the input (a held-out sample, or an 8×8 digit on the data set's 0–16
scale, drawn or typed as numbers), the selected cell (``at``) and projector mode.

A sample replaces the grid (``sample=12``; the canonical URL then has no grid). ``at`` names one
cell of a layer with feature maps: ``at=conv2,5,1,3`` is layer conv2, map 5, row 1, column 3
(checked against the layer's shape when the page is built).

>>> NetworkState.parse({"grid": "0,0;0,0"}, Settings())
Traceback (most recent call last):
...
app.engine.errors.ParameterError: grid must be 8×8 (the digit network's input), got 2×2
>>> NetworkState.parse({}, Settings()).url()
'/network'
>>> NetworkState.parse({"at": "conv1, 3,2,05", "sample": "4", "grid": "1,2;3,4"}, Settings()).url()
'/network?sample=4&at=conv1,3,2,5'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..engine.errors import ParameterError
from ..settings import Settings
from .base import PageState
from .fields import Matrix, parse_int, parse_matrix, spell_matrix

# A 7, drawn by the project on the data set's 0–16 scale (not taken from the data set).
SEVEN: Matrix = (
    (0, 0, 0, 0, 0, 0, 0, 0), (0, 4, 16, 16, 16, 16, 12, 0), (0, 0, 0, 0, 0, 10, 14, 0), (0, 0, 0, 0, 2, 16, 6, 0),
    (0, 0, 0, 0, 10, 13, 0, 0), (0, 0, 0, 3, 16, 4, 0, 0), (0, 0, 0, 9, 12, 0, 0, 0), (0, 0, 0, 12, 6, 0, 0, 0),
)
MAX_SAMPLE = 10**6  # the split's real size is checked when the page is built
At = tuple[str, int, int, int]


@dataclass(frozen=True)
class NetworkState(PageState):
    PATH = "/network"
    ORDER = ("sample", "grid", "at", "projector")

    sample: int | None = None
    grid: Matrix = SEVEN
    at: At | None = None
    projector: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q = {k: v for k, v in query.items() if v and v.strip()}
        sample = parse_int(q.get("sample"), "sample", 0, 0, MAX_SAMPLE) if "sample" in q else None
        grid = SEVEN
        if q.get("grid") and sample is None:
            grid = parse_matrix(q["grid"], "grid", 8)
            if len(grid) != 8 or len(grid[0]) != 8:
                raise ParameterError("grid", f"grid must be 8×8 (the digit network's input), got {len(grid)}×{len(grid[0])}")
            if any(not 0 <= v <= 16 for row in grid for v in row):
                raise ParameterError("grid", "grid values must lie between 0 and 16 (the digits data set's scale)")
        return cls(sample=sample, grid=grid, at=_at(q.get("at")), projector=bool(q.get("projector")))

    def fields(self) -> dict[str, str]:
        return {"sample": "" if self.sample is None else str(self.sample),
                "grid": "" if self.sample is not None else spell_matrix(self.grid),
                "at": ",".join(map(str, self.at)) if self.at else "", "projector": "1" if self.projector else ""}


def _at(text: str | None) -> At | None:
    if not text:
        return None
    match = re.fullmatch(r"([a-z][a-z0-9_]{0,30}),(\d{1,4}),(\d{1,4}),(\d{1,4})", text.replace(" ", "").lower())
    if not match:
        raise ParameterError("at", f"at must be layer,map,row,column like conv1,3,2,5, got {text[:40]!r}")
    return match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4))
