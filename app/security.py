"""Security middleware: a hard cap on request bodies and strict response headers.

Pure ASGI (no BaseHTTPMiddleware) so an oversized body is refused while streaming: we stop
reading once the cap is passed instead of buffering a gigabyte first.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import htmx
from .settings import Settings

SLACK = 64 * 1024  # room for multipart headers and form fields around the file itself
DOCS_PATHS = ("/docs", "/redoc")  # Swagger UI and ReDoc load their assets from a CDN


def content_security_policy(settings: Settings, docs: bool = False) -> str:
    script = htmx.script(settings.htmx_source)
    scripts = ["'self'"]
    if docs:
        scripts += ["https://cdn.jsdelivr.net", "'unsafe-inline'"]
    elif script and script.cross_origin:
        scripts.append(htmx.CDN_ORIGIN)
    ancestors = settings.frame_ancestors.strip() or "'none'"
    styles = "'self' https://cdn.jsdelivr.net 'unsafe-inline'" if docs else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"style-src {styles}",
        "img-src 'self' data: blob:" + (" https://fastapi.tiangolo.com" if docs else ""),
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_upload_bytes + SLACK
        self.csp = content_security_policy(settings)
        self.docs_csp = content_security_policy(settings, docs=True)
        self.deny_framing = not settings.frame_ancestors.strip()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        csp = self.docs_csp if scope["path"].startswith(DOCS_PATHS) else self.csp
        received = 0
        refused = False

        async def capped_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if refused:  # the app turned our exception into its own error: answer 413 instead
                if message["type"] == "http.response.start":
                    await self._too_large(send)
                return
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                if self.deny_framing:
                    extra.append((b"x-frame-options", b"DENY"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_headers)
        except BodyTooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({
            "detail": f"request body is larger than {self.limit} bytes, the limit"
            " (CONVSTEP_MAX_UPLOAD_BYTES plus room for form fields)",
            "field": "file",
        }).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised inside the app when the streamed body passes the cap."""


def install(app: FastAPI, settings: Settings) -> None:
    """Add security middleware to ``app``."""
    app.add_middleware(SecurityMiddleware, settings=settings)
