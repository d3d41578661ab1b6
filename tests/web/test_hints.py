"""One-line hints beside the terms the pages use (issue 11 part B): inside the field's label, so they are
visible and read with the field's name; each written once (app/web/hints.py)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.web.hints import HINTS

# (page, hint, the form field whose label carries it, or None for a hint beside a table or a matrix)
PLACES = [
    ("/conv2d", "dilation", "dilation"),
    ("/conv2d", "padding", "padding"),
    ("/conv2d", "toeplitz", None),
    ("/conv1d", "padding", "padding"),
    ("/transpose", "dilation", "dilation"),
    ("/volume", "example", "seed"),
    ("/shapes", "padding", "padding"),
    ("/shapes", "dilation", "dilation"),
    ("/shapes", "receptive_field", None),
]


@pytest.mark.parametrize(("path", "hint", "field"), PLACES)
def test_hint_sits_with_its_term(client, path, hint, field):
    html = client.get(path).text
    if field is None:
        m = re.search(rf'data-hint="{hint}">(.{{0,400}})', html, re.S)
    else:
        label = re.search(rf'<label[^>]*>((?:(?!</label>).)*?name="{field}"(?:(?!</label>).)*)</label>', html, re.S)
        assert label, f"no label around {field} on {path}"
        m = re.search(rf'data-hint="{hint}">(.*?)</span>', label.group(1), re.S)
    assert m, f"no {hint} hint on {path}"
    assert HINTS[hint] in unescape(re.sub(r"<[^>]+>", "", m.group(1)))


def test_hints_are_one_line_each():
    for name, text in HINTS.items():
        assert "\n" not in text and len(text) <= 140, name
