"""Fuzz every page's query string: any values for its state keys get a page or a friendly 4xx panel.

Schemathesis covers the JSON API; pages are not in the OpenAPI schema, so this test draws values
for each page's own keys (numbers near the limits, negative, huge, malformed lists, words, markup)
(NaN, infinities, other scripts' digits), keys given twice, and checks the promise the pages make:
never a 5xx, errors are 4xx naming one of the page's own keys (JSON ``field``, or the error panel's
"check <code>…</code>", so the form can highlight it), user text is never echoed raw.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.web import conv1d, conv2d, flip, network, pool, shapes, text, transpose, volume

CONV2D = conv2d.PAGE.state.ORDER
PAGES = {path: module.PAGE.state.ORDER for module in (conv2d, conv1d, pool, volume, transpose, shapes, flip, text, network)
         for path in (module.PAGE.path, f"{module.PAGE.path}.json")}
PAGES.update({"/conv2d/output.png": CONV2D, "/conv2d/input.png": CONV2D, "/conv2d/band.png": CONV2D})
MARKUP = "<script>alert(1)</script>"

numbers = st.one_of(
    st.integers(-3, 20), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0", "-1", "1e9", "1e309", "nan", "NaN", "inf", "-inf", "1.5", "", " ", "٣", "１２", "½", "+3", "0x10"]),
).map(str)
lists = st.lists(st.integers(-50, 300), min_size=0, max_size=40).map(lambda v: ",".join(map(str, v)))
matrices = st.lists(lists, min_size=0, max_size=20).map(";".join)
words = st.sampled_from(["valid", "same", "max", "avg", "sharpen", "sobel_x", "shapes", "colour", "digit", "signed",
                         "alexnet", "kernel", "stride", "a" * 32, "0" * 32, "../etc/passwd", MARKUP, "1,2,3", "4000x3000"])
values = st.one_of(numbers, lists, matrices, words, st.text(max_size=60))


@pytest.mark.slow
@pytest.mark.parametrize("path", list(PAGES))
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pages_never_fail(client, path, data):
    keys = PAGES[path]
    chosen = data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)), label="keys")
    query = [(key, data.draw(values, label=key)) for key in chosen]
    twice = data.draw(st.sets(st.sampled_from(chosen)), label="repeated") if chosen else set()
    query += [(key, data.draw(values, label=f"{key} again")) for key in sorted(twice)]
    for headers in ({}, {"HX-Request": "true", "HX-Target": "app"}):
        r = client.get(path, params=query, headers=headers)
        assert r.status_code < 500, (path, query, r.text[:300])
        if r.status_code >= 400 and path.endswith(".json"):
            assert r.json()["detail"] and r.json()["field"] in keys, (path, query, r.json())  # names one of the page's keys
        elif r.status_code >= 400 and not path.endswith(".png"):
            assert 'class="error-panel"' in r.text, (path, query)
            named = re.search(r"check <code>([^<]+)</code>", r.text)
            assert named and named.group(1) in keys, (path, query, r.text[:300])
        if "html" in r.headers.get("content-type", ""):
            assert MARKUP not in r.text  # autoescaped wherever it is shown
