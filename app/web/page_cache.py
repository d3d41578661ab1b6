"""Each worker keeps the pages and fragments it rendered, keyed by their URL.

A page is a pure function of its URL: the query holds every choice, samples ship with the app,
and nothing else feeds a page. A classroom stepping through the same example asks for the
same few dozen URLs again and again, so the second student's step is a dictionary lookup
instead of a render. The key is the ASGI scope's path and query string, never anything the
Host header could change. Pages naming an uploaded image are not kept: an upload can be evicted,
and then its page must say "upload it again". Only 200 answers are kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..lru import BytesLRU
from ..store import ID_PATTERN
from .render import is_fragment_request


def install(app) -> None:
    """Give ``app`` its page cache (per app: a page depends on the app's settings, e.g. where htmx comes from)."""
    app.state.pages = BytesLRU(max_bytes=app.state.settings.page_cache_bytes)


def _key(request: Request) -> str | None:
    if ID_PATTERN.fullmatch(request.query_params.get("image", "")):
        return None
    # the fragment asked for (HX-Target) decides which template answers, so it is part of the key
    part = request.headers.get("HX-Target", "") if is_fragment_request(request) else "page"
    # the key comes from the ASGI scope, never from request.url: that URL is rebuilt from the Host
    # header, which the client writes, so a crafted Host could file one page under another's key
    path = request.scope["path"]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}#{part}"


def cached_page(handler: Callable[[Request], HTMLResponse]) -> Callable[[Request], HTMLResponse]:
    @functools.wraps(handler)
    def answer(request: Request) -> HTMLResponse:
        pages: BytesLRU = request.app.state.pages
        key = _key(request)
        kept = pages.get(key) if key else None
        if kept is not None:
            return HTMLResponse(kept, headers={"Vary": "HX-Request", "X-Convstep-Cache": "hit"})
        response = handler(request)
        if key and response.status_code == 200 and isinstance(response, HTMLResponse):
            pages.put(key, bytes(response.body))
        return response

    return answer
