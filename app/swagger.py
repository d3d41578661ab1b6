"""The pinned Swagger UI release behind /docs: where its files come from, and their integrity hashes.

An offline classroom needs /docs to work without a CDN: ``make run`` and ``make test`` fetch
swagger-ui-dist from the npm registry into the git-ignored static/vendor/ (scripts/fetch_swagger.py,
checked against the SHA-384 below) and /docs serves those files itself. When they were not fetched
(no network at install time) /docs falls back to the CDN, with the same hashes, and says so on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from .paths import VENDOR_DIR

VERSION = "5.35.0"
PACKAGE = f"swagger-ui-dist@{VERSION}"
CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{VERSION}"
CDN_ORIGIN = "https://cdn.jsdelivr.net"
LOCAL_DIR = VENDOR_DIR / f"swagger-ui-{VERSION}"
LOCAL_URL = f"/static/vendor/swagger-ui-{VERSION}"
# file name → SHA-384 (Subresource Integrity form) of swagger-ui-dist 5.35.0's own files
FILES = {
    "swagger-ui-bundle.js": "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
    "swagger-ui.css": "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
}


@dataclass(frozen=True)
class Assets:
    js: str
    css: str
    local: bool


def local() -> bool:
    """Whether the pinned files were fetched (make run / make test)."""
    return all((LOCAL_DIR / name).is_file() for name in FILES)


def assets() -> Assets:
    """Where /docs loads Swagger UI from: this server when the files are here, else the CDN."""
    base = LOCAL_URL if local() else CDN
    return Assets(f"{base}/swagger-ui-bundle.js", f"{base}/swagger-ui.css", local())
