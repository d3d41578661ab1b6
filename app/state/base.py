"""What every page family's state shares: a canonical query, its URL, its JSON twin's URL.

A page is a pure function of its state, and its state is a frozen dataclass parsed once from
the query string (``parse``), every limit read from ``Settings``. ``canonical()`` spells it back
as the one query that means it: keys in the class's fixed ``ORDER``, defaults omitted, one
spelling per value (``fields.spell_*``). That query is what step links, form results,
``hx-push-url``, the page cache key and the JSON twin use, so ``kernel=1,2;3,4``,
``kernel=1%2C2%3B3%2C4``, ``padding=01&kernel=...`` and ``padding=1`` are one page.

``,``, ``;`` and ``:`` stay literal in canonical URLs (RFC 3986 allows them in a query), so a matrix
reads as typed: ``/conv2d?grid=1,2;3,4``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Self
from urllib.parse import quote_plus

from ..settings import Settings


def encode(query: Mapping[str, str]) -> str:
    """``{"kernel": "1,2;3,4", "step": "3"}`` → ``kernel=1,2;3,4&step=3``."""
    return "&".join(f"{quote_plus(k)}={quote_plus(v, safe=',;:')}" for k, v in query.items())


@dataclasses.dataclass(frozen=True)
class PageState:
    """Base of every page's state. Subclasses set ``PATH`` and ``ORDER`` and implement
    ``parse``, ``fields`` (every field spelled, defaults included) and ``defaults``."""

    PATH: ClassVar[str]
    ORDER: ClassVar[tuple[str, ...]]
    # fields whose ``as_json`` value has another type than the field (the twin's schema reads it: app/api/twin_schemas.py)
    JSON_TYPES: ClassVar[dict[str, Any]] = {}

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        raise NotImplementedError

    def fields(self) -> dict[str, str]:
        """Every field's canonical spelling, defaults included ("" for an absent optional field)."""
        raise NotImplementedError

    def defaults(self) -> dict[str, str]:
        """The spelling each field has when the query leaves it out (may depend on other fields;
        by default the fields of the class's default state)."""
        return type(self)().fields()

    def canonical(self) -> dict[str, str]:
        """The canonical query: ``ORDER``'s keys, defaults and empty values left out."""
        cached = self.__dict__.get("_canonical")
        if cached is None:
            spelled, defaults = self.fields(), self.defaults()
            cached = {k: spelled[k] for k in self.ORDER if spelled.get(k, "") != "" and spelled[k] != defaults.get(k, "")}
            object.__setattr__(self, "_canonical", cached)
        return cached

    @property
    def query_string(self) -> str:
        """``canonical()`` encoded, kept on the state like it (a request asks for it several times: the
        redirect check, the cache key, the twin's URL, the step links)."""
        cached = self.__dict__.get("_query_string")
        if cached is None:
            cached = encode(self.canonical())
            object.__setattr__(self, "_query_string", cached)
        return cached

    def url(self, **changes: Any) -> str:
        """The canonical URL of this state, or of this state with ``changes`` (field values, typed)."""
        state = dataclasses.replace(self, **changes) if changes else self
        query = state.query_string
        return f"{self.PATH}?{query}" if query else self.PATH

    def json_url(self) -> str:
        query = self.query_string
        return f"{self.PATH}.json?{query}" if query else f"{self.PATH}.json"

    def form(self, raw: Mapping[str, str] | None = None) -> dict[str, str]:
        """What the page's form shows: every field's value, or what the user typed (``raw``)."""
        values = self.fields()
        if raw:
            values.update({k: v for k, v in raw.items() if k in values})
        return values

    def summary(self) -> str:
        """The settings bar's one line: what differs from the page's default example ("kernel 1,2,3 · stride 2")."""
        shown = {k: v for k, v in self.canonical().items() if k not in ("step", "projector")}
        parts = [f"{k.replace('_', ' ')} {v if len(v) <= 24 else v[:22] + '…'}" for k, v in shown.items()]
        return " · ".join(parts) or "the default example"

    def as_json(self) -> dict[str, Any]:
        """The state with every field typed (numbers as numbers), defaults included."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if hasattr(value, "name") and not isinstance(value, str | int | float | bool):
        return value.name  # a preset
    return value


class StepLinks:
    """``state.url(step=i)`` for many ``i`` at once: a stepping page links every grid cell and
    W row to a step, so the query around ``step`` is encoded once, not once per link.

    >>> from app.state.conv1d import Conv1dState
    >>> from app.settings import Settings
    >>> here = StepLinks(Conv1dState.parse({"stride": "2", "kernel": "1,1"}, Settings()))
    >>> here(0), here(4)
    ('/conv1d?kernel=1,1&stride=2', '/conv1d?kernel=1,1&stride=2&step=4')
    """

    def __init__(self, state: PageState, key: str = "step") -> None:
        self.state, self.key = state, key
        query = {k: v for k, v in state.canonical().items() if k != key}
        at = state.ORDER.index(key)
        before = {k: v for k, v in query.items() if state.ORDER.index(k) < at}
        after = {k: v for k, v in query.items() if state.ORDER.index(k) > at}
        self._before, self._after = encode(before), encode(after)
        self._default = state.defaults().get(key, "0")

    def __call__(self, step: int) -> str:
        value = str(step)
        parts = (self._before, "" if value == self._default else f"{self.key}={value}", self._after)
        query = "&".join(p for p in parts if p)
        return f"{self.state.PATH}?{query}" if query else self.state.PATH
