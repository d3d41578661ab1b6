"""Security middleware: body-size limit and response headers (filled in by the security work)."""

from __future__ import annotations

from fastapi import FastAPI

from .settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add security middleware to ``app``."""
