"""Fetch the pinned htmx from the npm registry into static/vendor/ (git-ignored).

The file is checked against the same SHA-384 the page's SRI attribute carries, so the copy
served locally is byte-for-byte the one the CDN would serve. Failing to fetch is not fatal:
the app works without htmx, and the tests that need it skip with a reason.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import htmx  # noqa: E402


def main() -> int:
    if htmx.LOCAL_FILE.is_file():
        return 0
    try:
        with urllib.request.urlopen(htmx.TARBALL, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        print(f"note: could not fetch htmx {htmx.VERSION} ({exc}); htmx tests will skip")
        return 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile("package/dist/htmx.min.js")
        body = member.read() if member else b""
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
