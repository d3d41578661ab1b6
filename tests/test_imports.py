"""Import boundaries, read from the source (the AST of every module under app/), not from a running app.

- app/engine/ imports only NumPy, the standard library and itself: it can be tested, benchmarked and
  reused on its own.
- Below the faces (app/api, app/web and the modules that wire them into the app) nothing imports FastAPI
  or Starlette, even through another app module.
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


# The faces (HTTP) and the wiring that builds the app from them: the only modules that may import the web framework.
FACES = ("app/api/", "app/web/", "app/main.py", "app/errors.py", "app/docs.py", "app/head.py", "app/responses.py",
         "app/security.py", "app/uploads.py")
FRAMEWORKS = {"fastapi", "starlette"}


def module_file(name: str) -> Path | None:
    """The file of ``app.x.y`` (a module or a package's __init__), None for anything outside app/."""
    if name.split(".")[0] != "app":
        return None
    base = APP.parent.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def app_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, with ``from package import submodule`` counted as the submodule too."""
    found = {name for _, name in imports(path)}
    package = list(path.relative_to(APP.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = package[: len(package) - node.level + 1] if node.level else []
            found |= {".".join([*base, node.module, alias.name]) for alias in node.names}
    return found


def framework_chain(path: Path) -> list[str] | None:
    """The import chain from ``path`` to FastAPI or Starlette through app/ modules, or None."""
    seen: set[Path] = set()
    todo: list[tuple[Path, list[str]]] = [(path, [str(path.relative_to(APP.parent))])]
    while todo:
        here, chain = todo.pop()
        if here in seen:
            continue
        seen.add(here)
        for name in sorted(app_imports(here)):
            if name.split(".")[0] in FRAMEWORKS:
                return [*chain, name]
            target = module_file(name)
            if target is not None:
                todo.append((target, [*chain, str(target.relative_to(APP.parent))]))
    return None


def domain_modules() -> list[Path]:
    return [p for p in modules(APP) if not str(p.relative_to(APP.parent)).startswith(FACES)]


def test_the_framework_check_follows_imports_through_the_app(tmp_path, monkeypatch):
    (tmp_path / "app" / "store").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "store" / "__init__.py").write_text("")
    (tmp_path / "app" / "store" / "blob.py").write_text("from .. import problems\n")
    (tmp_path / "app" / "problems.py").write_text("from starlette.exceptions import HTTPException\n")
    (tmp_path / "app" / "clean.py").write_text("from .store import blob as _\nimport numpy\n")
    (tmp_path / "app" / "pure.py").write_text("import json\n")
    monkeypatch.setattr(sys.modules[__name__], "APP", tmp_path / "app")
    assert framework_chain(tmp_path / "app" / "clean.py") == [
        "app/clean.py", "app/store/blob.py", "app/problems.py", "starlette.exceptions"]
    assert framework_chain(tmp_path / "app" / "pure.py") is None


def test_the_domain_is_every_module_below_the_faces():
    names = {str(p.relative_to(APP.parent)) for p in domain_modules()}
    assert {"app/imaging.py", "app/store.py", "app/sources.py", "app/problems.py", "app/engine/conv.py",
            "app/state/conv2d.py", "app/models/store.py", "app/classes/service.py", "app/export/raster.py"} <= names
    assert not any(n.startswith(("app/web/", "app/api/")) for n in names)


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(APP)))
def test_domain_modules_import_no_web_framework(path):
    """engine, state, imaging, store, sources, models, classes, export …: framework-free, even through
    the app modules they import, so their errors are mapped to HTTP in one place (app/errors.py)."""
    assert framework_chain(path) is None
