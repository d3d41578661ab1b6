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
from .fields import parse_int, parse_vector, spell_vector


@dataclass(frozen=True)
class FlipState(PageState):
    PATH = "/flip"
    ORDER = ("input", "kernel", "at")

    input: tuple[float, ...] = (0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 0.0)
    kernel: tuple[float, ...] = (1.0, 2.0, 3.0)
    at: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q, d, lim = query, cls(), cls.limits(settings)
        at = q.get("at", "").strip()
        return cls(
            input=parse_vector(q["input"], "input", lim["input"]) if q.get("input") else d.input,
            kernel=parse_vector(q["kernel"], "kernel", lim["kernel"]) if q.get("kernel") else d.kernel,
            at=parse_int(at, "at", 0, 0, lim["input"]) if at else None,
        )

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"input": settings.max_flip_input, "kernel": settings.max_flip_kernel}

    def fields(self) -> dict[str, str]:
        return {"input": spell_vector(self.input), "kernel": spell_vector(self.kernel),
                "at": "" if self.at is None else str(self.at)}
