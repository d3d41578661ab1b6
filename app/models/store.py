"""Uploaded model files, stored content-addressed beside the images (``<data_dir>/models``).

A model's id is the SHA-256 of its bytes (32 hex characters, like an image's), so the same file
uploaded twice is stored once and every worker can answer for any id. Writes are atomic (the
image store's temporary-file-and-rename). Each process keeps the last few parsed models in memory;
a stored file is parsed again (with the same checks) when another worker first needs it.

With ``CONVSTEP_REDIS_URL`` set, each upload is also kept in Redis (app/blobs.py, under
``convstep:model:<id>``, as ``<format>\n<bytes>``, for ``CONVSTEP_REDIS_UPLOAD_TTL_S`` after its last
use), like the images: a host whose disk lacks an id reads it from Redis, checks the bytes hash to that
id and parse, and keeps a copy on its disk. Redis down never fails an upload or what the disk holds.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from app.lru import keep_recent
from app.problems import Problem
from app.settings import Settings
from app.store import ID_LENGTH, ImageStore, check_id

from .files import FORMATS, Limits, ModelFile, read_model

if TYPE_CHECKING:
    from app.blobs import RedisBlobs

MEMORY_ITEMS = 8


class ModelStore:
    def __init__(self, root: Path, limits: Limits, remote: RedisBlobs | None = None) -> None:
        self.files = ImageStore(root, cap_bytes=2**62, memory_items=0)  # its atomic writes; models are never evicted
        self.limits = limits
        self.remote = remote  # Redis, shared by every host; this disk is then a cache
        self._memory: OrderedDict[str, ModelFile] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes, filename: str) -> tuple[str, ModelFile]:
        """Check and parse the file (Problem when it is refused), store it, return its id and model."""
        model = read_model(data, filename, self.limits)
        key = hashlib.sha256(data).hexdigest()[:ID_LENGTH]
        path = self.files.root / f"{key}.{model.format}"
        if not path.exists():
            self.files._write_atomic(path, data)
        if self.remote is not None:  # False when Redis is down: the upload still works on this host
            self.remote.put(key, lambda: model.format.encode() + b"\n" + data)
        self._remember(key, model)
        return key, model

    def get(self, model_id: str) -> ModelFile:
        """The parsed model stored under ``model_id``: 422 for a malformed id, 404 when none is stored."""
        try:
            check_id(model_id)
        except Problem:
            raise Problem(422, f"model id must be \"digits\" or {ID_LENGTH} lowercase hex characters,"
                          f" got {str(model_id)[:80]!r}", "model_id") from None
        with self._lock:
            if model_id in self._memory:
                self._memory.move_to_end(model_id)
                return self._memory[model_id]
        for suffix, fmt in FORMATS.items():
            path = self.files.root / f"{model_id}.{fmt}"
            if path.exists():
                model = read_model(path.read_bytes(), f"model{suffix}", self.limits)
                self._remember(model_id, model)
                return model
        fetched = self._fetch(model_id)
        if fetched is not None:
            return fetched
        raise Problem(404, f"model {model_id} is not stored: upload it again", "model_id")

    def _fetch(self, model_id: str) -> ModelFile | None:
        """A model another host stored, from Redis, kept on this disk from now on; None when not there."""
        stored = self.remote.get(model_id) if self.remote is not None else None
        if stored is None:
            return None
        fmt, _, data = stored.partition(b"\n")
        suffix = next((s for s, f in FORMATS.items() if f.encode() == fmt), None)
        if suffix is None or hashlib.sha256(data).hexdigest()[:ID_LENGTH] != model_id:
            return None  # not what the id names: never served
        try:
            model = read_model(data, f"model{suffix}", self.limits)  # the same checks as an upload
        except Problem:
            return None
        self.files._write_atomic(self.files.root / f"{model_id}.{model.format}", data)
        self._remember(model_id, model)
        return model

    def _remember(self, key: str, model: ModelFile) -> None:
        with self._lock:
            keep_recent(self._memory, key, model, MEMORY_ITEMS)


_stores: dict[Path, ModelStore] = {}
_stores_lock = threading.Lock()


def get_model_store(settings: Settings) -> ModelStore:
    root = Path(settings.data_dir) / "models"
    with _stores_lock:
        if root not in _stores:
            remote = None
            if settings.redis_url:
                from app.blobs import MODEL_PREFIX, RedisBlobs

                remote = RedisBlobs(settings.redis_url, settings.redis_upload_ttl_s, MODEL_PREFIX)
            _stores[root] = ModelStore(root, Limits.from_settings(settings), remote)
        return _stores[root]
