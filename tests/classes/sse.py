"""A small Server-Sent Events reader over an httpx streaming response (tests and the bench)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class SseEvent:
    event: str = "message"
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    @property
    def json(self):
        return json.loads(self.data)


def events(lines: Iterator[str], comments: bool = False) -> Iterator[SseEvent]:
    """Events from the stream's lines (``response.iter_lines()``); comment-only blocks (pings)
    are yielded too when ``comments`` is set."""
    current, data = SseEvent(), []
    for line in lines:
        if line == "":
            if data or (comments and current.comments):
                current.data = "\n".join(data)
                yield current
            current, data = SseEvent(), []
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            current.comments.append(value)
        elif name == "event":
            current.event = value
        elif name == "id":
            current.id = value
        elif name == "data":
            data.append(value)
