"""The classroom: classes started, read, stepped and followed, over whichever bus is configured.

Framework-free (the router in app/api/classes.py and class-ui's /join page call it). Every
refusal is a ``Problem`` naming its field or its setting; a bus that does not answer (Redis down)
is a 503 with Retry-After for the API, and a ``reconnecting`` event on an open stream, which then
resumes by itself and re-sends the teacher's latest state.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..problems import Problem
from ..settings import Settings
from .bus import BusUnavailable, ClassBus, ClassRecord
from .codes import key_digest, key_matches, new_code, new_key, normalise_code
from .urls import page_url

RETRY_S = 1.0  # how often a stream tries the bus again while it is down
REFRESH_S = 10.0  # how often a stream re-reads its class (expiry) and refreshes its follower presence (< PRESENCE_S)
HOME = "/"


def iso(timestamp: float) -> str:
    """``2026-12-03T18:00:00Z`` (UTC, whole seconds)."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ClassInfo:
    """What anyone may know of a class (never its key)."""

    code: str
    url: str
    seq: int
    followers: int
    expires_at: float  # Unix time; ``iso(expires_at)`` for JSON

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "url": self.url, "followers": self.followers, "expires_at": iso(self.expires_at)}


@dataclass(frozen=True)
class Started:
    code: str
    teacher_key: str
    expires_at: float


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: state_event() makes one per state
class Event:
    """One event of a class stream: ``state`` (``data`` = {"url", "seq"}, ``id`` = seq),
    ``reconnecting`` (the bus is down; the stream goes on), ``ended`` (the class is over) or ``ping``
    (a heartbeat, sent as a comment line).
    ``text`` is ``data`` as compact JSON."""

    event: str
    data: dict[str, Any]
    id: str | None = None

    @property
    def text(self) -> str:
        return json.dumps(self.data, separators=(",", ":"))


PING = Event("ping", {})  # a heartbeat: a comment line on the wire (app/api/classes.py)


@functools.lru_cache(maxsize=1024)
def state_event(url: str, seq: int) -> Event:
    """The ``state`` event of one state, made once per worker however many students receive it."""
    return Event("state", {"url": url, "seq": seq}, str(seq))


def _unavailable(exc: BusUnavailable) -> Problem:
    return Problem(503, f"the class bus does not answer ({exc}); try again in a moment", None, {"Retry-After": "2"})


