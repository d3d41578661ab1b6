"""POST /api/pool and /api/trace/pool with ceil_mode, dilation and count_include_pad (literal numbers)."""

from __future__ import annotations


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
    r = client.post("/api/pool", json={"input": [1, 2, 3, 4, 5, 6], "size": 2, "dilation": 2, "padding": 2})
    assert r.status_code == 422 and r.json()["field"] == "padding"
    assert "at most half the dilated pool's span 3 (≤ 1)" in r.json()["detail"]


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
