"""Fetch the pinned Swagger UI (swagger-ui-dist) from the npm registry into static/vendor/ (git-ignored).

Each file is checked against the SHA-384 pinned in app/swagger.py, so what /docs serves locally is
byte for byte the release the CDN serves. Failing to fetch is not fatal: /docs then loads Swagger UI
from the CDN and says so, and the JSON API and /openapi.json work either way.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import swagger  # noqa: E402
from scripts.npm_fetch import npm_files  # noqa: E402


def main() -> int:
    if swagger.local():
        return 0
    fetched = npm_files(swagger.PACKAGE, [f"package/{name}" for name in swagger.FILES])
    if fetched is None:
        print(f"note: Swagger UI {swagger.VERSION} not fetched (no network or no npm): /docs loads it from"
              f" {swagger.CDN_ORIGIN} when that is reachable; the API and /openapi.json work either way")
        return 0
    bodies = {}
    for name, pinned in swagger.FILES.items():
        body = fetched[f"package/{name}"]
        digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
        if digest != pinned:
            print(f"error: swagger-ui-dist {swagger.VERSION} {name} hash {digest} does not match the pinned {pinned}")
            return 1
        bodies[name] = body
    swagger.LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        (swagger.LOCAL_DIR / name).write_bytes(body)
    print(f"fetched Swagger UI {swagger.VERSION} into {swagger.LOCAL_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
