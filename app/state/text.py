"""The /text page's state: the sentence (as its tokens), the filter and the step down the sentence.

The sentence's canonical spelling is its tokens, lower case, one space apart (the page only ever
sees tokens). At most ``Settings.max_text_tokens`` tokens. ``step`` absent means the position the
max-over-time pooling chose; a given step is kept.

>>> TextState.parse({"sentence": "  The MOVIE, was good!"}, Settings()).url()
'/text?sentence=the+movie+was+good'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from ..engine.text import WIDTHS, tokenize
from ..settings import Settings
from .base import PageState
from .fields import parse_int

DEFAULT_SENTENCE = "the movie was not good but the acting was great"


@dataclass(frozen=True)
class TextState(PageState):
    PATH = "/text"
    ORDER = ("sentence", "filter", "step")

    tokens: tuple[str, ...] = tuple(DEFAULT_SENTENCE.split())
    filter: int = 0
    step: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        q = query
        sentence = q.get("sentence", "")
        tokens = tuple(tokenize(sentence, settings.max_text_tokens)) if sentence.strip() else cls().tokens
        step = q.get("step", "").strip()
        return cls(
            tokens=tokens,
            filter=parse_int(q.get("filter"), "filter", 0, 0, len(WIDTHS) - 1),
            step=parse_int(step, "step", 0, 0, max(len(tokens), max(WIDTHS)) - 1) if step else None,
        )

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"tokens": settings.max_text_tokens}

    @property
    def sentence(self) -> str:
        return " ".join(self.tokens)

    def as_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, **super().as_json()}

    def fields(self) -> dict[str, str]:
        return {"sentence": self.sentence, "filter": str(self.filter), "step": "" if self.step is None else str(self.step)}
