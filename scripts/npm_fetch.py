"""Fetch one file out of an npm package with npm's own client, by package name.

``npm pack NAME@VERSION`` downloads the tarball from the npm registry (no registry address lives
in this repository); the file is extracted to a git-ignored destination. Third-party code is
fetched when needed, never committed.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path


def npm_file(package: str, member: str) -> bytes | None:
    """The bytes of ``member`` (e.g. ``package/dist/htmx.min.js``) in ``package``; None with a
    printed note when npm is missing or cannot fetch (callers decide whether that is fatal)."""
    files = npm_files(package, [member])
    return None if files is None else files[member]


def npm_files(package: str, members: list[str]) -> dict[str, bytes] | None:
    """Several members of one package, from one download; None (with a note) when npm cannot fetch it
    or a member is missing."""
    npm = shutil.which("npm")
    if npm is None:
        print(f"note: npm is not installed, so {package} was not fetched")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([npm, "pack", package, "--silent"], cwd=tmp, check=True, timeout=120,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"note: could not fetch {package} ({exc})")
            return None
        tarball = next(Path(tmp).glob("*.tgz"), None)
        if tarball is None:
            return None
        found = {}
        with tarfile.open(tarball, mode="r:gz") as tar:
            for member in members:
                try:
                    extracted = tar.extractfile(member)
                except KeyError:
                    extracted = None
                if extracted is None:
                    print(f"note: {package} has no {member}")
                    return None
                found[member] = extracted.read()
        return found
