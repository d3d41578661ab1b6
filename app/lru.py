"""A small thread-safe LRU of bytes, bounded by total size: each worker's cache of rendered pages and PNGs.

Sync routes run on a thread pool, so every read and write takes the lock (an OrderedDict
reordered by two threads at once can lose an entry between a lookup and ``move_to_end``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypeVar

V = TypeVar("V")


def keep_recent(items: OrderedDict[str, V], key: str, value: V, most: int) -> None:
    """Put ``key`` last (most recent) in ``items`` and drop the oldest beyond ``most``; the caller holds its lock.

    >>> d = OrderedDict(a=1, b=2); keep_recent(d, "a", 3, most=2); keep_recent(d, "c", 4, most=2); list(d.items())
    [('a', 3), ('c', 4)]
    """
    items[key] = value
    items.move_to_end(key)
    while len(items) > most:
        items.popitem(last=False)


class BytesLRU:
    """``get``/``put`` of byte strings; the least recently used go first once ``max_bytes`` is passed.

    >>> cache = BytesLRU(max_bytes=10)
    >>> cache.put("a", b"12345"); cache.put("b", b"12345"); cache.get("a")
    b'12345'
    >>> cache.put("c", b"12345"); cache.get("b") is None, cache.get("a"), len(cache)
    (True, b'12345', 2)
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return  # larger than the whole cache: never kept
        with self._lock:
            old = self._items.pop(key, None)
            self._size += len(value) - (len(old) if old is not None else 0)
            self._items[key] = value
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)
