"""Content-addressed upload store shared by every worker process through the data directory.

An image's id is the SHA-256 of its normalised pixels (and shape), so the same picture uploaded
twice is stored once and any worker can serve any id. Files are written to a temporary name and
renamed into place (atomic on POSIX), so a reader never sees half a file. When the directory
grows past its cap the least recently used images are evicted; an evicted id answers 404 with
"upload it again". Each process keeps a small in-memory LRU of decoded arrays so stepping never
re-reads the disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .lru import keep_recent
from .problems import Problem
from .settings import Settings

if TYPE_CHECKING:
    from .blobs import RedisBlobs

ID_LENGTH = 32
ID_PATTERN = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")
TEMPORARY_PREFIX = ".tmp-"
STALE_SECONDS = 3600  # a temporary file this old belongs to a write that died with its process
NAME = ".name"  # an upload's file name, UTF-8, beside its pixels (<id>.name; in Redis under <id>.name too)
MAX_NAME_BYTES = 1000
SIDE_FILES = (".png", NAME)  # kept beside <id>.npy, and go with it


def image_id(pixels: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(repr((pixels.shape, pixels.dtype.str)).encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()[:ID_LENGTH]


image_id_of = image_id  # the name inside ImageStore, whose methods take an ``image_id`` argument


def _npy(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, pixels, allow_pickle=False)
    return buffer.getvalue()


def check_id(value: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise Problem(
            422, f"image id must be {ID_LENGTH} lowercase hex characters, got {str(value)[:80]!r}", "image"
        )
    return value


class ImageStore:
    def __init__(self, root: Path, cap_bytes: int, memory_items: int = 32, remote: RedisBlobs | None = None) -> None:
        self.root = Path(root)
        self.remote = remote  # Redis, shared by every host (app/blobs.py); this disk is then a cache
        self.root.mkdir(parents=True, exist_ok=True)
        self.cap_bytes = cap_bytes
        self.memory_items = memory_items
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._names: OrderedDict[str, str] = OrderedDict()  # file names read or written, a few hundred bytes each
        self._lock = threading.Lock()
        self.remove_stale_temporaries()

    def remove_stale_temporaries(self, older_than: float = STALE_SECONDS) -> list[str]:
        """Delete temporary files left by writes that never finished (a worker killed mid-write).

        Writes go to a temporary name and are renamed into place, so a reader never sees half a
        file; only a temporary can be left behind, and nothing serves it. Recent ones may belong
        to a write in progress in another worker, so only those older than ``older_than`` go.
        """
        removed, now = [], time.time()
        for entry in os.scandir(self.root):
            if entry.name.startswith(TEMPORARY_PREFIX):
                try:
                    if now - entry.stat().st_mtime > older_than:
                        os.unlink(entry.path)
                        removed.append(entry.name)
                except FileNotFoundError:
                    pass
        return removed

    def readiness(self, min_free_bytes: int) -> dict[str, Any]:
        """Whether this store can take an upload now: a file written and removed, and enough free space."""
        try:
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX, suffix=".ready")
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            return {"ok": False, "detail": f"cannot write in {self.root}: {exc.strerror or exc}"}
        free = shutil.disk_usage(self.root).free
        if free < min_free_bytes:
            return {"ok": False, "detail": f"{free // 2**20} MiB free under {self.root}, less than"
                    f" {min_free_bytes // 2**20} MiB (CONVSTEP_MIN_FREE_BYTES)", "free_bytes": free}
        return {"ok": True, "detail": f"writable, {free // 2**20} MiB free", "free_bytes": free}

    def _path(self, image_id: str, suffix: str) -> Path:
        return self.root / f"{check_id(image_id)}{suffix}"

    def _write_atomic(self, path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX, suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # on disk before the name appears: a crash leaves the old state or the new
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def holds(self, image_id: str) -> bool:
        """Whether ``get(image_id)`` answers from this process's memory (no disk, no network)."""
        with self._lock:
            return image_id in self._memory

    def _remember(self, image_id: str, pixels: np.ndarray) -> None:
        with self._lock:
            keep_recent(self._memory, image_id, pixels, self.memory_items)

    def put(self, pixels: np.ndarray) -> str:
        """Store uint8 pixels, return their id (idempotent)."""
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        pixels.flags.writeable = False
        key = image_id(pixels)
        path = self._path(key, ".npy")
        data = None
        try:
            os.utime(path)  # already stored: mark it recently used
        except FileNotFoundError:  # not stored, or evicted by another worker a moment ago
            buffer = io.BytesIO()
            np.save(buffer, pixels, allow_pickle=False)
            data = buffer.getvalue()
            self._write_atomic(path, data)
            self.evict(keep=key)
        if self.remote is not None:  # False when Redis is down: the upload still works on this host
            self.remote.put(key, lambda: data if data is not None else _npy(pixels))
        self._remember(key, pixels)
        return key

    def get(self, image_id: str) -> np.ndarray:
        """The stored pixels (read-only). 422 for a malformed id, 404 when not stored."""
        path = self._path(image_id, ".npy")
        with self._lock:
            cached = self._memory.get(image_id)
            if cached is not None:
                self._memory.move_to_end(image_id)
                return cached
        try:
            with open(path, "rb") as f:  # an open file survives eviction by another worker
                pixels = np.load(f, allow_pickle=False)
        except FileNotFoundError:
            pixels = self._fetch(image_id)
            if pixels is not None:
                return pixels
            raise Problem(
                404, f"image {image_id} is not stored (it may have been evicted to make room):"
                " upload it again", "image"
            ) from None
        except ValueError:
            raise Problem(404, f"image {image_id} is damaged on disk: upload it again", "image") from None
        with contextlib.suppress(FileNotFoundError):  # evicted since we opened it: the pixels read are still good
            os.utime(path)
        pixels.flags.writeable = False
        self._remember(image_id, pixels)
        return pixels

    def _fetch(self, image_id: str) -> np.ndarray | None:
        """An upload another host stored, from Redis, kept on this disk from now on; None when not there."""
        data = self.remote.get(image_id) if self.remote is not None else None
        if data is None:
            return None
        try:
            pixels = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError:
            return None
        if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or image_id_of(pixels) != image_id:
            return None  # not what the id names: never served
        self._write_atomic(self._path(image_id, ".npy"), data)
        self.evict(keep=image_id)
        pixels.flags.writeable = False
        self._remember(image_id, pixels)
        return pixels

    def put_name(self, image_id: str, name: str) -> None:
        """Keep an upload's file name beside its pixels, so a page names the upload from its id alone ("" keeps
        nothing). The same pixels uploaded again under another name take the new one. Redis gets it too."""
        data = name.encode("utf-8")[:MAX_NAME_BYTES]
        if not data:
            return
        if self._path(image_id, ".npy").exists():  # never an orphan no eviction could find
            self._write_atomic(self._path(image_id, NAME), data)
        if self.remote is not None:
            self.remote.replace(image_id + NAME, data)
        self._remember_name(image_id, data.decode("utf-8", "ignore"))

    def name(self, image_id: str) -> str:
        """The upload's file name, "" when it had none (or it is gone with its pixels): this process's memory,
        then the disk, then Redis (kept on the disk from then on)."""
        path = self._path(image_id, NAME)
        with self._lock:
            known = self._names.get(image_id)
        if known is not None:
            return known
        try:
            data: bytes | None = path.read_bytes()
        except FileNotFoundError:
            data = self.remote.get(image_id + NAME) if self.remote is not None else None
            if data is not None and self._path(image_id, ".npy").exists():
                self._write_atomic(path, data[:MAX_NAME_BYTES])
        text = (data or b"")[:MAX_NAME_BYTES].decode("utf-8", "ignore")
        self._remember_name(image_id, text)
        return text

    def _remember_name(self, image_id: str, name: str) -> None:
        with self._lock:
            keep_recent(self._names, image_id, name, 8 * self.memory_items)

    def png(self, image_id: str) -> bytes:
        """The stored image as PNG, encoded once and kept beside the pixels."""
        from .imaging import render_png  # local: the store itself needs no Pillow

        path = self._path(image_id, ".png")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            data = render_png(self.get(image_id), "clip")
            # Only beside its pixels: an image another worker evicted may still be in this worker's
            # memory, and a PNG written for it would be an orphan no eviction could find.
            if self._path(image_id, ".npy").exists():
                self._write_atomic(path, data)
            return data

    def evict(self, keep: str | None = None) -> list[str]:
        """Delete PNGs and names whose pixels are gone, then least recently used images (with their PNG and
        name) until the store fits its cap.

        One pass over the directory gives both the total size and each image's last use: this runs
        after every new upload, and a second listing doubled its cost in a store of thousands.
        """
        entries, stored, sides, usage = [], set(), {}, 0
        now = time.time()
        for entry in os.scandir(self.root):
            try:
                stat = entry.stat()
                if entry.name.startswith(TEMPORARY_PREFIX) and now - stat.st_mtime > STALE_SECONDS:
                    os.unlink(entry.path)  # a dead write's leftover (see remove_stale_temporaries)
                    continue
            except FileNotFoundError:  # another worker evicted it meanwhile
                continue
            usage += stat.st_size
            key, suffix = os.path.splitext(entry.name)
            if not ID_PATTERN.fullmatch(key):
                continue
            if suffix in SIDE_FILES:
                sides[key + suffix] = stat.st_size
            elif suffix == ".npy":
                stored.add(key)
                if key != keep:
                    entries.append((stat.st_mtime, key))
        for orphan in [f for f in sides if f[:ID_LENGTH] not in stored]:  # a race between workers can leave one
            (self.root / orphan).unlink(missing_ok=True)
            usage -= sides[orphan]
        evicted = []
        for _, key in sorted(entries):
            if usage <= self.cap_bytes:
                break
            for suffix in (".npy", *SIDE_FILES):
                path = self.root / f"{key}{suffix}"
                try:
                    usage -= path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    pass
            with self._lock:
                self._memory.pop(key, None)
                self._names.pop(key, None)
            evicted.append(key)
        return evicted


_stores: dict[Path, ImageStore] = {}
_stores_lock = threading.Lock()


def get_store(settings: Settings) -> ImageStore:
    """This process's store for ``settings.data_dir`` (created on first use)."""
    root = Path(settings.data_dir) / "images"
    with _stores_lock:
        store = _stores.get(root)
        if store is None:
            remote = None
            if settings.redis_url:
                from .blobs import RedisBlobs

                remote = RedisBlobs(settings.redis_url, settings.redis_upload_ttl_s)
            store = _stores[root] = ImageStore(root, settings.store_cap_bytes, settings.memory_cache_items, remote)
        return store


def in_memory(image_id: str, settings: Settings) -> bool:
    """Whether this process holds ``image_id`` decoded, so reading it touches no disk and no network
    (never creates the store: that writes in the data directory)."""
    with _stores_lock:
        store = _stores.get(Path(settings.data_dir) / "images")
    return store is not None and store.holds(image_id)
