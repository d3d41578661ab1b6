"""Limits live in Settings (and the page states); templates only print what the context gives them."""

from __future__ import annotations

import re

from app.paths import TEMPLATES_DIR

# a number written into a template where a limit or a default belongs
LITERAL_LIMITS = re.compile(
    r'\b(?:max|maxlength)="\d|up to \d|≤ \d|at most \d|\d+×\d+ to \d|(?:state\.\w+|state\[\w+\]) or [\'"]?\d'
)


def test_no_limit_or_default_is_a_literal_in_templates():
    found = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            found += [f"{path.name}:{n}: {m.group(0)}" for m in LITERAL_LIMITS.finditer(line)]
    assert found == []


def test_the_pattern_sees_what_it_forbids():
    for line in ('<input max="8">', "(up to 16×16)", "size ≤ 16", '1×1 to 7×7', "{{ state.stride or 1 }}", 'maxlength="400"'):
        assert LITERAL_LIMITS.search(line), line
    for line in ('max="{{ limits.stride }}"', "up to {{ limits.grid }}", "{{ form.stride }}"):
        assert not LITERAL_LIMITS.search(line), line


def test_lecture_forms_take_their_limits_from_the_state(client):
    html = client.get("/volume").text
    assert 'name="size" min="1" max="9" value="5"' in html and 'name="filters" min="1" max="4" value="2"' in html
    assert 'data-max-grid="16"' in client.get("/pool").text  # stepper.js checks typed grids against it
