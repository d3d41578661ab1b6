"""A worker's own event streams per class: one bounded queue each, and the registry a bus fans changes out through.

Both buses use it: the in-process bus offers each change as it publishes it, the Redis bus as its one
pub/sub connection reads them (and ``fail`` wakes every stream when that connection drops); ``end``
tells a class's streams that its teacher ended it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from .bus import BusUnavailable, Change, ClassEnded

QUEUE_LIMIT = 64  # a subscriber this far behind only needs the latest change: older ones are dropped
ENDED = "ended"  # the class's teacher ended it (any other ``str`` in a queue: why the bus stopped answering)


class Subscription:
    def __init__(self, room: int) -> None:
        self.queue: asyncio.Queue[Change | str] = asyncio.Queue(room)
        self.ended = False

    def offer(self, item: Change | str) -> None:
        """A change, ENDED, or the reason the bus stopped answering (any other ``str``)."""
        if self.ended:  # nothing follows the end, and the end is never dropped
            return
        self.ended = item == ENDED
        if self.queue.full():  # a follower's url is the latest one: dropping older changes loses nothing
            self.queue.get_nowait()
        self.queue.put_nowait(item)

    async def next(self, timeout: float) -> Change | None:
        try:  # asyncio.timeout, not wait_for: no extra task per waiting follower
            async with asyncio.timeout(timeout):
                item = await self.queue.get()
        except TimeoutError:
            return None
        if item == ENDED:
            raise ClassEnded()
        if isinstance(item, str):
            raise BusUnavailable(item)
        return item


class Subscribers:
    """code → the subscriptions this worker holds for it. ``room``: each queue's size (a bus that can
    ``fail`` keeps one place more than QUEUE_LIMIT for the failure)."""

    def __init__(self, room: int = QUEUE_LIMIT) -> None:
        self.room = room
        self._by_code: dict[str, set[Subscription]] = {}

    def offer(self, code: str, change: Change) -> None:
        for subscription in self._by_code.get(code, ()):
            subscription.offer(change)

    def end(self, code: str) -> None:
        for subscription in self._by_code.get(code, ()):
            subscription.offer(ENDED)

    def fail(self, reason: str) -> None:
        for subscription in self:
            subscription.offer(reason)

    def __iter__(self) -> Iterator[Subscription]:
        return (s for subscriptions in self._by_code.values() for s in subscriptions)

    @asynccontextmanager
    async def subscribe(self, code: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(self.room)
        self._by_code.setdefault(code, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscriptions = self._by_code.get(code)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._by_code[code]
