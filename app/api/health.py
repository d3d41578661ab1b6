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

    With ``CONVSTEP_REDIS_URL`` set, ``checks.redis`` says whether Redis answers (a PING). It is
    reported, not required: with Redis down every host still serves pages, the API and the uploads
    its disk holds (a load balancer must not take them all out), so the status is then ``degraded``
    with 200, and classes wait for Redis (their streams say ``reconnecting``).
    """
    settings = request.app.state.settings
    store = get_store(settings)
    checks = {"store": store.readiness(settings.min_free_bytes)}
    ready = all(check["ok"] for check in checks.values())
    status = "ready" if ready else "not ready"
    if store.remote is not None:
        checks["redis"] = {**store.remote.health(), "required": False}
        if ready and not checks["redis"]["ok"]:
            status = "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if ready else 503)
