"""/volume with the input volume and one filter given by value (how /network links a conv2 cell)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d


def test_given_values_are_stepped_exactly(client):
    rng = np.random.default_rng(7)
    x, w = rng.integers(-3, 4, (5, 5, 3)), rng.integers(-2, 3, (3, 3, 3))
    spell = lambda a: ";".join(",".join(":".join(str(int(v)) for v in cell) for cell in row) for row in a)  # noqa: E731
    q = {"input": spell(x), "weights": spell(w), "bias": "0.5", "padding": "1", "stride": "2", "step": "4"}
    body = client.get("/volume.json", params=q).json()
    ref = sum(correlate2d(np.pad(x[..., c], 1), w[..., c], mode="valid") for c in range(3))[::2, ::2] + 0.5
    assert np.array(body["output"])[..., 0].tolist() == ref.tolist()
    assert body["trace"]["result"] == ref[1, 1] and body["steps"] == 9
    page = client.get("/volume", params=q, follow_redirects=True)
    assert page.status_code == 200 and 'id="given"' in page.text and "input=" in page.text


@pytest.mark.parametrize("query,field", [
    ({"input": "1:2,3:4;5:6,7:8"}, "weights"),
    ({"input": "1:2,3:4;5:6,7:8", "weights": "1:2:3"}, "weights"),
    ({"input": "1:2,3:4;5:6", "weights": "1:2"}, "input"),
    ({"input": "1,2,3;4,5,6", "weights": "1"}, "input"),
    ({"input": ";".join([",".join([":".join(["1"] * 9)] * 2)] * 2), "weights": "1"}, "input"),
    ({"input": "1:x,1:1;1:1,1:1", "weights": "1:1"}, "input"),
])
def test_bad_values_are_422_naming_the_field(client, query, field):
    r = client.get("/volume.json", params=query)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
