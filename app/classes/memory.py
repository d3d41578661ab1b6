"""The in-process class bus: the default, for ONE worker process.

Everything lives in this process's memory (classes, followers, rate counters) and changes reach
subscribers through one asyncio queue each. Several workers must share Redis instead
(``CONVSTEP_REDIS_URL``, app/classes/redis_bus.py): a class started on one worker is unknown to
the others. ``clock`` is injectable so tests can expire classes without waiting.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from .bus import PRESENCE_S, Change, ClassRecord
from .subscribers import Subscribers, Subscription


class InProcessBus:
    name = "in-process"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._classes: dict[str, ClassRecord] = {}
        self._subscribers = Subscribers()
        self._followers: dict[str, dict[str, float]] = {}
        self._hits: dict[str, tuple[int, int]] = {}  # key → (window number, count)

    def _expire(self) -> None:
        now = self.clock()
        for code in [c for c, r in self._classes.items() if r.expires_at <= now]:
            del self._classes[code]
            self._followers.pop(code, None)

    async def create(self, record: ClassRecord) -> bool:
        self._expire()
        if record.code in self._classes:
            return False
        self._classes[record.code] = record
        return True

    async def get(self, code: str) -> ClassRecord | None:
        self._expire()
        return self._classes.get(code)

    async def publish(self, code: str, url: str) -> Change | None:
        record = await self.get(code)
        if record is None or record.ended:
            return None
        record = self._classes[code] = replace(record, url=url, seq=record.seq + 1)
        change = Change(url, record.seq)
        self._subscribers.offer(code, change)
        return change

    async def end(self, code: str) -> bool:
        record = await self.get(code)
        if record is None:
            return False
        self._classes[code] = replace(record, ended=True)
        self._followers.pop(code, None)
        self._subscribers.end(code)
        return True

    @asynccontextmanager
    async def subscribe(self, code: str) -> AsyncIterator[Subscription]:
        async with self._subscribers.subscribe(code) as subscription:
            yield subscription

    async def join(self, code: str, connection: str, now: float) -> None:
        if code in self._classes and not self._classes[code].ended:
            self._followers.setdefault(code, {})[connection] = now + PRESENCE_S

    async def leave(self, code: str, connection: str) -> None:
        followers = self._followers.get(code)
        if followers is not None:
            followers.pop(connection, None)

    async def followers(self, code: str, now: float) -> int:
        followers = self._followers.get(code, {})
        for connection in [c for c, until in followers.items() if until <= now]:
            del followers[connection]
        return len(followers)

    async def hit(self, key: str, window_s: int, now: float) -> int:
        window = int(now // window_s)
        if len(self._hits) > 10_000:  # forget finished windows (bounded memory under many addresses)
            self._hits = {k: v for k, v in self._hits.items() if v[0] >= window - 1}
        seen, count = self._hits.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self._hits[key] = (window, count)
        return count

    async def health(self) -> dict[str, Any]:
        return {"ok": True, "detail": "in-process (one worker)"}

    async def close(self) -> None:
        return None
