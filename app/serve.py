"""Production entry point: ``python -m app.serve`` runs uvicorn with the configured workers.

Workers share nothing but the data directory (the content-addressed store), so any worker can
answer any request; put several hosts behind a load balancer with the data dir on shared storage.
"""

from __future__ import annotations

import os

import uvicorn

from .settings import get_settings


def main() -> None:
    settings = get_settings()
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
