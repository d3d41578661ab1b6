"""The /flip page's state: input and kernel vectors and the position ``at`` to compare.

``at`` absent means the page's own choice (where convolution and correlation differ most); a
given ``at`` is kept even when it names the same position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ..settings import Settings
from .base import PageState
from .fields import spell_vector
from .specs import Schema, Vector, Whole

INPUT = Vector("input", "max_flip_input")
KERNEL = Vector("kernel", "max_flip_kernel")
AT = Whole("at", 0, "max_flip_input")  # below the output's length, checked once it is known


@dataclass(frozen=True)
class FlipState(PageState):
    PATH = "/flip"
    ORDER = ("input", "kernel", "at")

    input: tuple[float, ...] = (0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 0.0)
    kernel: tuple[float, ...] = (1.0, 2.0, 3.0)
    at: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d = query, cls()
        at = q.get("at", "").strip()
        return cls(
            input=INPUT.parse(q["input"], settings) if q.get("input") else d.input,
            kernel=KERNEL.parse(q["kernel"], settings) if q.get("kernel") else d.kernel,
            at=AT.parse(at, settings) if at else None,
        )

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /flip.json operation), from the specs
        ``parse`` uses."""
        return {
            "input": (INPUT.query_schema(settings), "The input vector: numbers separated by ,"),
            "kernel": (KERNEL.query_schema(settings), "The kernel vector; it must fit the input"),
            "at": (AT.query_schema(settings), "The output position compared (below the output's length; absent: where"
                   " convolution and correlation differ most)"),
        }

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"input": INPUT.max(settings), "kernel": KERNEL.max(settings)}

    def fields(self) -> dict[str, str]:
        return {"input": spell_vector(self.input), "kernel": spell_vector(self.kernel),
                "at": "" if self.at is None else str(self.at)}
