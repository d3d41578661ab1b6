"""Every error path answers 4xx with a `detail` that names the field and the rule."""

import pytest

from app.settings import Settings

GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]


@pytest.mark.parametrize(
    ("body", "status", "field", "text"),
    [
        ({"kernel": "sharpen"}, 422, "input", "exactly one of input"),
        ({"input": GRID}, 422, "kernel", "exactly one of kernel"),
        ({"input": GRID, "kernel": "sharpen", "kernels": [[[1]]]}, 422, "kernel", "exactly one of kernel"),
        ({"input": [[1, 2], [3]], "kernel": [[1]]}, 422, "input", "rectangular"),
        ({"input": [["a", 2]], "kernel": [[1]]}, 422, "input", "only numbers"),
        ({"input": [["2", 2]], "kernel": [[1]]}, 422, "input", "only numbers"),
        ({"input": [[True, 2]], "kernel": [[1]]}, 422, "input", "only numbers"),
        ({"input": GRID, "kernel": "sharpen", "stride": 1.5}, 422, None, "stride"),
        ({"input": GRID, "kernel": [[1] * 5] * 5}, 422, "kernel", "does not fit"),
        ({"input": GRID, "kernel": "sharpen", "stride": 0}, 422, "stride", "at least 1"),
        ({"input": GRID, "kernel": "sharpen", "padding": -1}, 422, "padding", "at least 0"),
        ({"input": GRID, "kernel": "sharpen", "padding": "full"}, 422, None, "padding"),
        ({"input": GRID, "kernel": "sharpen", "dilation": 0}, 422, "dilation", "at least 1"),
        ({"input": GRID, "kernel": "sharpy"}, 422, "kernel", "unknown kernel preset"),
        ({"input": GRID, "kernels": [[[1]], [[1, 2]]]}, 422, "kernels", "same shape"),
        ({"input": GRID, "kernels": [[[1]]], "bias": [1, 2]}, 422, "bias", "one value per filter"),
        ({"input": GRID, "kernel": "sharpen", "bias": [1, 2]}, 422, "bias", "single number"),
        ({"image_id": "../../etc/passwd", "kernel": "sharpen"}, 422, "image_id", "image_id must be a sample"),
        ({"image_id": "0" * 32, "kernel": "sharpen"}, 404, "image_id", "upload it again"),
        ({"input": [[1e308, 1e308]], "kernel": [[1e308, 1e308]]}, 422, "input", "overflows"),
        ({"input": [[[[1]]]], "kernel": [[1]]}, 422, "input", "rank"),
        ({"input": GRID, "kernel": "sharpen", "surprise": 1}, 422, None, "surprise"),
    ],
)
def test_conv_errors(client, body, status, field, text):
    r = client.post("/api/conv", json=body)
    assert r.status_code == status, r.text
    assert text in r.json()["detail"]
    if field:
        assert r.json()["field"] == field


def test_nan_token_is_refused(client):
    r = client.post("/api/conv", content=b'{"input": [[NaN]], "kernel": [[1]]}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and "finite" in r.json()["detail"]
    r = client.post(
        "/api/conv", content=b'{"input": [[1]], "kernel": [[1]], "bias": Infinity}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "bias" in r.json()["detail"]


def test_array_cell_limit(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(Settings(data_dir=tmp_path, max_array_cells=100, max_kernel_size=3))) as c:
        r = c.post("/api/conv", json={"input": [[0] * 11] * 10, "kernel": "sharpen"})
        assert r.status_code == 413 and "limit is 100" in r.json()["detail"] and "CONVSTEP_MAX_ARRAY_CELLS" in r.json()["detail"]
        r = c.post("/api/conv", json={"input": [[0] * 9] * 9, "kernel": [[1] * 4] * 4})
        assert r.status_code == 422 and "largest side allowed is 3" in r.json()["detail"]


def test_trace_step_out_of_range(client):
    r = client.post("/api/trace", json={"input": GRID, "kernel": "sharpen", "padding": 1, "step": 16})
    assert r.status_code == 422 and r.json()["field"] == "step" and "between 0 and 15" in r.json()["detail"]


def test_solve_needs_exactly_one_unknown(client):
    r = client.get("/api/shape/solve", params={"input": 288, "stride": 2})
    assert r.status_code == 422 and "exactly one unknown" in r.json()["detail"]
    r = client.get("/api/shape/solve", params={"input": 5, "kernel": 3, "stride": 2, "padding": 1, "output": 3})
    assert r.status_code == 422 and "missing now: none" in r.json()["detail"]
    r = client.get("/api/shape/solve", params={"input": 5, "kernel": 3, "stride": 1, "padding": 0})
    assert r.status_code == 200 and r.json()["output"] == 3
    r = client.get("/api/shape/solve", params={"input": 5, "kernel": 3, "stride": 1, "output": 50})
    assert r.status_code == 422 and "no padding gives output 50" in r.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"input": "x", "kernel": 3}, "input", "whole number"),
        ({"input": 3, "kernel": 5}, "kernel", "does not fit"),
        ({"input": 5, "kernel": 3, "stride": "0"}, "stride", "at least 1"),
        ({"input": "1,2,3", "kernel": 1}, "input", "1 or 2 sizes"),
    ],
)
def test_shape_errors(client, params, field, text):
    r = client.get("/api/shape", params=params)
    assert r.status_code == 422 and r.json()["field"] == field and text in r.json()["detail"]


def test_shape_requires_input(client):
    r = client.get("/api/shape", params={"kernel": 3})
    assert r.status_code == 422 and r.json()["detail"].startswith("input:")


