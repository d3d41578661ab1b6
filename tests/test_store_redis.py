"""Uploads in Redis (app/blobs.py): two stores with separate disks share images through Redis only;
Redis down never fails a put or a get of what the disk holds; what Redis returns is checked against its id."""

from __future__ import annotations

import io

import numpy as np
import pytest
import redis

from app.blobs import PREFIX, RedisBlobs
from app.problems import Problem
from app.store import ImageStore


def stores(tmp_path, url, ttl=3600):
    return [ImageStore(tmp_path / name, 10**8, remote=RedisBlobs(url, ttl)) for name in ("a", "b")]


def test_an_image_put_on_one_host_is_read_on_the_other(tmp_path, redis_server, rng):
    a, b = stores(tmp_path, redis_server.url)
    pixels = (rng.random((12, 9, 3)) * 255).astype(np.uint8)
    key = a.put(pixels)
    assert not (tmp_path / "b" / f"{key}.npy").exists()
    got = b.get(key)
    np.testing.assert_array_equal(got, pixels)
    assert (tmp_path / "b" / f"{key}.npy").exists()  # B's disk is its cache now
    ttl = redis.Redis.from_url(redis_server.url).ttl(PREFIX + key)
    assert 3590 < ttl <= 3600


def test_redis_down_keeps_puts_and_cached_gets_working(tmp_path, redis_server, rng):
    a, b = stores(tmp_path, redis_server.url)
    pixels = (rng.random((8, 8)) * 255).astype(np.uint8)
    key = a.put(pixels)
    redis_server.stop()
    other = (rng.random((8, 8)) * 255).astype(np.uint8)
    key2 = a.put(other)  # stored on A's disk; Redis is skipped
    np.testing.assert_array_equal(ImageStore(tmp_path / "a", 10**8, remote=a.remote).get(key2), other)
    with pytest.raises(Problem) as missing:
        b.get(key)  # B never had it and Redis is down: a 404 saying so, not a crash
    assert missing.value.status_code == 404
    assert a.remote.health()["ok"] is False


def test_bytes_in_redis_that_do_not_match_their_id_are_never_served(tmp_path, redis_server, rng):
    a, b = stores(tmp_path, redis_server.url)
    pixels = (rng.random((8, 8)) * 255).astype(np.uint8)
    key = a.put(pixels)
    other = a.put((rng.random((4, 4)) * 255).astype(np.uint8))
    client = redis.Redis.from_url(redis_server.url)
    for wrong in (client.get(PREFIX + other), b"junk"):  # a real image under another id, and not an image at all
        client.set(PREFIX + key, wrong)
        with pytest.raises(Problem):
            b.get(key)
    assert not (tmp_path / "b" / f"{key}.npy").exists()


def digits_npz() -> bytes:
    from app.models.digits import WEIGHTS

    with np.load(WEIGHTS) as data:
        buffer = io.BytesIO()
        np.savez(buffer, **{k: data[k] for k in data.files})
    return buffer.getvalue()


def model_stores(tmp_path, url, ttl=3600):
    from app.blobs import MODEL_PREFIX
    from app.models.files import Limits
    from app.models.store import ModelStore
    from app.settings import Settings

    limits = Limits.from_settings(Settings())
    return [ModelStore(tmp_path / name, limits, RedisBlobs(url, ttl, MODEL_PREFIX)) for name in ("a", "b")]


def test_a_model_put_on_one_host_is_read_on_the_other(tmp_path, redis_server):
    from app.blobs import MODEL_PREFIX

    a, b = model_stores(tmp_path, redis_server.url)
    key, model = a.put(digits_npz(), "w.npz")
    assert not (tmp_path / "b" / f"{key}.npz").exists()
    got = b.get(key)
    assert got.format == "npz" and got.total_params == model.total_params == 1898
    assert (tmp_path / "b" / f"{key}.npz").read_bytes() == digits_npz()  # B's disk is its cache now
    client = redis.Redis.from_url(redis_server.url)
    assert 3590 < client.ttl(MODEL_PREFIX + key) <= 3600
    assert client.exists(PREFIX + key) == 0  # models and images never share keys


def test_models_with_redis_down_or_wrong_bytes(tmp_path, redis_server):
    from app.blobs import MODEL_PREFIX

    a, b = model_stores(tmp_path, redis_server.url)
    key, _ = a.put(digits_npz(), "w.npz")
    client = redis.Redis.from_url(redis_server.url)
    good = client.get(MODEL_PREFIX + key)
    assert good.startswith(b"npz\n")
    for wrong in (b"npz\n" + b"junk", b"onnx\n" + good[4:], b"exe\n" + good[4:], b"junk"):
        client.set(MODEL_PREFIX + key, wrong)  # wrong bytes, or the right bytes read as another format
        with pytest.raises(Problem) as refused:
            b.get(key)
        assert refused.value.status_code == 404
    assert list((tmp_path / "b").glob(f"{key}.*")) == []
    redis_server.stop()
    assert a.get(key).total_params == 1898  # on A's disk
    weights = io.BytesIO()
    np.save(weights, np.ones((2, 3, 3, 1), dtype=np.float32))
    key2, _ = b.put(weights.getvalue(), "k.npy")  # stored on B's disk; Redis is skipped
    assert b.get(key2).format == "npy"
    with pytest.raises(Problem) as missing:
        a.get(key2)  # A never had it and Redis is down: a 404 saying so, not a crash
    assert missing.value.status_code == 404


def test_an_uploads_name_travels_through_redis(tmp_path, redis_server, rng):
    """A names an upload; B, with its own disk, reads the pixels and the name through Redis (with the TTL) and
    keeps both on its disk; the latest name wins; Redis down leaves B's copy working."""
    a, b = stores(tmp_path, redis_server.url)
    key = a.put((rng.random((6, 7)) * 255).astype(np.uint8))
    a.put_name(key, "Ada's <cat>.png")
    client = redis.Redis.from_url(redis_server.url)
    assert client.get(f"{PREFIX}{key}.name") == b"Ada's <cat>.png"
    assert 3590 < client.ttl(f"{PREFIX}{key}.name") <= 3600
    b.get(key)  # B's disk gets the pixels from Redis
    assert b.name(key) == "Ada's <cat>.png"
    assert (tmp_path / "b" / f"{key}.name").read_bytes() == b"Ada's <cat>.png"
    a.put_name(key, "renamed.png")
    assert client.get(f"{PREFIX}{key}.name") == b"renamed.png"
    redis_server.stop()
    fresh_b = ImageStore(tmp_path / "b", 10**8, remote=b.remote)
    assert fresh_b.name(key) == "Ada's <cat>.png"  # B's disk copy; Redis down is no error
    a.put_name(key, "while down.png")  # no error either: A's disk has it
    assert ImageStore(tmp_path / "a", 10**8).name(key) == "while down.png"
