"""Shared fixtures: an app on a temporary data dir, and a TestClient for it."""

from __future__ import annotations

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
