"""/volume with groups: which channels each filter sees, the parameter count falling by g, and the
output against a loop over each filter's own channel group (tests/oracles.py, not the engine)."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest

from tests.oracles import loop_correlate


def grouped_loop(x: np.ndarray, w: np.ndarray, b: np.ndarray, groups: int, stride: int, padding: int) -> np.ndarray:
    cg, per = x.shape[2] // groups, w.shape[0] // groups
    maps = []
    for n in range(w.shape[0]):
        first = (n // per) * cg
        maps.append(sum(loop_correlate(x[..., first + j], w[n, ..., j], stride=stride, padding=padding)
                        for j in range(cg)) + b[n])
    return np.stack(maps, axis=-1)


@pytest.mark.parametrize(("query", "groups", "seen", "weights"), [
    ("channels=4&filters=4&groups=2", 2, [[0, 1], [0, 1], [2, 3], [2, 3]], 3 * 3 * 2 * 4),
    ("filters=3&groups=3", 3, [[0], [1], [2]], 3 * 3 * 1 * 3),  # depthwise
    ("channels=4&filters=2&groups=2&stride=1&padding=0&seed=5", 2, [[0, 1], [2, 3]], 3 * 3 * 2 * 2),
])
def test_each_filter_sees_its_group_and_the_weights_fall_by_g(client, query, groups, seen, weights):
    data = client.get(f"/volume.json?{query}").json()
    assert data["groups"] == groups and data["channels_seen"] == seen
    assert data["params"]["weights"] == weights
    x, w, b = (np.array(data[k], dtype=float) for k in ("input", "filters", "biases"))
    assert w.shape[3] == x.shape[2] // groups
    state = data["state"]
    expected = grouped_loop(x, w, b, groups, state["stride"], state["padding"])
    np.testing.assert_array_equal(np.array(data["output"]), expected)


def test_the_page_says_what_groups_change(client):
    html = client.get("/volume?channels=4&filters=4&groups=2&step=10").text
    assert "3·3·4/2·4 = 72 weights" in html and "without groups 144 weights: <strong>2 times</strong> as many" in html
    assert html.count('data-seen="0"') == 2  # filter 1 (step 10 of 9 per map) does not see channels 2 and 3
    assert "Filter 1 does not see channel 2" in html
    block = json.loads(unescape(re.search(r"id=\"step-data\" hidden data-json='([^']*)'", html).group(1)))
    assert block["marks"]["current"][10] == [9001] and block["marks"]["current"][20] == [9002]
    every = block["every"]  # a filter's fields travel once per filter: step 20 is filter 20 // 9 = 2's
    assert every["size"] == 9
    filter2 = dict(zip(every["fields"], every["values"][20 // every["size"]], strict=True))
    assert filter2["seen0@data-seen"] == "0" and filter2["seen2@data-seen"] == "1"
    assert block["derive"]["vprod"][2][0] is None and block["derive"]["vprod"][2][2] is not None  # its products
    assert "Try depthwise (g = C = 3)" in client.get("/volume?filters=3").text


@pytest.mark.parametrize("query", ["groups=2", "channels=4&filters=3&groups=2", "groups=5"])
def test_groups_that_do_not_divide_are_refused_naming_the_field(client, query):
    r = client.get(f"/volume.json?{query}")
    assert r.status_code == 422 and r.json()["field"] == "groups", r.json()
    assert client.get(f"/volume?{query}").status_code == 422
