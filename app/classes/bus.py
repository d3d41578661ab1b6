"""What a class bus does, whichever engine carries it (in-process or Redis).

A class is a record (code, the teacher key's digest, the latest canonical url, its sequence
number, when it expires, whether its teacher ended it); ``publish`` stores a new url with ``seq + 1``
and tells every subscriber; ``end`` marks the record ended (kept until it expires, so an ended class
answers 410, not 404, and a worker never writes it back as live) and tells every subscriber so.
Followers are counted by connection, each connection joining with an id and refreshing its
presence, so a worker that dies without saying goodbye stops being counted after ``PRESENCE_S``.
``hit`` counts events in a fixed window (the rate limits), shared by every worker on Redis.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

PRESENCE_S = 45.0  # a follower not refreshed for this long is no longer counted (3 heartbeats)


class BusUnavailable(Exception):
    """The engine behind the bus (Redis) does not answer: the caller degrades, never crashes."""


class ClassEnded(Exception):
    """Raised by ``Subscription.next`` once the class's teacher has ended it: no change follows."""


@dataclass(frozen=True)
class ClassRecord:
    code: str
    key_digest: str
    url: str
    seq: int
    expires_at: float  # Unix time
    ended: bool = False  # its teacher ended it (DELETE): the record stays until expires_at, refusing everything


@dataclass(frozen=True)
class Change:
    url: str
    seq: int


class Subscription(Protocol):
    async def next(self, timeout: float) -> Change | None:
        """The next change, or None when ``timeout`` seconds pass without one. Raises BusUnavailable,
        and ClassEnded once the class has been ended."""
        ...


class ClassBus(Protocol):
    name: str

    async def create(self, record: ClassRecord) -> bool:
        """Store a new class; False when its code is taken (the caller draws another)."""
        ...

    async def get(self, code: str) -> ClassRecord | None:
        """The class, or None when unknown or expired."""
        ...

    async def publish(self, code: str, url: str) -> Change | None:
        """Store ``url`` as the class's state with the next sequence number and tell every
        subscriber; None when the class is unknown, expired or ended."""
        ...

    async def end(self, code: str) -> bool:
        """Mark the class ended (kept until it expires), forget its followers and tell every subscriber
        (their ``next`` raises ClassEnded); False when it is unknown or expired. Ending twice is harmless."""
        ...

    def subscribe(self, code: str) -> AbstractAsyncContextManager[Subscription]:
        """Changes of one class from now on (enter before reading the current state: nothing is missed)."""
        ...

    async def join(self, code: str, connection: str, now: float) -> None:
        """Count ``connection`` as a follower of ``code`` until ``now + PRESENCE_S`` (call again to refresh)."""
        ...

    async def leave(self, code: str, connection: str) -> None: ...

    async def followers(self, code: str, now: float) -> int: ...

    async def hit(self, key: str, window_s: int, now: float) -> int:
        """Count one event under ``key`` in the current ``window_s`` window; the count so far."""
        ...

    async def health(self) -> dict[str, Any]:
        """``{"ok": bool, "detail": str}``."""
        ...

    async def close(self) -> None: ...

