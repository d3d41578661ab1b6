"""Responses that more than one face sends: an immutable PNG with its ETag (and 304 on a match).

Image ids are content hashes, samples are versioned with the app and the stepper's pictures are a
pure function of their query, so a PNG URL always means the same picture: it may be kept a year.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

IMMUTABLE = "public, max-age=31536000, immutable"


def not_modified(request: Request, etag: str) -> Response | None:
    """The 304 answer when the client already holds ``etag`` (given unquoted), else None."""
    tag = f'"{etag}"'
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": IMMUTABLE})
    return None


def png_response(request: Request, data: bytes, etag: str) -> Response:
    """``data`` as an immutable PNG tagged ``etag`` (unquoted), or 304 when the client has it."""
    return not_modified(request, etag) or Response(
        data, media_type="image/png", headers={"ETag": f'"{etag}"', "Cache-Control": IMMUTABLE}
    )


def immutable_response(request: Request, make: Callable[[], bytes], etag: str, media_type: str,
                       filename: str | None = None) -> Response:
    """``make()``'s bytes as an immutable ``media_type`` tagged ``etag`` (unquoted), or 304 before anything is
    made when the client has it; ``filename`` names the download (inline: a browser still shows it)."""
    early = not_modified(request, etag)
    if early is not None:
        return early
    headers = {"ETag": f'"{etag}"', "Cache-Control": IMMUTABLE}
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(make(), media_type=media_type, headers=headers)
