"""Answer ``HEAD`` on every ``GET`` route: the same status and headers, no body (RFC 9110 §9.3.2).

FastAPI registers GET routes for GET only, so ``curl -I`` and load-balancer health checks would
get a 405. Pure ASGI: the request runs as a GET and the body is dropped on the way out, so the
headers (Content-Length, ETag, Cache-Control) are exactly what a GET would send.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # swallow streamed chunks; the final empty one ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # "convstep.head" tells an endless stream (a class's events) to send its headers and stop
        await self.app({**scope, "method": "GET", "convstep.head": True}, receive, send_without_body)


def install(app: FastAPI) -> None:
    app.add_middleware(HeadAsGetMiddleware)
