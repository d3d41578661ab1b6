"""The content-addressed store: ids, atomic writes, eviction, concurrency, hostile ids."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from app.problems import Problem
from app.store import ID_PATTERN, ImageStore, image_id


def test_put_get_roundtrip_and_same_content_same_id(tmp_path, rng):
    store = ImageStore(tmp_path, cap_bytes=10**8)
    pixels = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    key = store.put(pixels)
    assert ID_PATTERN.fullmatch(key) and key == image_id(pixels)
    assert store.put(pixels.copy()) == key
    fresh = ImageStore(tmp_path, cap_bytes=10**8)  # another worker: reads from disk
    np.testing.assert_array_equal(fresh.get(key), pixels)
    assert fresh.png(key).startswith(b"\x89PNG")
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


def test_different_shapes_with_same_bytes_differ(tmp_path):
    store = ImageStore(tmp_path, cap_bytes=10**8)
    flat = np.arange(12, dtype=np.uint8)
    assert store.put(flat.reshape(3, 4)) != store.put(flat.reshape(4, 3))


@pytest.mark.parametrize("bad", ["../etc/passwd", "/etc/passwd", "%2e%2e%2f", "A" * 32, "a" * 31, "a" * 33, "", "g" * 32])
def test_hostile_ids_are_refused(tmp_path, bad):
    store = ImageStore(tmp_path, cap_bytes=10**8)
    with pytest.raises(Problem) as e:
        store.get(bad)
    assert e.value.status_code == 422 and e.value.param == "image"


def test_missing_id_says_upload_again(tmp_path):
    with pytest.raises(Problem) as e:
        ImageStore(tmp_path, cap_bytes=10**8).get("0" * 32)
    assert e.value.status_code == 404 and "upload it again" in e.value.detail


def test_lru_eviction_keeps_recently_used(tmp_path, rng):
    images = [rng.integers(0, 255, (50, 50), dtype=np.uint8) for _ in range(4)]
    one = len(np.lib.format.header_data_from_array_1_0(images[0])) + 2500 + 128
    store = ImageStore(tmp_path, cap_bytes=3 * one, memory_items=0)
    keys = []
    for i, img in enumerate(images[:3]):
        keys.append(store.put(img))
        os.utime(tmp_path / f"{keys[-1]}.npy", (1000 + i, 1000 + i))
    store.get(keys[0])  # touch the oldest: now most recently used
    keys.append(store.put(images[3]))
    present = {k for k in keys if (tmp_path / f"{k}.npy").exists()}
    assert keys[1] not in present and {keys[0], keys[2], keys[3]} <= present
    with pytest.raises(Problem) as e:
        store.get(keys[1])
    assert e.value.status_code == 404


def test_eviction_never_breaks_a_reader(tmp_path, rng):
    """Readers hold an open file; another worker unlinking it must not corrupt what they read."""
    store = ImageStore(tmp_path, cap_bytes=10**9, memory_items=0)
    pixels = rng.integers(0, 255, (200, 200), dtype=np.uint8)
    key = store.put(pixels)
    stop, failures = threading.Event(), []

    def reader():
        reading = ImageStore(tmp_path, cap_bytes=10**9, memory_items=0)
        while not stop.is_set():
            try:
                np.testing.assert_array_equal(reading.get(key), pixels)
            except Problem as e:
                if e.status_code != 404:
                    failures.append(e)
            except AssertionError as e:
                failures.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        (tmp_path / f"{key}.npy").unlink(missing_ok=True)
        store.put(pixels.copy())
    stop.set()
    for t in threads:
        t.join()
    assert failures == []


def test_concurrent_puts_from_threads(tmp_path, rng):
    store = ImageStore(tmp_path, cap_bytes=10**9)
    images = [rng.integers(0, 255, (30, 30), dtype=np.uint8) for _ in range(8)]
    results: list[str] = []
    threads = [threading.Thread(target=lambda img=img: results.append(store.put(img))) for img in images * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 8
    for img in images:
        np.testing.assert_array_equal(ImageStore(tmp_path, 10**9).get(image_id(img)), img)


def _evict_between_check_and_touch(monkeypatch, path):
    """Another worker evicts ``path`` at the worst moment: just before this worker touches it."""
    touch = os.utime

    def evicting_touch(target, *args, **kwargs):
        if os.fspath(target) == os.fspath(path):
            path.unlink(missing_ok=True)
        return touch(target, *args, **kwargs)

    monkeypatch.setattr("app.store.os.utime", evicting_touch)


def test_put_of_an_image_evicted_while_being_touched_stores_it_again(tmp_path, rng, monkeypatch):
    pixels = rng.integers(0, 255, (20, 20), dtype=np.uint8)
    store = ImageStore(tmp_path, cap_bytes=10**8)
    key = store.put(pixels)
    _evict_between_check_and_touch(monkeypatch, tmp_path / f"{key}.npy")
    assert store.put(pixels) == key
    np.testing.assert_array_equal(ImageStore(tmp_path, 10**8).get(key), pixels)


def test_get_that_read_the_pixels_answers_even_if_evicted_before_the_touch(tmp_path, rng, monkeypatch):
    pixels = rng.integers(0, 255, (20, 20), dtype=np.uint8)
    key = ImageStore(tmp_path, cap_bytes=10**8).put(pixels)
    _evict_between_check_and_touch(monkeypatch, tmp_path / f"{key}.npy")
    np.testing.assert_array_equal(ImageStore(tmp_path, 10**8, memory_items=0).get(key), pixels)


def test_png_of_an_image_another_worker_evicted_leaves_no_orphan(tmp_path, rng):
    """Worker A still holds the pixels in memory after worker B evicted them: A may serve the PNG
    but must not write it to disk, where no eviction would ever find it."""
    small = rng.integers(0, 255, (40, 40), dtype=np.uint8)
    worker_a = ImageStore(tmp_path, cap_bytes=10**8)
    key = worker_a.put(small)
    (tmp_path / f"{key}.npy").unlink()  # what worker B's eviction does
    assert worker_a.png(key).startswith(b"\x89PNG")
    assert not (tmp_path / f"{key}.png").exists()


def test_eviction_removes_orphan_pngs(tmp_path, rng):
    store = ImageStore(tmp_path, cap_bytes=10**8)
    kept = store.put(rng.integers(0, 255, (10, 10), dtype=np.uint8))
    store.png(kept)
    orphan = "f" * 32
    (tmp_path / f"{orphan}.png").write_bytes(b"\x89PNG left by a race")
    store.put(rng.integers(0, 255, (10, 10), dtype=np.uint8))  # a new upload runs eviction
    assert not (tmp_path / f"{orphan}.png").exists()
    assert (tmp_path / f"{kept}.png").exists() and (tmp_path / f"{kept}.npy").exists()


def test_a_dead_writes_temporary_files_are_removed_and_a_live_ones_kept(tmp_path):
    import os
    import time

    from app.store import STALE_SECONDS, ImageStore

    (tmp_path / "s").mkdir()
    stale, fresh = tmp_path / "s" / ".tmp-dead.npy", tmp_path / "s" / ".tmp-busy.npy"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"being written")
    old = time.time() - STALE_SECONDS - 10
    os.utime(stale, (old, old))
    store = ImageStore(tmp_path / "s", cap_bytes=10**9)  # a worker starting up
    assert not stale.exists() and fresh.exists()
    os.utime(fresh, (old, old))  # later, that write's process died too: the next eviction pass removes it
    store.put(np.zeros((3, 3), np.uint8))
    assert not fresh.exists() and [p.suffix for p in (tmp_path / "s").iterdir()] == [".npy"]


def test_an_uploads_name_is_kept_beside_its_pixels(tmp_path, rng):
    """The file name lives in <id>.name (UTF-8), read back by any worker on this disk; "" when none was given."""
    pixels = rng.integers(0, 255, (10, 10), dtype=np.uint8)
    key = ImageStore(tmp_path, cap_bytes=10**8).put(pixels)
    writer = ImageStore(tmp_path, cap_bytes=10**8)
    assert writer.name(key) == ""
    writer.put_name(key, "Straße <1>.png")
    assert (tmp_path / f"{key}.name").read_bytes() == "Straße <1>.png".encode()
    assert ImageStore(tmp_path, cap_bytes=10**8).name(key) == "Straße <1>.png"  # another worker, from the disk
    writer.put_name(key, "again.png")  # the same pixels uploaded under another name: the latest names them
    assert ImageStore(tmp_path, cap_bytes=10**8).name(key) == "again.png"
    writer.put_name(key, "")  # an upload without a name leaves the name alone
    assert ImageStore(tmp_path, cap_bytes=10**8).name(key) == "again.png"


def test_a_name_goes_with_its_pixels(tmp_path, rng):
    """Evicting an image removes its name; a name whose pixels are gone (a race between workers) is removed by
    the next eviction pass, and never written for pixels that are not on the disk."""
    images = [rng.integers(0, 255, (50, 50), dtype=np.uint8) for _ in range(3)]
    one = len(np.lib.format.header_data_from_array_1_0(images[0])) + 2500 + 128
    store = ImageStore(tmp_path, cap_bytes=2 * one, memory_items=0)
    first = store.put(images[0])
    store.put_name(first, "a.png")
    os.utime(tmp_path / f"{first}.npy", (1000, 1000))
    store.put(images[1])
    store.put(images[2])  # over the cap: the oldest goes, with its name
    assert not (tmp_path / f"{first}.npy").exists() and not (tmp_path / f"{first}.name").exists()
    assert ImageStore(tmp_path, cap_bytes=10**8).name(first) == ""
    orphan = "e" * 32
    (tmp_path / f"{orphan}.name").write_bytes(b"left by a race")
    store.put_name(orphan, "never.png")  # no pixels: nothing written
    assert (tmp_path / f"{orphan}.name").read_bytes() == b"left by a race"
    store.put(rng.integers(0, 255, (5, 5), dtype=np.uint8))  # the next upload runs eviction
    assert not (tmp_path / f"{orphan}.name").exists()
