"""Fetch the pinned htmx from the npm registry into static/vendor/ (git-ignored).

Uses npm's own client (``npm pack htmx.org@VERSION``), so no registry address lives in this
repository. The file is checked against the same SHA-384 the page's SRI attribute carries, so
the copy served locally is byte-for-byte the one the CDN would serve. Failing to fetch is not
fatal: the app works without htmx, and the tests that need it skip with a reason.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import htmx  # noqa: E402


def npm_pack(workdir: Path) -> Path | None:
    """Download the package tarball into ``workdir``; None (with a note) when npm cannot."""
    npm = shutil.which("npm")
    if npm is None:
        print(f"note: npm is not installed, so htmx {htmx.VERSION} was not fetched; htmx tests will skip")
        return None
    try:
        subprocess.run([npm, "pack", htmx.PACKAGE, "--silent"], cwd=workdir, check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"note: could not fetch {htmx.PACKAGE} ({exc}); htmx tests will skip")
        return None
    return next(workdir.glob("*.tgz"), None)


def main() -> int:
    if htmx.LOCAL_FILE.is_file():
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_pack(Path(tmp))
        if tarball is None:
            return 0
        with tarfile.open(tarball, mode="r:gz") as tar:
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
