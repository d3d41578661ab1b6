"""No limit is written as a literal in templates or static JS: they come from Settings (through
the page's context, and data attributes for the JS), so a setting that changes a limit changes
every place that states or checks it."""

from __future__ import annotations

import re

from app.paths import TEMPLATES_DIR
from app.settings import Settings

STATIC_JS = TEMPLATES_DIR.parent / "static" / "js"

# attribute limits, and the wordings a hint uses to state one, followed by a number
TEMPLATE_PATTERNS = [
    r'\bmax="\d+"', r'\bmaxlength="\d+"', r"\bup to \d+", r"\bat most \d+", r"≤ ?\d+", r"\d+ to \d+×",
]


def _limit_values() -> set[int]:
    s = Settings()
    return {v for name, v in s.model_dump().items() if name.startswith("max_") and isinstance(v, int) and 2 <= v <= 10**6}


def test_templates_state_no_limit_as_a_literal():
    found: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = path.read_text()
        hits = [m.group(0) for pattern in TEMPLATE_PATTERNS for m in re.finditer(pattern, text)]
        if hits:
            found[path.name] = hits
    assert found == {}


def test_static_js_has_no_limit_literals():
    limits = _limit_values()
    for path in STATIC_JS.glob("*.js"):
        code = re.sub(r"//[^\n]*", "", path.read_text())  # comments may name a key, not a limit
        numbers = {int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", code)}
        assert not numbers & limits, f"{path.name} writes a Settings limit as a literal: {sorted(numbers & limits)}"
        assert not re.search(r"limit\s*=\s*[^;]*\?\s*\d+\s*:\s*\d+", code), f"{path.name} picks a limit from literals"


def test_the_scan_catches_what_it_claims():
    assert re.search(TEMPLATE_PATTERNS[0], '<input name="stride" max="8">')
    assert re.search(TEMPLATE_PATTERNS[2], "(up to 16×16)")
    assert {Settings().max_grid_size, Settings().max_page_kernel_size} <= _limit_values()
    old = 'const limit = kind === "kernel" ? 7 : 16;'
    assert re.search(r"limit\s*=\s*[^;]*\?\s*\d+\s*:\s*\d+", old)
