"""The pinned htmx release: where the page loads it from, and its integrity hash.

htmx only enhances pages (every control is a real link or form), so ``none`` is a fully
working setting. ``auto`` serves the copy fetched into static/vendor/ when present (tests,
offline classrooms) and the CDN with SRI otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from .paths import VENDOR_DIR

VERSION = "2.0.8"
SRI = "sha384-/TgkGk7p307TH7EXJDuUlgG3Ce1UVolAOFopFekQkkXihi5u/6OCvVKyz1W+idaz"
PACKAGE = f"htmx.org@{VERSION}"  # fetched by `npm pack` from the npm registry (scripts/fetch_htmx.py)
CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{VERSION}/dist/htmx.min.js"
CDN_ORIGIN = "https://cdn.jsdelivr.net"
LOCAL_FILE = VENDOR_DIR / f"htmx-{VERSION}.min.js"
LOCAL_URL = f"/static/vendor/htmx-{VERSION}.min.js"


@dataclass(frozen=True)
class Script:
    src: str
    integrity: str
    cross_origin: bool


def script(source: str) -> Script | None:
    """The ``<script>`` to emit for a ``htmx_source`` setting, or None for no htmx."""
    source = source.lower()
    if source == "none":
        return None
    if source == "local" or (source == "auto" and LOCAL_FILE.is_file()):
        return Script(LOCAL_URL, SRI, cross_origin=False)
    return Script(CDN_URL, SRI, cross_origin=True)
