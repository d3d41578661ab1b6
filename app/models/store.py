"""Uploaded model files, stored content-addressed beside the images (``<data_dir>/models``).

A model's id is the SHA-256 of its bytes (32 hex characters, like an image's), so the same file
uploaded twice is stored once and every worker can answer for any id. Writes are atomic (the
image store's temporary-file-and-rename). Each process keeps the last few parsed models in memory;
a stored file is parsed again (with the same checks) when another worker first needs it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from app.problems import Problem
from app.settings import Settings
from app.store import ID_LENGTH, ImageStore, check_id

from .files import FORMATS, Limits, ModelFile, read_model

MEMORY_ITEMS = 8


class ModelStore:
    def __init__(self, root: Path, limits: Limits) -> None:
        self.files = ImageStore(root, cap_bytes=2**62, memory_items=0)  # its atomic writes; models are never evicted
        self.limits = limits
        self._memory: OrderedDict[str, ModelFile] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes, filename: str) -> tuple[str, ModelFile]:
        """Check and parse the file (Problem when it is refused), store it, return its id and model."""
        model = read_model(data, filename, self.limits)
        key = hashlib.sha256(data).hexdigest()[:ID_LENGTH]
        path = self.files.root / f"{key}.{model.format}"
        if not path.exists():
            self.files._write_atomic(path, data)
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
        raise Problem(404, f"model {model_id} is not stored: upload it again", "model_id")

    def _remember(self, key: str, model: ModelFile) -> None:
        with self._lock:
            self._memory[key] = model
            self._memory.move_to_end(key)
            while len(self._memory) > MEMORY_ITEMS:
                self._memory.popitem(last=False)


_stores: dict[Path, ModelStore] = {}
_stores_lock = threading.Lock()


def get_model_store(settings: Settings) -> ModelStore:
    root = Path(settings.data_dir) / "models"
    with _stores_lock:
        if root not in _stores:
            _stores[root] = ModelStore(root, Limits.from_settings(settings))
        return _stores[root]
