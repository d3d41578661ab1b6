"""Security middleware: a hard cap on request bodies and strict response headers.

Pure ASGI (no BaseHTTPMiddleware) so an oversized body is refused while streaming: we stop
reading once the cap is passed instead of buffering a gigabyte first. The servers are started
without their ``Server`` header (uvicorn ``server_header=False``: ``app.serve``, ``make run``,
the test launcher, ``app.gunicorn_worker``), so nothing here has to strip it.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import htmx, swagger
from .settings import Settings

SLACK = 64 * 1024  # room for multipart headers and form fields around the file itself
DOCS_PATHS = ("/docs", "/redoc")  # Swagger UI (local copy when fetched) and ReDoc (from a CDN)


def content_security_policy(settings: Settings, docs: bool = False, cdn: bool = True) -> str:
    """``docs``: Swagger UI and ReDoc (an inline start-up script, inline styles); ``cdn``: their files come from
    the CDN (False: /docs with the local copy of Swagger UI, app/swagger.py, so nothing leaves this origin)."""
    script = htmx.script(settings.htmx_source)
    scripts = ["'self'"]
    if docs:
        scripts += ["https://cdn.jsdelivr.net", "'unsafe-inline'"] if cdn else ["'unsafe-inline'"]
    elif script and script.cross_origin:
        scripts.append(script.src)  # the one pinned htmx file (with SRI), not the whole CDN
    ancestors = settings.frame_ancestors.strip() or "'none'"
    styles = ("'self' https://cdn.jsdelivr.net 'unsafe-inline'" if cdn else "'self' 'unsafe-inline'") if docs else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"style-src {styles}",
        "img-src 'self' data: blob:" + (" https://fastapi.tiangolo.com" if docs and cdn else ""),
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


# Features no page uses are switched off; full screen stays for the stepper's F key (same origin only).
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "autoplay=()", "camera=()", "display-capture=()", "fullscreen=(self)", "geolocation=()",
    "gyroscope=()", "magnetometer=()", "microphone=()", "midi=()", "payment=()", "publickey-credentials-get=()",
    "screen-wake-lock=()", "serial=()", "usb=()", "xr-spatial-tracking=()",
])


def response_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers every response carries besides the CSP (which depends on the path)."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if not settings.frame_ancestors.strip():
        headers.append((b"x-frame-options", b"DENY"))
    if settings.hsts_seconds > 0:  # only behind HTTPS: a plain-HTTP classroom server must not send it
        headers.append((b"strict-transport-security", f"max-age={settings.hsts_seconds}; includeSubDomains".encode()))
    return headers


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_upload_bytes + SLACK
        self.csp = content_security_policy(settings)
        self.docs_csp = content_security_policy(settings, docs=True)  # /redoc: ReDoc from the CDN
        # /docs: Swagger UI from this server when make run / make test fetched it (app/swagger.py), else the CDN
        self.swagger_csp = content_security_policy(settings, docs=True, cdn=False)
        self.headers = response_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        path = scope["path"]
        if path == "/docs" and swagger.local():  # asked each time: the files may be fetched while the server runs
            csp = self.swagger_csp
        else:
            csp = self.docs_csp if path.startswith(DOCS_PATHS) else self.csp
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
                message["headers"] = [*message.get("headers", []), (b"content-security-policy", csp.encode()),
                                      *self.headers]
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
            (b"connection", b"close"), (b"content-security-policy", self.csp.encode()), *self.headers]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised inside the app when the streamed body passes the cap."""


def install(app: FastAPI, settings: Settings) -> None:
    """Add security middleware to ``app``."""
    app.add_middleware(SecurityMiddleware, settings=settings)
