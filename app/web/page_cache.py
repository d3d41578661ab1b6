"""Each worker keeps the pages and fragments it rendered, keyed by their canonical URL.

A page is a pure function of its state: the query holds every choice, samples ship with the app,
and nothing else feeds a page. The key is the state's canonical URL (app/state/base.py), so the
typed ``kernel=1,2;3,4``, the percent-encoded ``kernel=1%2C2%3B3%2C4`` and a reordered or
default-spelled query share one entry. A classroom stepping through the same example asks for
the same few dozen URLs again and again, so the second student's step is a dictionary lookup
instead of a render. The key never comes from ``request.url`` (rebuilt from the Host header,
which the client writes). Pages naming an uploaded image are not kept: an upload can be evicted, and
then its page must say "upload it again". Only 200 answers are kept.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from ..lru import BytesLRU
from ..state.base import PageState
from ..store import ID_PATTERN
from .render import is_fragment_request


def install(app: FastAPI) -> None:
    """Give ``app`` its page cache (per app: a page depends on the app's settings, e.g. where htmx comes from)."""
    app.state.pages = BytesLRU(max_bytes=app.state.settings.page_cache_bytes)


def key(request: Request, state: PageState) -> str | None:
    """The cache key of the answer to ``request`` for ``state``, or None when it must not be kept."""
    if ID_PATTERN.fullmatch(getattr(state, "image", "") or ""):
        return None
    # the fragment asked for (HX-Target) decides which template answers, so it is part of the key
    part = request.headers.get("HX-Target", "") if is_fragment_request(request) else "page"
    return f"{state.url()}#{part}"

