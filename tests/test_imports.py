"""Import boundaries, read from the source (the AST of every module under app/), not from a running app.

- app/engine/ imports only NumPy, the standard library and itself: it can be tested, benchmarked and
  reused on its own.
- app/imaging.py (decoding and rendering arrays) and app/export/raster.py (drawing exported steps) are
  the only modules that import Pillow.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
STDLIB = sys.stdlib_module_names


def imports(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module)`` for every import in ``path``, relative ones resolved against the package."""
    package = list(path.relative_to(APP.parent).with_suffix("").parts[:-1])  # e.g. ["app", "engine"]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # "from . import x": each name is a module of the package
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_walker_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The checks below can only fail if the walker finds imports: show that it finds each form."""
    pkg = tmp_path / "app" / "engine"
    pkg.mkdir(parents=True)
    source = pkg / "demo.py"
    source.write_text(
        "import os, numpy as np\nfrom .arrays import as_array\nfrom . import shapes\nfrom ..imaging import x\n"
        "def f():\n    import PIL.Image\n    from scipy import signal\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "APP", tmp_path / "app")
    assert [m for _, m in imports(source)] == [
        "os", "numpy", "app.engine.arrays", "app.engine.shapes", "app.imaging", "PIL.Image", "scipy",
    ]


@pytest.mark.parametrize("path", modules(APP / "engine"), ids=lambda p: p.name)
def test_engine_imports_only_numpy_and_the_standard_library(path):
    bad = [
        f"{path.name}:{line} imports {name}"
        for line, name in imports(path)
        if not (name.split(".")[0] in STDLIB or name.split(".")[0] == "numpy" or name.startswith("app.engine"))
    ]
    assert not bad, "app/engine may import only NumPy and the standard library: " + "; ".join(bad)


def test_only_imaging_and_the_export_raster_import_pillow():
    importers = sorted(
        str(path.relative_to(APP.parent))
        for path in modules(APP)
        if any(name.split(".")[0] == "PIL" for _, name in imports(path))
    )
    assert importers == ["app/export/raster.py", "app/imaging.py"]
