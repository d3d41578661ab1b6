"""Probes: ``/healthz`` (liveness: the process answers) and ``/readyz`` (readiness: it can do its work).

A load balancer keeps sending to a worker while ``/readyz`` answers 200 and stops on 503; an
orchestrator restarts a worker only when ``/healthz`` stops answering.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..store import get_store

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:  # on the event loop: no thread needed, answers while every thread works
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is not ready; `checks` says which and why"}})
def readyz(request: Request) -> JSONResponse:
    """Every check that must pass for uploads to work: the store is writable and has room.

    Where Redis goes: once ``CONVSTEP_REDIS_URL`` is configured (the shared engine for several
    hosts, see docs/architecture.md), a ``redis`` check that PINGs it joins ``checks`` here.
    """
    settings = request.app.state.settings
    checks = {"store": get_store(settings).readiness(settings.min_free_bytes)}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)
