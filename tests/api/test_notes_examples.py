"""The lecture's worked examples, computed through the public API (and correctly where the notes slip)."""

import numpy as np

from app.engine.conv import correlate


def test_ex1a_output_volume_3x3x2(client, rng):
    x = rng.integers(0, 5, (5, 5, 3)).tolist()
    ks = rng.integers(-1, 2, (2, 3, 3, 3)).tolist()
    r = client.post("/api/conv", json={"input": x, "kernels": ks, "bias": [1, 0], "stride": 2, "padding": 1})
    assert r.status_code == 200
    body = r.json()
    assert body["shape"] == [3, 3, 2] and body["warnings"] == []
    for n in range(2):  # each feature map is its own filter's correlation plus its bias
        np.testing.assert_array_equal(np.array(body["output"])[..., n], correlate(x, ks[n], stride=2, padding=1) + [1, 0][n])
    shape = client.get(
        "/api/shape", params={"input": 5, "kernel": 3, "stride": 2, "padding": 1, "channels": 3, "filters": 2}
    ).json()
    assert shape["output_volume"] == [3, 3, 2] and shape["valid"] is True


def test_ex1b_stride_3_is_not_possible(client):
    r = client.get("/api/shape", params={"input": 5, "kernel": 3, "stride": 3, "padding": 1})
    body = r.json()
    assert r.status_code == 200 and body["valid"] is False
    assert body["output"] == [2, 2]  # what frameworks do: round down
    assert "(5 + 2·1 − 3) / 3 + 1 = 4/3 + 1 = 7/3" in body["explanation"]
    assert "never visited" in body["explanation"]


def test_ex2a_solve_kernel_is_4(client):
    body = client.get("/api/shape/solve", params={"input": 288, "stride": 2, "padding": 0, "output": 143}).json()
    assert body["kernel"] == 4 and body["solutions"] == [4] and body["unknown"] == "kernel"


def test_ex2b_max_pool_gives_71x71xk(client):
    body = client.get("/api/shape", params={"input": 143, "kernel": 3, "stride": 2, "layer": "pool", "channels": 7}).json()
    assert body["output_volume"] == [71, 71, 7] and body["params"]["total"] == 0


def test_parameter_counts_computed_correctly(client):
    first = client.get("/api/params", params={"kernel": 11, "channels": 3, "filters": 96}).json()
    assert first == {**first, "weights": 34848, "biases": 96, "total": 34944}  # the notes' 34348 is a slip
    alexnet = client.get("/api/params", params={"kernel": 5, "channels": 96, "filters": 256}).json()
    assert (alexnet["weights"], alexnet["total"]) == (614400, 614656)


def test_notes_toeplitz_stride_2(client):
    body = client.post("/api/matrix", json={"input_shape": [8], "kernel": [1, 2, 3], "stride": 2}).json()
    assert body["matrix"] == [[1, 2, 3, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0, 0, 0], [0, 0, 0, 0, 1, 2, 3, 0]]
