"""Where the project's folders are, found from this file so any working directory works."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
VENDOR_DIR = STATIC_DIR / "vendor"  # git-ignored: third-party assets fetched at test time
