"""Shared fixtures: an app on a temporary data dir, and a TestClient for it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", htmx_source="none")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def redis_server():
    """Debian's redis-server on a free loopback port (no persistence), stopped after the test."""
    from scripts import redis_server as rs

    if not rs.available():
        pytest.skip("redis-server is not installed (apt-get install redis-server; make test installs it as root)")
    with rs.redis_server() as server:
        yield server


Receive = Callable[[], Awaitable[dict[str, Any]]]


@pytest.fixture
def drive_upload() -> Callable[..., list[dict[str, Any]]]:
    """Send one streamed upload (POST /api/images) to the ASGI app directly, with the test's own
    ``receive`` deciding what arrives when; returns the messages the app sent. It runs in a thread of
    its own: other tests may leave an event loop running in this one."""

    def drive(app: Any, receive: Receive, boundary: str = "xyzzy", timeout: float = 60) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        scope = {"type": "http", "method": "POST", "path": "/api/images", "raw_path": b"/api/images", "query_string": b"",
                 "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
                 "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": "",
                 "app": app}
        worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
        worker.start()
        worker.join(timeout)
        return messages

    return drive
