"""How many uploads one worker takes on at once, and how much memory their decodes may hold.

Three bounds, all from Settings, each answered before the work it protects:

- ``max_uploads`` uploads received at once per worker (one decoder thread each) and
  ``uploads_per_client`` per client address: counted on the event loop when an upload starts;
  more get 503 or 429 with ``Retry-After`` instead of a queue that grows with an attack.
- ``decode_memory_bytes``: a decoder thread takes its image's cost (``imaging.decode_cost``, from
  the header) from this budget before Pillow allocates anything, and gives it back when done.
  While the budget is short it waits, at most ``decode_queue`` threads at a time and at most
  ``upload_deadline_seconds``; past either it gets 503 with ``Retry-After``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .problems import Problem
from .settings import Settings

RETRY_AFTER_SECONDS = 5


def busy(detail: str, status: int = 503) -> Problem:
    return Problem(status, detail, "file", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class DecodeGate:
    """A semaphore counted in bytes, with a bounded number of waiters (thread-side)."""

    def __init__(self, capacity: int, max_waiting: int, wait_seconds: float) -> None:
        self.capacity = capacity
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self._free = capacity
        self._waiting = 0
        self._changed = threading.Condition()

    @property
    def in_use(self) -> int:
        return self.capacity - self._free

    @contextmanager
    def hold(self, cost: int) -> Iterator[None]:
        cost = min(cost, self.capacity)  # one image over the whole budget waits until it is all free
        with self._changed:
            if self._free < cost:
                if self._waiting >= self.max_waiting:
                    raise busy(f"the server is decoding other uploads and {self._waiting} more are waiting,"
                               f" the most it queues (CONVSTEP_DECODE_QUEUE): try again in a few seconds")
                self._waiting += 1
                try:
                    fits = self._changed.wait_for(lambda: self._free >= cost, timeout=self.wait_seconds)
                finally:
                    self._waiting -= 1
                if not fits:
                    raise busy(f"no decode memory came free within {self.wait_seconds:g} s"
                               " (CONVSTEP_DECODE_MEMORY_BYTES): try again in a few seconds")
            self._free -= cost
        try:
            yield
        finally:
            with self._changed:
                self._free += cost
                self._changed.notify_all()


class UploadLimits:
    """One worker's bounds on uploads (kept on ``app.state.upload_limits``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gate = DecodeGate(settings.decode_memory_bytes, settings.decode_queue, settings.upload_deadline_seconds)
        # one thread per admitted upload: a thread waiting for a slow client's bytes costs only its stack
        self.decoders = ThreadPoolExecutor(max_workers=settings.max_uploads, thread_name_prefix="convstep-decode")
        self.in_flight = 0
        self.per_client: dict[str, int] = {}

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Count one upload from ``client`` for as long as it runs (event-loop side: no lock needed)."""
        settings = self.settings
        if self.in_flight >= settings.max_uploads:
            raise busy(f"the server is receiving {self.in_flight} uploads, the most it takes at once"
                       " (CONVSTEP_MAX_UPLOADS): try again in a few seconds")
        if self.per_client.get(client, 0) >= settings.uploads_per_client:
            raise busy(f"{settings.uploads_per_client} uploads from your address are still arriving, the most"
                       " allowed at once (CONVSTEP_UPLOADS_PER_CLIENT): wait for one to finish", status=429)
        self.in_flight += 1
        self.per_client[client] = self.per_client.get(client, 0) + 1
        try:
            yield
        finally:
            self.in_flight -= 1
            left = self.per_client[client] - 1
            if left:
                self.per_client[client] = left
            else:
                del self.per_client[client]


def install(app: Any) -> None:
    """Give ``app`` its upload bounds (per app: each worker process builds its own app)."""
    app.state.upload_limits = UploadLimits(app.state.settings)
