"""Production entry point: ``python -m app.serve`` runs uvicorn with the configured workers.

Workers share the data directory (the content-addressed store) and, for classes and uploads across
hosts, Redis (``CONVSTEP_REDIS_URL``); several workers need Redis for classes (docs/deploy.md).
"""

from __future__ import annotations

import os
import sys

import uvicorn

from .settings import get_settings


def main() -> None:
    settings = get_settings()
    if settings.workers > 1 and not settings.redis_url:
        print(f"convstep: warning: {settings.workers} workers without CONVSTEP_REDIS_URL: classes (follow mode) live in"
              " one worker's memory, so a class started on one worker is unknown to the others; set"
              " CONVSTEP_REDIS_URL or run one worker (docs/deploy.md)", file=sys.stderr, flush=True)
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("CONVSTEP_HOST", "0.0.0.0"),  # noqa: S104 - inside a container
        port=int(os.environ.get("CONVSTEP_PORT", "8000")),
        workers=max(1, settings.workers),
        timeout_keep_alive=settings.keep_alive_seconds,
        proxy_headers=True,
        server_header=False,  # no "server: uvicorn" on every answer
    )


if __name__ == "__main__":
    main()
