"""The Redis class bus (``CONVSTEP_REDIS_URL``): any number of workers and hosts share each class.

Keys (redis-py's asyncio client, used directly):

- ``convstep:class:{code}``: a hash (``url``, ``seq``, ``key`` = the teacher key's SHA-256,
  ``expires_at``, and ``ended`` = 1 once its teacher ended it) that expires with the class (PEXPIREAT);
- ``convstep:class:{code}:events``: the pub/sub channel; ``publish`` increments ``seq``, stores
  ``url`` and publishes ``"<seq> <url>"`` in one Lua script, so seq and url never disagree; ``end``
  marks the hash ended, drops the followers and publishes ``"ended"``, in one script too;
- ``convstep:class:{code}:followers``: a sorted set of open streams scored by the time their
  presence runs out (refreshed every few seconds), so a worker that dies stops being counted;
- ``convstep:rate:{key}:{window}``: fixed-window counters (the rate limits) that expire.

Each worker holds ONE pub/sub connection (a pattern subscription to every class's channel) and
hands each message to its local streams' queues: 200 followers on a worker cost 200 queues, not 200
Redis connections (and the calls share a pool of at most POOL_SIZE connections). When Redis stops
answering, every call raises ``BusUnavailable`` and every subscription is told so; the reader
reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .bus import PRESENCE_S, BusUnavailable, Change, ClassRecord
from .subscribers import QUEUE_LIMIT, Subscribers, Subscription

T = TypeVar("T")
PREFIX = "convstep:class:"
PATTERN = f"{PREFIX}*:events"
RETRY_S = 0.5  # the reader's pause between reconnection attempts
READY_WAIT_S = 2.0  # how long a new subscription waits for the reader to be subscribed
POOL_SIZE = 16  # Redis connections per worker at most (the pub/sub reader's included): a burst of followers
# joining at once waits a moment for one rather than each opening its own, kept idle in the pool afterwards

CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'seq', ARGV[2], 'key', ARGV[3], 'expires_at', ARGV[4])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'ended', '1') end
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 1
"""
PUBLISH = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return false end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'url', ARGV[1])
redis.call('PUBLISH', KEYS[2], seq .. ' ' .. ARGV[1])
return seq
"""
END = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'ended', '1')
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', KEYS[3], 'ended')
return 1
"""
JOIN = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
"""

def _key(code: str) -> str:
    return f"{PREFIX}{code}"


class RedisBus:
    name = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=2.0, socket_connect_timeout=1.0, socket_timeout=2.0,
            decode_responses=True))
        self._create = self.redis.register_script(CREATE)
        self._publish = self.redis.register_script(PUBLISH)
        self._join = self.redis.register_script(JOIN)
        self._end = self.redis.register_script(END)
        self._subscribers = Subscribers(QUEUE_LIMIT + 1)  # + 1: room for a failure
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._down: str | None = None

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except (RedisError, OSError) as exc:
            raise BusUnavailable(f"Redis: {exc}") from None

    # -- records ----------------------------------------------------------------------------------------------
    async def create(self, record: ClassRecord) -> bool:
        created = await self._call(self._create(keys=[_key(record.code)], args=[
            record.url, record.seq, record.key_digest, repr(record.expires_at), int(record.expires_at * 1000),
            int(record.ended)]))  # ended: a worker writing back a class it saw ended (Redis restarted empty)
        return bool(created)

    async def get(self, code: str) -> ClassRecord | None:
        fields: dict[str, str] = await self._call(self.redis.hgetall(_key(code)))  # type: ignore[arg-type]
        if not fields or "key" not in fields:
            return None
        return ClassRecord(code, str(fields["key"]), str(fields["url"]), int(fields["seq"]), float(fields["expires_at"]),
                           ended="ended" in fields)

    async def publish(self, code: str, url: str) -> Change | None:
        seq = await self._call(self._publish(keys=[_key(code), f"{_key(code)}:events"], args=[url]))
        return None if seq is None else Change(url, int(seq))

    async def end(self, code: str) -> bool:
        ended = await self._call(self._end(keys=[_key(code), f"{_key(code)}:followers", f"{_key(code)}:events"]))
        return bool(ended)

    # -- subscriptions ----------------------------------------------------------------------------------------
    def _dispatch(self, channel: str, payload: str) -> None:
        code = channel[len(PREFIX):-len(":events")]
        if payload == "ended":
            self._subscribers.end(code)
            return
        seq, _, url = payload.partition(" ")
        self._subscribers.offer(code, Change(url, int(seq)))

    def _fail_all(self, reason: str) -> None:
        self._ready.clear()
        self._down = reason
        self._subscribers.fail("Redis stopped answering")

    async def _read(self) -> None:
        """The worker's one pub/sub connection: messages to local queues; reconnects when Redis returns."""
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(PATTERN)
                self._down = None
                self._ready.set()
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None and message.get("type") == "pmessage":
                        self._dispatch(message["channel"], message["data"])
            except (RedisError, OSError) as exc:
                self._fail_all(f"Redis: {exc}")
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RETRY_S)

    @asynccontextmanager
    async def subscribe(self, code: str) -> AsyncIterator[Subscription]:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read(), name="convstep-class-bus-reader")
        try:
            await asyncio.wait_for(self._ready.wait(), READY_WAIT_S)
        except TimeoutError:
            raise BusUnavailable(self._down or "Redis: not subscribed yet") from None
        async with self._subscribers.subscribe(code) as subscription:
            yield subscription

    # -- followers and counters -------------------------------------------------------------------------------
    async def join(self, code: str, connection: str, now: float) -> None:
        await self._call(self._join(keys=[_key(code), f"{_key(code)}:followers"], args=[connection, now + PRESENCE_S]))

    async def leave(self, code: str, connection: str) -> None:
        await self._call(self.redis.zrem(f"{_key(code)}:followers", connection))

    async def followers(self, code: str, now: float) -> int:
        key = f"{_key(code)}:followers"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            _, count = await self._call(pipe.execute())
        return int(count)

    async def hit(self, key: str, window_s: int, now: float) -> int:
        name = f"convstep:rate:{key}:{int(now // window_s)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_s + 1)
            count, _ = await self._call(pipe.execute())
        return int(count)

    async def health(self) -> dict[str, Any]:
        try:
            await self._call(self.redis.ping())
        except BusUnavailable as exc:
            return {"ok": False, "detail": str(exc)}
        return {"ok": True, "detail": "Redis answers"}

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self.redis.aclose()
