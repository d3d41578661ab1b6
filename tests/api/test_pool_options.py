"""POST /api/pool and /api/trace/pool with ceil_mode, dilation and count_include_pad (literal numbers)."""

from __future__ import annotations

import pytest


def test_ceil_mode_count_include_pad_and_dilation(client):
    x = [1, 2, 3, 4, 5]
    r = client.post("/api/pool", json={"input": x, "size": 2, "op": "avg", "ceil_mode": True})
    assert r.status_code == 200 and r.json()["output"] == [1.5, 3.5, 5.0]  # the last window holds 5 alone
    r = client.post("/api/pool", json={"input": x, "size": 2, "op": "avg", "padding": 1, "count_include_pad": False})
    assert r.json()["output"] == [1.0, 2.5, 4.5]  # [pad, 1] averages the 1 alone
    r = client.post("/api/pool", json={"input": x, "size": 2, "op": "avg", "padding": 1})
    assert r.json()["output"] == [0.5, 2.5, 4.5]  # PyTorch's default counts the padded zero
    r = client.post("/api/trace/pool", json={"input": x, "size": 2, "op": "avg", "padding": 1, "count_include_pad": False,
                                             "step": 0})
    assert r.status_code == 200 and r.json()["result"] == 1
    r = client.post("/api/pool", json={"input": [1, 9, 2, 8, 3, 7, 4], "size": 2, "dilation": 2})
    assert r.json()["output"] == [2, 3, 4] and r.json()["argmax"] == [[2], [4], [6]]


def test_padding_limit_names_the_dilated_span(client):
    """The API follows ONNX's rule: each side smaller than the (dilated) span."""
    r = client.post("/api/pool", json={"input": [1, 2, 3, 4, 5, 6], "size": 2, "dilation": 2, "padding": 3})
    assert r.status_code == 422 and r.json()["field"] == "padding"
    assert "smaller than the dilated pool's span 3 (≤ 2), ONNX's rule" in r.json()["detail"]
    r = client.post("/api/pool", json={"input": [1, 2, 3], "size": 3, "padding": 3})
    assert r.status_code == 422 and "smaller than the pool size 3 (≤ 2), ONNX's rule" in r.json()["detail"]


def _plain_pool_1d(x, k, s, before, after, d, op, include_pad):
    """A plain loop over windows: max over input cells, or the sum over the count asked for."""
    out = []
    start = -before
    while start + d * (k - 1) <= len(x) - 1 + after:
        taps = [start + j * d for j in range(k)]
        inside = [x[t] for t in taps if 0 <= t < len(x)]
        if op == "max":
            out.append(max(inside))
        else:
            count = sum(1 for t in taps if -before <= t < len(x) + after) if include_pad else len(inside)
            out.append(sum(inside) / count)
        start += s
    return out


def test_padding_past_half_the_window_follows_onnx(client):
    """ONNX allows padding 2 on a window of 3 (PyTorch refuses it): checked against a plain loop."""
    x = [4.0, -1.0, 7.0, 2.0, 5.0]
    for op, include in (("max", True), ("avg", True), ("avg", False)):
        body = {"input": x, "size": 3, "stride": 1, "padding": [[2, 1]], "op": op, "count_include_pad": include}
        r = client.post("/api/pool", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["output"] == pytest.approx(_plain_pool_1d(x, 3, 1, 2, 1, 1, op, include))
    r = client.post("/api/pool", json={"input": x, "size": 3, "stride": 1, "padding": 2, "op": "avg"})
    assert r.json()["output"][0] == pytest.approx(4 / 3)  # [0, 0, 4]: the padded zeros are counted
    r = client.post("/api/trace/pool", json={"input": x, "size": 3, "stride": 1, "padding": 2, "step": 0})
    assert r.status_code == 200 and r.json()["result"] == 4


def test_a_window_of_padding_only_is_refused(client):
    """Dilation can put every tap of a window in the padding: its max would be −∞. Refused, naming the window."""
    r = client.post("/api/pool", json={"input": [5], "size": 2, "dilation": 2, "padding": 1, "stride": 1})
    assert r.status_code == 422 and r.json()["field"] == "padding"
    assert "window 0 covers padding only (taps at [-1, 1] of an input of 1)" in r.json()["detail"]


def test_the_page_keeps_pytorchs_rule_and_says_so(client):
    r = client.get("/pool.json?size=3&padding=2")
    assert r.status_code == 422 and r.json()["field"] == "padding"
    assert "at most half the pool size 3 (≤ 1), PyTorch's rule" in r.json()["detail"]


def test_sequences_over_channels(client):
    """spatial_dims 1: an (n, C) input is n cells of C channels, not an n×C plane."""
    x = [[0, 9], [5, 1], [2, 2], [7, 3]]
    r = client.post("/api/pool", json={"input": x, "size": 2, "spatial_dims": 1})
    assert r.status_code == 200, r.text
    assert r.json()["output"] == [[5, 9], [7, 3]] and r.json()["argmax"] == [[[1], [0]], [[3], [3]]]
    r = client.post("/api/pool", json={"input": x, "size": 2})  # the default reads it as a 4×2 plane
    assert r.json()["output"] == [[9], [7]]
    r = client.post("/api/trace/pool", json={"input": x, "size": 2, "spatial_dims": 1})
    assert r.status_code == 422 and r.json()["field"] == "spatial_dims"