class Classroom:
    def __init__(self, settings: Settings, bus: ClassBus, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self.open_streams = 0  # this worker's open event streams (CONVSTEP_MAX_EVENT_STREAMS)
        self._known: dict[str, ClassRecord] = {}  # the latest record this worker saw of each class (see _restore)

    # -- reading --------------------------------------------------------------------------------------------
    def _code(self, code: str) -> str:
        normal = normalise_code(code)
        if normal is None:
            raise Problem(404, f"no class has the code {code[:20]!r}: a code is 6 letters and digits", "code")
        return normal

    def _remember(self, record: ClassRecord) -> ClassRecord:
        known = self._known.get(record.code)
        if known is None or record.seq >= known.seq:
            self._known[record.code] = record
        if len(self._known) > 4096:
            now = self.clock()
            self._known = {c: r for c, r in self._known.items() if r.expires_at > now}
        return record

    async def _restore(self, code: str) -> ClassRecord | None:
        """A class the bus lost (Redis restarted empty) but this worker knows, written back."""
        known = self._known.get(code)
        if known is None or known.expires_at <= self.clock():
            self._known.pop(code, None)
            return None
        await self.bus.create(known)  # False when another worker restored it first: then read that one
        return await self.bus.get(code)

    async def _record(self, code: str) -> ClassRecord:
        code = self._code(code)
        try:
            record = await self.bus.get(code) or await self._restore(code)
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        if record is None:
            raise Problem(404, f"no class has the code {code} (it may have ended: classes last"
                          f" {self.settings.class_ttl_s // 60} minutes, CONVSTEP_CLASS_TTL_S)", "code")
        return self._remember(record)

    async def info(self, code: str) -> ClassInfo:
        """The class ``code``: its current url, sequence number, followers and end. Problem 404 when
        unknown or ended, 503 when the bus does not answer. This is the one read other code uses."""
        record = await self._record(code)
        try:
            followers = await self.bus.followers(record.code, self.clock())
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        return ClassInfo(record.code, record.url, record.seq, followers, record.expires_at)

    # -- the teacher ------------------------------------------------------------------------------------------
    async def start(self, address: str, url: str | None = None) -> Started:
        """A new class for the teacher at ``address`` (429 past CONVSTEP_CLASSES_PER_ADDRESS_HOUR)."""
        first = page_url(url, self.settings) if url is not None else HOME
        now = self.clock()
        limit = self.settings.classes_per_address_hour
        try:
            if await self.bus.hit(f"start:{address}", 3600, now) > limit:
                retry = int(3600 - now % 3600) + 1
                raise Problem(429, f"this address started more than {limit} classes this hour"
                              " (CONVSTEP_CLASSES_PER_ADDRESS_HOUR): use one of them, or wait", None,
                              {"Retry-After": str(retry)})
            key = new_key()
            for _ in range(8):
                record = ClassRecord(new_code(), key_digest(key), first, 0, now + self.settings.class_ttl_s)
                if await self.bus.create(record):
                    self._remember(record)
                    return Started(record.code, key, record.expires_at)
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        raise Problem(503, "no free class code was found: try again", None, {"Retry-After": "1"})

    async def step(self, code: str, key: str | None, url: str) -> ClassInfo:
        """Publish the teacher's new state: 404 unknown, 403 wrong key, 422 not a page, 429 too often."""
        record = await self._record(code)
        if not key_matches(record.key_digest, key):
            raise Problem(403, "X-Teacher-Key is missing or wrong for this class (only its teacher may step it)",
                          "X-Teacher-Key")
        canonical = page_url(url, self.settings)
        limit = self.settings.class_posts_per_second
        try:
            if await self.bus.hit(f"step:{record.code}", 1, self.clock()) > limit:
                raise Problem(429, f"more than {limit} steps a second published to this class"
                              " (CONVSTEP_CLASS_POSTS_PER_SECOND): the followers could not keep up", None,
                              {"Retry-After": "1"})
            change = await self.bus.publish(record.code, canonical)
            if change is None and await self._restore(record.code) is not None:
                change = await self.bus.publish(record.code, canonical)
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        if change is None:
            raise Problem(404, f"the class {record.code} has ended", "code")
        self._remember(ClassRecord(record.code, record.key_digest, change.url, change.seq, record.expires_at))
        return ClassInfo(record.code, change.url, change.seq, 0, record.expires_at)

    # -- the students ----------------------------------------------------------------------------------------
    async def admit(self, code: str) -> str:
        """Check a new event stream may open (404, 503 past the followers or streams limits); the code."""
        record = await self._record(code)
        if self.open_streams >= self.settings.max_event_streams:
            raise Problem(503, f"this worker holds {self.settings.max_event_streams} open class event streams, its"
                          " limit (CONVSTEP_MAX_EVENT_STREAMS): try again shortly", None, {"Retry-After": "5"})
        try:
            followers = await self.bus.followers(record.code, self.clock())
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        if followers >= self.settings.class_max_followers:
            raise Problem(503, f"this class has {followers} followers, its limit (CONVSTEP_CLASS_MAX_FOLLOWERS)",
                          None, {"Retry-After": "10"})
        return record.code

    async def events(self, code: str) -> AsyncIterator[Event]:
        """The class's state now, then every change; counted as a follower while open.

        A ``PING`` every CONVSTEP_CLASS_PING_S without anything else keeps proxies open: sent from
        this loop, which wakes anyway, rather than by a ping task per stream (idle memory per follower).

        When the bus stops answering: one ``reconnecting`` event, then tries every RETRY_S; once it
        answers again, the latest state is sent again (whatever was missed), and on it goes. When the
        class ends: an ``ended`` event, and the stream closes.
        """
        connection = uuid.uuid4().hex
        self.open_streams += 1
        sent, down = -1, False
        ping_s = self.settings.class_ping_s
        ping_at = time.monotonic() + ping_s  # real time, whatever self.clock is
        try:
            while True:
                try:
                    async with self.bus.subscribe(code) as subscription:
                        record = await self.bus.get(code) or await self._restore(code)
                        if record is None:
                            yield Event("ended", {"code": code, "detail": f"the class {code} has ended"})
                            return
                        self._remember(record)
                        await self.bus.join(code, connection, self.clock())
                        down = False
                        yield state_event(record.url, record.seq)
                        sent = record.seq
                        refresh_at = self.clock() + REFRESH_S
                        while True:
                            now = self.clock()
                            wait = max(0.0, min(refresh_at - now, record.expires_at - now, ping_at - time.monotonic()))
                            change = await subscription.next(wait)
                            if change is not None and change.seq > sent:
                                yield state_event(change.url, change.seq)
                                sent = change.seq
                                ping_at = time.monotonic() + ping_s
                            elif time.monotonic() >= ping_at:
                                yield PING
                                ping_at = time.monotonic() + ping_s
                            now = self.clock()
                            if now >= refresh_at or now >= record.expires_at:
                                latest = await self.bus.get(code)
                                if latest is None:
                                    latest = await self._restore(code)
                                    if latest is None:
                                        yield Event("ended", {"code": code, "detail": f"the class {code} has ended"})
                                        return
                                record = self._remember(latest)
                                if record.seq > sent:  # a change this subscription missed
                                    yield state_event(record.url, record.seq)
                                    sent = record.seq
                                await self.bus.join(code, connection, now)
                                refresh_at = now + REFRESH_S
                except BusUnavailable as exc:
                    if not down:
                        yield Event("reconnecting", {"detail": f"the class bus does not answer ({exc});"
                                                     " reconnecting", "seq": sent})
                        down = True
                    elif time.monotonic() >= ping_at:
                        yield PING
                    if time.monotonic() >= ping_at:
                        ping_at = time.monotonic() + ping_s
                    await asyncio.sleep(RETRY_S)
        finally:
            self.open_streams -= 1
            with contextlib.suppress(BusUnavailable):  # else its presence expires by itself
                await self.bus.leave(code, connection)


def make_bus(settings: Settings) -> ClassBus:
    if settings.redis_url:
        from .redis_bus import RedisBus

        return RedisBus(settings.redis_url)
    from .memory import InProcessBus

    return InProcessBus()


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The app's lifespan: the classroom's bus is closed when the server stops (its Redis connections)."""
    try:
        yield
    finally:
        classroom = getattr(app.state, "classroom", None)
        if classroom is not None:
            app.state.classroom = None
            with contextlib.suppress(BusUnavailable):
                await classroom.bus.close()


def get_classroom(app: Any) -> Classroom:
    """The app's classroom (``app.state.classroom``), made on first use from ``app.state.settings``."""
    classroom = getattr(app.state, "classroom", None)
    if classroom is None:
        classroom = app.state.classroom = Classroom(app.state.settings, make_bus(app.state.settings))
    return classroom