def test_dense_matrix_too_big(client):
    r = client.post("/api/matrix", json={"input_shape": [256, 256], "kernel": "sharpen", "padding": 1})
    assert r.status_code == 413 and "row_start" in r.json()["detail"] and "1048576" in r.json()["detail"]
    r = client.post("/api/matrix", json={"input_shape": [4, 4], "kernel": [1, 2], "padding": 1})
    assert r.status_code == 422 and r.json()["field"] == "kernel"
    r = client.post("/api/matrix", json={"input_shape": [4, 4], "kernel": "sharpen", "row_start": 5, "row_stop": 5})
    assert r.status_code == 422 and r.json()["field"] == "row_start"


def test_pool_errors(client):
    r = client.post("/api/pool", json={"input": GRID, "size": 2, "padding": 2})
    assert r.status_code == 422 and r.json()["field"] == "padding"
    r = client.post("/api/pool", json={"input": GRID, "size": 2, "op": "min"})
    assert r.status_code == 422 and "op" in r.json()["detail"]
    r = client.post("/api/pool", json={"input": GRID, "size": 9})
    assert r.status_code == 422 and "does not fit" in r.json()["detail"] and r.json()["field"] == "size"


@pytest.mark.parametrize("path", ["/pool", "/pool.json"])
def test_the_pool_page_and_its_twin_name_size_when_the_pool_does_not_fit(client, path):
    r = client.get(path, params={"input": "1,2;3,4", "size": "3"})
    assert r.status_code == 422
    if path.endswith(".json"):
        assert r.json()["field"] == "size"
    else:
        assert "check <code>size</code>" in r.text


def test_png_of_a_1d_output_is_refused(client):
    r = client.post("/api/conv?format=png", json={"input": [1, 2, 3], "kernel": [1]})
    assert r.status_code == 422 and r.json()["field"] == "format"


@pytest.mark.parametrize("path", ["/api/conv", "/api/trace", "/api/pool", "/api/trace/pool", "/api/matrix"])
def test_unparsable_json_body_is_400_with_the_parsers_position(client, path):
    r = client.post(path, content=b"\xc3\x28{", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json() == {
        "detail": "the request body is not valid JSON: it is not UTF-8 text at line 1 column 1 (char 0);"
        ' send a JSON object such as {"input": [[1, 2], [3, 4]], "kernel": [[1, 0], [0, 1]]}',
        "field": None,
    }


@pytest.mark.parametrize("path", ["/api/conv", "/api/trace", "/api/pool", "/api/trace/pool", "/api/matrix"])
@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"input": [1,2', "Expecting ',' delimiter at line 1 column 15 (char 14)"),
        (b'{"input": [[1]],\n "kernel": [[1]]}}', "Extra data at line 2 column 18 (char 34)"),
        (b'{"input": [[1]], "kernel": }', "Expecting value at line 1 column 28 (char 27)"),
        (b"nul", "Expecting value at line 1 column 1 (char 0)"),
        (b'{"input": "\xc3\x28"}', "it is not UTF-8 text at line 1 column 12 (char 11)"),
    ],
)
def test_malformed_json_text_is_400_not_422(client, path, body, where):
    """Valid or invalid UTF-8, text that is not JSON is a 400 with no field and the parser's position."""
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["field"] is None and f"not valid JSON: {where};" in r.json()["detail"]


def test_json_that_parses_but_is_not_an_object_stays_a_422(client):
    r = client.post("/api/conv", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "valid dictionary" in r.json()["detail"]


def test_malformed_multipart_is_400_naming_the_file_field(client):
    r = client.post(
        "/api/images", content=b"--eb\r\n\xe5\xf3--eb--\r\n", headers={"content-type": "multipart/form-data; boundary=eb"}
    )
    assert r.status_code == 400 and r.json()["field"] == "file" and "form field 'file'" in r.json()["detail"]


def test_unknown_route_is_still_a_plain_404(client):
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["detail"] == "Not Found"


@pytest.mark.parametrize(
    ("path", "body", "field", "text"),
    [
        # found by probing: a 1×1 input padded by 100000 crashed with MemoryError (a 500)
        ("/api/conv", {"input": [[1]], "kernel": [[1]], "padding": 100000}, "padding", "padding makes the input 200001×200001"),
        (
            "/api/conv",
            {"input": [[1]], "kernel": [[1]], "padding": 800},
            "padding",
            "the output would be 1601×1601 = 2563201 cells",
        ),
        # ...and a dilated 31×31 kernel ran for minutes
        (
            "/api/conv",
            {"input": [[1] * 600] * 600, "kernel": [[1] * 31] * 31, "padding": 15},
            "kernel",
            "360000 output cells × 961 multiply-adds = 345960000",
        ),
        (
            "/api/conv",
            {"input": [[[1, 2, 3]] * 300] * 300, "kernels": [[[[1, 1, 1]] * 9] * 9] * 8, "padding": 4},
            "kernels",
            "the limit is 100000000 (CONVSTEP_MAX_WORK)",
        ),
        ("/api/pool", {"input": [[1] * 600] * 600, "size": 40, "stride": 1}, "kernel", "multiply-adds"),
    ],
)
def test_requests_that_would_cost_too_much_are_refused_before_work(tmp_path, path, body, field, text):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    small = Settings(data_dir=tmp_path, htmx_source="none", max_array_cells=1_000_000, max_work=100_000_000)
    with TestClient(create_app(small)) as c:
        r = c.post(path, json=body)
    assert r.status_code == 413, r.text[:200]
    assert r.json()["field"] == field and text in r.json()["detail"]


def test_budgets_leave_ordinary_requests_alone(client):
    r = client.post("/api/conv", json={"input": [[1] * 512] * 512, "kernel": [[1] * 11] * 11, "padding": 5})
    assert r.status_code == 200 and r.json()["shape"] == [512, 512]
