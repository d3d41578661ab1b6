"""The classroom: classes started, read, stepped and followed, over whichever bus is configured.

Framework-free (the router in app/api/classes.py and class-ui's /join page call it). Every
refusal is a ``Problem`` naming its field or its setting; a bus that does not answer (Redis down)
is a 503 with Retry-After for the API, and a ``reconnecting`` event on an open stream, which then
resumes by itself and re-sends the teacher's latest state.

A class ends in one of two ways. Its teacher ends it (``end``, DELETE): every open stream gets an
``ended`` event and closes, and until the class would have expired it answers 410 Gone (saying so and
naming the teacher's last page); ending it again is harmless. Or it expires (CONVSTEP_CLASS_TTL_S):
its streams get ``ended`` too, and the code is then unknown (404).
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
from .bus import BusUnavailable, ClassBus, ClassEnded, ClassRecord
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
    ended: bool = False  # its teacher ended it (only from ``info(code, ended=True)``): ``url`` is the last page

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


def _gone(record: ClassRecord) -> Problem:
    return Problem(410, f"the class {record.code} has ended: its teacher ended it (the last page shown was"
                   f" {record.url})", "code")


def _ended_event(code: str, url: str | None, seq: int, detail: str) -> Event:
    data: dict[str, Any] = {"code": code, "detail": detail}
    if url is not None:
        data.update(url=url, seq=seq)
    return Event("ended", data)


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
        if known is None or (record.seq >= known.seq and not known.ended) or record.ended:
            self._known[record.code] = record  # an end is kept: never written back as a live class
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

    async def info(self, code: str, ended: bool = False) -> ClassInfo:
        """The class ``code``: its current url, sequence number, followers and end. Problem 404 when
        unknown or expired, 410 when its teacher ended it (unless ``ended``: then its last page, with
        ``ended`` set), 503 when the bus does not answer. This is the one read other code uses."""
        record = await self._record(code)
        if record.ended:
            if not ended:
                raise _gone(record)
            return ClassInfo(record.code, record.url, record.seq, 0, record.expires_at, ended=True)
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

    def _check_key(self, record: ClassRecord, key: str | None, doing: str) -> None:
        if not key_matches(record.key_digest, key):
            raise Problem(403, f"X-Teacher-Key is missing or wrong for this class (only its teacher may {doing} it)",
                          "X-Teacher-Key")

    async def step(self, code: str, key: str | None, url: str) -> ClassInfo:
        """Publish the teacher's new state: 404 unknown, 403 wrong key, 410 ended, 422 not a page, 429 too often."""
        record = await self._record(code)
        self._check_key(record, key, "step")
        if record.ended:
            raise _gone(record)
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
            if change is None:  # ended (or expired) since it was read
                latest = await self.bus.get(record.code)
                if latest is not None and latest.ended:
                    raise _gone(self._remember(latest))
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        if change is None:
            raise Problem(404, f"the class {record.code} has ended", "code")
        self._remember(ClassRecord(record.code, record.key_digest, change.url, change.seq, record.expires_at))
        return ClassInfo(record.code, change.url, change.seq, 0, record.expires_at)

    async def end(self, code: str, key: str | None) -> None:
        """The teacher ends the class: its followers get ``ended`` and their streams close; from now on it
        answers 410 until it would have expired. 404 unknown or expired, 403 wrong key; ending an ended
        class again does nothing (DELETE is idempotent)."""
        record = await self._record(code)
        self._check_key(record, key, "end")
        if record.ended:
            return
        try:
            if not await self.bus.end(record.code) and await self._restore(record.code) is not None:
                await self.bus.end(record.code)
        except BusUnavailable as exc:
            raise _unavailable(exc) from None
        self._remember(ClassRecord(record.code, record.key_digest, record.url, record.seq, record.expires_at,
                                   ended=True))

    # -- the students ----------------------------------------------------------------------------------------
    async def admit(self, code: str) -> str:
        """Check a new event stream may open (404, 410 ended, 503 past the followers or streams limits); the code."""
        record = await self._record(code)
        if record.ended:
            raise _gone(record)
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
        class ends (its teacher ended it, or it expired): an ``ended`` event, and the stream closes.
        """
        connection = uuid.uuid4().hex
        self.open_streams += 1
        sent, down = -1, False
        sent_url: str | None = None
        expired = f"the class {code} has ended (classes last {self.settings.class_ttl_s // 60} minutes)"
        by_teacher = f"the teacher ended the class {code}"
        ping_s = self.settings.class_ping_s
        ping_at = time.monotonic() + ping_s  # real time, whatever self.clock is
        try:
            while True:
                try:
                    async with self.bus.subscribe(code) as subscription:
                        record = await self.bus.get(code) or await self._restore(code)
                        if record is None:
                            yield _ended_event(code, sent_url, sent, expired)
                            return
                        self._remember(record)
                        if record.ended:
                            yield _ended_event(code, record.url, record.seq, by_teacher)
                            return
                        await self.bus.join(code, connection, self.clock())
                        down = False
                        yield state_event(record.url, record.seq)
                        sent, sent_url = record.seq, record.url
                        refresh_at = self.clock() + REFRESH_S
                        while True:
                            now = self.clock()
                            wait = max(0.0, min(refresh_at - now, record.expires_at - now, ping_at - time.monotonic()))
                            try:
                                change = await subscription.next(wait)
                            except ClassEnded:
                                self._remember(ClassRecord(code, record.key_digest, sent_url or record.url, sent,
                                                           record.expires_at, ended=True))
                                yield _ended_event(code, sent_url, sent, by_teacher)
                                return
                            if change is not None and change.seq > sent:
                                yield state_event(change.url, change.seq)
                                sent, sent_url = change.seq, change.url
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
                                        yield _ended_event(code, sent_url, sent, expired)
                                        return
                                record = self._remember(latest)
                                if record.seq > sent:  # a change this subscription missed
                                    yield state_event(record.url, record.seq)
                                    sent, sent_url = record.seq, record.url
                                if record.ended:  # its end was missed too (Redis was away when it was ended)
                                    yield _ended_event(code, record.url, record.seq, by_teacher)
                                    return
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
