"""Schemathesis hooks for convstep (loaded through schemathesis.toml): real images to upload, and
the one kind of rejection a JSON Schema cannot rule out.

- ``map_case``: a schema-valid upload gets a real image (PNG, grey or RGB, a few sizes), so the
  stateful phase can follow the OpenAPI links from its ``id`` to /api/conv, /api/trace and
  /api/images/{id}.png. Negative cases are left as generated.
- ``filter_failure``: "schema-valid request rejected" (ST202) is dropped only when the answer is
  a 413 or 422 whose ``detail`` states a rule that relates two values (scripts/schemathesis_rules.py: a kernel that does not fit
  the padded input, ranks that do not pair, a ragged array, one bias per kernel, a step past the
  last, …) or a configured cost limit. The OpenAPI document states those rules in words because
  JSON Schema cannot; every rule it *can* state (ranks 1–3, preset names, image ids, per-axis
  lists, bounds, the text forms of /api/shape) it states, and rejections of those still fail. It is
  dropped too for a 410 from a class the stateful phase ended itself (DELETE /api/classes/{code}, then
  another link of the same class): state, not data, and the 410 is documented.
  Every other failure (5xx, schema mismatches, accepted invalid data, …) is kept.
- The pages' JSON twins (``GET /conv2d.json``, tag "pages"): their schema gives the canonical
  spelling a link carries, but a page also forgives hand-typed spellings (``01``, ``1.0``, ``1e3``,
  a blank field = the default, any ``projector`` value = on) and redirects them to the canonical
  URL, so "schema-violating request accepted" (ST201) is dropped for them, and only for them;
  every other check applies, the acceptance of schema-valid queries (ST202) included.
"""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import schemathesis

from scripts.schemathesis_rules import RELATIONAL

# What a model file holds is its format, named by the file name's extension: no schema states it, and the
# generator cannot name files. Uploads refused for their content (415) or for what the content says (422) are
# dropped for this operation only.
PAGE_TWIN = re.compile(r"/[a-z0-9]+\.json")
CONTENT_ONLY = {"POST /api/models": (415, 422)}
ENDED_CLASS = re.compile(r"^the class [2-9A-HJKMNP-Z]{6} has ended: its teacher ended it")


def _png(width: int, height: int, channels: int) -> bytes:
    """A small valid PNG (8-bit grey or RGB gradient), written with zlib alone."""
    colour = {1: 0, 3: 2}[channels]
    rows = b"".join(
        b"\x00" + bytes((x * 7 + y * 13 + c * 50) % 256 for x in range(width) for c in range(channels)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, colour, 0, 0, 0])
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return out.getvalue()


IMAGES = [_png(w, h, c) for w, h, c in ((8, 8, 1), (24, 16, 3), (5, 31, 1), (40, 40, 3))]


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    operation = case.operation
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if (operation.method.upper(), operation.path) == ("POST", "/api/images") and positive and isinstance(case.body, dict):
        case.body["file"] = IMAGES[len(repr(sorted(case.body))) % len(IMAGES)]
    return case


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """True keeps the failure; only a relational or configured-limit rejection of valid data is dropped."""
    if getattr(failure, "code", None) == "ST201" and PAGE_TWIN.fullmatch(case.operation.path):
        return False
    if getattr(failure, "code", None) != "ST202":
        return True
    if response.status_code == 410 and case.operation.path.startswith("/api/classes/"):
        return ENDED_CLASS.search(_detail(response)) is None
    if response.status_code in CONTENT_ONLY.get(f"{case.operation.method.upper()} {case.operation.path}", ()):
        return False
    if response.status_code not in (413, 422):
        return True
    detail = _detail(response)
    return not detail or not any(p.search(detail) for p in RELATIONAL)


def _detail(response: Any) -> str:
    try:
        return str(response.json().get("detail", ""))
    except (ValueError, AttributeError):
        return ""
