"""Uploads in Redis (``CONVSTEP_REDIS_URL``): content-addressed keys with a TTL, shared by every host.

The stores (app/store.py for images, app/models/store.py for model files) keep writing each upload
to their local disk and also put it here, under ``convstep:image:<id>`` or ``convstep:model:<id>`` (an image's
file name, when the upload had one, under ``convstep:image:<id>.name``),
for ``CONVSTEP_REDIS_UPLOAD_TTL_S`` seconds after its last use. A host that is asked for an id its
disk does not hold reads it from Redis and keeps a copy (the disk is a cache), so an image or model
uploaded through one host is steppable through any other.

Redis down never fails an upload or a page: a put or get that cannot reach it is skipped (and Redis
is left alone for ``PAUSE_S`` so a page does not wait on a dead server each time); what the disk
already holds keeps working.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "convstep:image:"
MODEL_PREFIX = "convstep:model:"
PAUSE_S = 2.0  # after a failure, Redis is not asked again for this long


class RedisBlobs:
    def __init__(self, url: str, ttl_s: int, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2.0)
        self.ttl_s = ttl_s
        self._paused_until = 0.0
        self._last_error = ""
        self._lock = threading.Lock()

    def _available(self) -> bool:
        return time.monotonic() >= self._paused_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + PAUSE_S
            self._last_error = str(exc)
        log.warning("Redis does not answer (%s): uploads stay on this host's disk for now", exc)

    def put(self, key: str, data: Callable[[], bytes]) -> bool:
        """Store ``data()`` under ``key`` unless Redis has it (then its TTL starts again); False when Redis is down."""
        if not self._available():
            return False
        try:
            if not self.client.expire(self.prefix + key, self.ttl_s):
                self.client.set(self.prefix + key, data(), ex=self.ttl_s)
            return True
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False

    def replace(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` whatever it held (an upload's file name: the latest upload names the
        pixels), with the TTL; False when Redis is down."""
        if not self._available():
            return False
        try:
            self.client.set(self.prefix + key, data, ex=self.ttl_s)
            return True
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False

    def get(self, key: str) -> bytes | None:
        """The bytes under ``key`` (its TTL starts again), or None when absent or Redis is down."""
        if not self._available():
            return None
        try:
            data = self.client.getex(self.prefix + key, ex=self.ttl_s)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return None
        return data if isinstance(data, bytes) else None

    def health(self) -> dict[str, Any]:
        try:
            self.client.ping()
        except (RedisError, OSError) as exc:
            return {"ok": False, "detail": f"Redis does not answer ({exc}): pages, the API and uploads this host"
                    " holds keep working; classes and other hosts' uploads wait for it"}
        return {"ok": True, "detail": "Redis answers"}
