"""The /network page's state: an 8×8 digit on the data set's 0–16 scale (typed or drawn as numbers).

>>> NetworkState.parse({"grid": "0,0;0,0"}, Settings())
Traceback (most recent call last):
...
app.engine.errors.ParameterError: grid must be 8×8 (the digit network's input), got 2×2
>>> NetworkState.parse({}, Settings()).url()
'/network'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..engine.errors import ParameterError
from ..settings import Settings
from .base import PageState
from .fields import Matrix, parse_matrix, spell_matrix

# A 7, drawn by the project on the data set's 0–16 scale (not taken from the data set).
SEVEN: Matrix = (
    (0, 0, 0, 0, 0, 0, 0, 0), (0, 4, 16, 16, 16, 16, 12, 0), (0, 0, 0, 0, 0, 10, 14, 0), (0, 0, 0, 0, 2, 16, 6, 0),
    (0, 0, 0, 0, 10, 13, 0, 0), (0, 0, 0, 3, 16, 4, 0, 0), (0, 0, 0, 9, 12, 0, 0, 0), (0, 0, 0, 12, 6, 0, 0, 0),
)


@dataclass(frozen=True)
class NetworkState(PageState):
    PATH = "/network"
    ORDER = ("grid", "projector")

    grid: Matrix = SEVEN
    projector: bool = False

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q = {k: v for k, v in query.items() if v}
        grid = parse_matrix(q["grid"], "grid", 8) if q.get("grid") else SEVEN
        if len(grid) != 8 or len(grid[0]) != 8:
            raise ParameterError("grid", f"grid must be 8×8 (the digit network's input), got {len(grid)}×{len(grid[0])}")
        if any(not 0 <= v <= 16 for row in grid for v in row):
            raise ParameterError("grid", "grid values must lie between 0 and 16 (the digits data set's scale)")
        return cls(grid=grid, projector=bool(q.get("projector")))

    def fields(self) -> dict[str, str]:
        return {"grid": spell_matrix(self.grid), "projector": "1" if self.projector else ""}
