"""The worker class for running convstep under gunicorn: ``gunicorn -k app.gunicorn_worker.Worker``.

The uvicorn-worker package's worker (uvicorn's own ``uvicorn.workers`` is deprecated), started
without uvicorn's ``Server`` header, like ``app.serve``. Needs ``pip install uvicorn-worker gunicorn``.
"""

from __future__ import annotations

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "server_header": False}
