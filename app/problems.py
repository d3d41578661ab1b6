"""The one error type of the domain modules (imaging, store, sources, uploads, limits).

Framework-free on purpose: these modules never import FastAPI. ``app/errors.py`` is the one place
that turns a ``Problem`` (or the engine's ``ParameterError``) into JSON, a fragment or a page.
"""

from __future__ import annotations


class Problem(Exception):
    """A failure a caller can act on: its HTTP-style status, a message, the field it concerns, and
    any headers the answer must carry (``Retry-After`` on a 429 or 503)."""

    def __init__(self, status_code: int, detail: str, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.param = param
        self.headers = headers or {}
