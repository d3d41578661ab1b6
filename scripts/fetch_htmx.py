"""Fetch the pinned htmx from the npm registry into static/vendor/ (git-ignored).

The file is checked against the same SHA-384 the page's SRI attribute carries, so the copy
served locally is byte-for-byte the one the CDN would serve. Failing to fetch is not fatal:
the app works without htmx, and the tests that need it skip with a reason.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import htmx  # noqa: E402
from scripts.npm_fetch import npm_file  # noqa: E402


def main() -> int:
    if htmx.LOCAL_FILE.is_file():
        return 0
    body = npm_file(htmx.PACKAGE, "package/dist/htmx.min.js")
    if body is None:
        print(f"note: htmx {htmx.VERSION} not fetched (no network or no npm): pages load it from {htmx.CDN_ORIGIN}"
              " when that is reachable and work without it otherwise (each step a page load); the htmx tests skip")
        return 0
    digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    if digest != htmx.SRI:
        print(f"error: htmx {htmx.VERSION} hash {digest} does not match the pinned {htmx.SRI}")
        return 1
    htmx.LOCAL_FILE.parent.mkdir(parents=True, exist_ok=True)
    htmx.LOCAL_FILE.write_bytes(body)
    print(f"fetched htmx {htmx.VERSION} into {htmx.LOCAL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
