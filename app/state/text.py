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

from ..engine.text import WIDTHS
from ..settings import Settings
from .base import PageState
from .specs import Schema, Whole, Words

DEFAULT_SENTENCE = "the movie was not good but the acting was great"
SENTENCE = Words("sentence", "max_text_tokens")
FILTER = Whole("filter", 0, len(WIDTHS) - 1, 0)
# below the feature map's length (the words, or the widest filter on a shorter sentence), checked once it is known
STEP = Whole("step", 0, lambda settings: max(settings.max_text_tokens, max(WIDTHS)) - 1)


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
        tokens = SENTENCE.parse(sentence, settings) if sentence.strip() else cls().tokens
        step = q.get("step", "").strip()
        return cls(
            tokens=tokens,
            filter=FILTER.parse(q.get("filter"), settings),
            step=STEP.parse(step, settings) if step else None,
        )

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /text.json operation), from the specs
        ``parse`` uses."""
        return {
            "sentence": (SENTENCE.query_schema(settings), "The sentence: its words (any case; punctuation separates"
                         " words and is dropped)"),
            "filter": (FILTER.query_schema(settings), "Which filter is stepped"),
            "step": (STEP.query_schema(settings), "The window's first word, 0-based (below the feature map's length;"
                     " absent: where max-over-time pooling chose)"),
        }

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        return {"tokens": SENTENCE.max(settings)}

    @property
    def sentence(self) -> str:
        return " ".join(self.tokens)

    def as_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, **super().as_json()}

    def fields(self) -> dict[str, str]:
        return {"sentence": self.sentence, "filter": str(self.filter), "step": "" if self.step is None else str(self.step)}
