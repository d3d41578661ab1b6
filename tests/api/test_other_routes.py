import numpy as np

from app.engine.matrix import weight_matrix
from tests.oracles import loop_correlate, loop_pool

GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]


def test_pool_max_and_avg(client):
    for op in ("max", "avg"):
        body = client.post("/api/pool", json={"input": GRID, "size": 2, "op": op}).json()
        expected, winners = loop_pool(GRID, 2, 2, 0, op)
        assert body["output"] == expected.tolist() and body["params"] == 0
        if op == "max":
            assert body["argmax"][1][1] == list(winners[1, 1])


def test_pool_trace(client):
    body = client.post("/api/trace/pool", json={"input": GRID, "size": 2, "step": 1}).json()
    assert body["result"] == 53 and body["winner"] == [1, 3]


def test_matrix_times_x_is_the_convolution(client, rng):
    w = rng.integers(-3, 4, (3, 3)).tolist()
    body = client.post("/api/matrix", json={"input_shape": [4, 4], "kernel": w, "padding": 1}).json()
    W = np.array(body["matrix"])
    assert body["shape"] == [16, 16]
    np.testing.assert_array_equal(W @ np.array(GRID).ravel(), loop_correlate(GRID, w, 1, 1).ravel())


def test_matrix_rows_slice(client):
    body = client.post(
        "/api/matrix", json={"input_shape": [64, 64], "kernel": "sharpen", "padding": 1, "row_start": 100, "row_stop": 104}
    ).json()
    assert body["shape"] == [4, 4096] and body["rows"] == [100, 104]
    np.testing.assert_array_equal(
        np.array(body["matrix"]), weight_matrix((64, 64), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], padding=1, rows=range(100, 104))
    )


def test_kernels_catalogue(client):
    presets = {p["name"]: p for p in client.get("/api/kernels").json()}
    assert {"identity", "edge", "sharpen", "box_blur", "gaussian_blur", "laplacian", "sobel_x", "sobel_y", "emboss"} <= set(
        presets
    )
    assert presets["sharpen"]["matrix"] == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]] and presets["sharpen"]["sum"] == 1
    assert presets["gaussian_blur"]["display"] == "1/16 · [[1, 2, 1], [2, 4, 2], [1, 2, 1]]"
    assert presets["edge"]["sum"] == 0 and presets["laplacian"]["sum"] == 0
    assert "Laplacian" in presets["sharpen"]["notes_slip"]
    assert client.get("/api/kernels/box_blur").json()["denominator"] == 9
    r = client.get("/api/kernels/blurry")
    assert r.status_code == 422 and "box_blur" in r.json()["detail"]


def test_openapi_documents_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/api/conv",
        "/api/pool",
        "/api/trace",
        "/api/shape",
        "/api/shape/solve",
        "/api/params",
        "/api/matrix",
        "/api/kernels",
        "/api/images",
        "/api/images/{image_id}.png",
    ):
        assert p in paths
