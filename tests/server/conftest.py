"""Tests against the real server on loopback (uvicorn or gunicorn with several workers)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/server" in str(item.fspath):
            item.add_marker(pytest.mark.server)
