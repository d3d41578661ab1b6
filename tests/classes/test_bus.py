"""Both class buses keep one contract (in-process, and Redis through Debian's real redis-server)."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.classes.bus import PRESENCE_S, BusUnavailable, Change, ClassEnded, ClassRecord
from app.classes.memory import InProcessBus


@pytest.fixture(params=["in-process", "redis"])
def make_bus(request):
    if request.param == "in-process":
        return InProcessBus
    server = request.getfixturevalue("redis_server")
    from app.classes.redis_bus import RedisBus

    return lambda: RedisBus(server.url)


def record(code: str = "ABCDEF", ttl: float = 60.0) -> ClassRecord:
    return ClassRecord(code, "d" * 64, "/", 0, time.time() + ttl)


def run(coroutine):
    return asyncio.run(coroutine)


def test_create_get_publish(make_bus):
    async def scenario():
        bus = make_bus()
        assert await bus.get("ABCDEF") is None
        assert await bus.create(record()) is True
        assert await bus.create(record()) is False  # the code is taken
        assert (await bus.get("ABCDEF")).url == "/"
        assert await bus.publish("ABCDEF", "/conv1d") == Change("/conv1d", 1)
        assert await bus.publish("ABCDEF", "/pool") == Change("/pool", 2)
        got = await bus.get("ABCDEF")
        assert (got.url, got.seq, got.key_digest) == ("/pool", 2, "d" * 64)
        assert await bus.publish("ZZZZZZ", "/pool") is None
        await bus.close()
    run(scenario())


def test_subscribers_get_every_change_in_order(make_bus):
    async def scenario():
        bus = make_bus()
        await bus.create(record())
        await bus.create(record("GHJKMN"))
        async with bus.subscribe("ABCDEF") as first, bus.subscribe("ABCDEF") as second, bus.subscribe("GHJKMN") as other:
            for i in range(1, 6):
                await bus.publish("ABCDEF", f"/conv2d?step={i}")
            for subscription in (first, second):
                got = [await subscription.next(2.0) for _ in range(5)]
                assert got == [Change(f"/conv2d?step={i}", i) for i in range(1, 6)]
            assert await other.next(0.2) is None  # another class's changes are not this one's
        await bus.close()
    run(scenario())


def test_followers_join_leave_and_expire(make_bus):
    async def scenario():
        bus = make_bus()
        await bus.create(record())
        now = time.time()
        await bus.join("ABCDEF", "a", now)
        await bus.join("ABCDEF", "b", now)
        await bus.join("ABCDEF", "b", now)  # a refresh, not another follower
        assert await bus.followers("ABCDEF", now) == 2
        await bus.leave("ABCDEF", "a")
        assert await bus.followers("ABCDEF", now) == 1
        assert await bus.followers("ABCDEF", now + PRESENCE_S + 1) == 0  # not refreshed: its worker died
        await bus.join("ZZZZZZ", "c", now)  # no such class: not counted
        assert await bus.followers("ZZZZZZ", now) == 0
        await bus.close()
    run(scenario())


def test_ending_a_class_tells_its_subscribers_and_keeps_it_ended(make_bus):
    async def scenario():
        bus = make_bus()
        await bus.create(record())
        await bus.create(record("GHJKMN"))
        now = time.time()
        await bus.join("ABCDEF", "a", now)
        async with bus.subscribe("ABCDEF") as first, bus.subscribe("ABCDEF") as second, bus.subscribe("GHJKMN") as other:
            await bus.publish("ABCDEF", "/conv1d?step=2")
            assert await bus.end("ABCDEF") is True
            for subscription in (first, second):
                assert await subscription.next(2.0) == Change("/conv1d?step=2", 1)  # what came before, in order
                with pytest.raises(ClassEnded):
                    await subscription.next(2.0)  # told at once, not after the timeout
            assert await other.next(0.2) is None  # another class goes on
        got = await bus.get("ABCDEF")
        assert (got.ended, got.url, got.seq, got.key_digest) == (True, "/conv1d?step=2", 1, "d" * 64)
        assert await bus.followers("ABCDEF", now) == 0  # its followers are forgotten ...
        await bus.join("ABCDEF", "b", now)
        assert await bus.followers("ABCDEF", now) == 0  # ... and nobody joins an ended class
        assert await bus.publish("ABCDEF", "/pool") is None  # nor is it stepped
        assert (await bus.get("ABCDEF")).url == "/conv1d?step=2"
        assert await bus.end("ABCDEF") is True  # ending twice is harmless
        assert await bus.end("ZZZZZZ") is False
        assert (await bus.get("GHJKMN")).ended is False
        await bus.close()
    run(scenario())


def test_an_ended_class_written_back_stays_ended(make_bus):
    """A worker restoring a class it saw ended (Redis restarted empty) writes it back ended, never live."""
    async def scenario():
        bus = make_bus()
        ended = ClassRecord("ABCDEF", "d" * 64, "/pool", 4, time.time() + 60, ended=True)
        assert await bus.create(ended) is True
        assert await bus.get("ABCDEF") == ended
        assert await bus.publish("ABCDEF", "/conv1d") is None
        await bus.close()
    run(scenario())


def test_rate_counters_count_per_window(make_bus):
    async def scenario():
        bus = make_bus()
        now = 1_800_000_000.0
        assert [await bus.hit("k", 1, now) for _ in range(3)] == [1, 2, 3]
        assert await bus.hit("k", 1, now + 1) == 1
        assert await bus.hit("other", 1, now) == 1
        await bus.close()
    run(scenario())


def test_expired_classes_are_gone(make_bus):
    async def scenario():
        bus = make_bus()
        await bus.create(record(ttl=0.3))
        assert await bus.get("ABCDEF") is not None
        await asyncio.sleep(0.5)
        assert await bus.get("ABCDEF") is None
        assert await bus.publish("ABCDEF", "/") is None
        await bus.close()
    run(scenario())


def test_health(make_bus):
    async def scenario():
        bus = make_bus()
        assert (await bus.health())["ok"] is True
        await bus.close()
    run(scenario())


def test_redis_down_raises_bus_unavailable_and_the_reader_comes_back(redis_server):
    from app.classes.redis_bus import RedisBus

    async def scenario():
        bus = RedisBus(redis_server.url)
        await bus.create(record())
        async with bus.subscribe("ABCDEF") as subscription:
            redis_server.stop()
            with pytest.raises(BusUnavailable):
                await subscription.next(5.0)  # told at once, not after the timeout
            with pytest.raises(BusUnavailable):
                await bus.get("ABCDEF")
            assert (await bus.health())["ok"] is False
        redis_server.start()
        assert await bus.get("ABCDEF") is None  # no persistence: the restarted Redis is empty
        await bus.create(record())
        async with bus.subscribe("ABCDEF") as subscription:  # the reader reconnected
            await bus.publish("ABCDEF", "/flip")
            assert await subscription.next(2.0) == Change("/flip", 1)
        await bus.close()
    run(scenario())


def test_a_burst_of_followers_shares_a_bounded_pool_of_redis_connections(redis_server):
    """200 followers joining at once on one worker: every join succeeds and the worker holds at most
    POOL_SIZE connections to Redis afterwards (each idle pooled connection costs memory per worker)."""
    import redis as sync_redis

    from app.classes.redis_bus import POOL_SIZE, RedisBus

    async def scenario():
        bus = RedisBus(redis_server.url)
        await bus.create(record())
        async with bus.subscribe("ABCDEF"):
            now = time.time()
            await asyncio.gather(*(bus.join("ABCDEF", f"c{i}", now) for i in range(200)))
            assert await bus.followers("ABCDEF", now) == 200
            clients = sync_redis.Redis.from_url(redis_server.url).client_list()
            assert 2 <= len(clients) - 1 <= POOL_SIZE  # minus the sync client asking
        await bus.close()
    run(scenario())
