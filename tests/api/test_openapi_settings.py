"""The OpenAPI document is built from the same spec objects that parse requests (app/state/specs.py),
with the app's Settings: a lowered limit changes what the API and the pages accept and what
/openapi.json says, together. The pages' JSON twins are described from their state classes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def _depth_bounds(schema: dict) -> list[int | None]:
    """maxItems level by level of a nested-numbers schema."""
    bounds = []
    while schema.get("type") == "array":
        bounds.append(schema.get("maxItems"))
        schema = schema["items"]
    return bounds


def _kernel_ranks(doc: dict, model: str, field: str = "kernel") -> dict[int, list[int | None]]:
    options = doc["components"]["schemas"][model]["properties"][field]["anyOf"]
    return {len(b): b for b in (_depth_bounds(s) for s in options if s.get("type") == "array")}


def _param(doc: dict, path: str, name: str) -> dict:
    return next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name)


@pytest.fixture
def lowered(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", htmx_source="none", max_kernel_size=5, max_kernels=3,
                        max_page_kernel_size=3, max_page_stride=2, max_page_padding=4)
    with TestClient(create_app(settings)) as c:
        yield c


def test_default_document_states_the_default_limits(client):
    doc = client.get("/openapi.json").json()
    assert _kernel_ranks(doc, "ConvRequest") == {1: [31], 2: [31, 31], 3: [31, 31, None]}  # a volume's C is no side
    assert doc["components"]["schemas"]["ConvRequest"]["properties"]["kernels"]["anyOf"][0]["maxItems"] == 64
    assert _kernel_ranks(doc, "MatrixRequest") == {1: [31], 2: [31, 31]}
    assert _param(doc, "/conv2d.json", "stride")["schema"] == {"type": "integer", "minimum": 1, "maximum": 8, "default": 1}


def test_a_lowered_setting_changes_the_document_and_what_is_accepted(lowered):
    doc = lowered.get("/openapi.json").json()
    assert _kernel_ranks(doc, "ConvRequest") == {1: [5], 2: [5, 5], 3: [5, 5, None]}
    assert _kernel_ranks(doc, "TransposeRequest") == {1: [5], 2: [5, 5], 3: [5, 5, None]}
    kernels = doc["components"]["schemas"]["ConvRequest"]["properties"]["kernels"]["anyOf"][0]
    assert kernels["maxItems"] == 3
    grid = [[1] * 9 for _ in range(9)]
    ok = lowered.post("/api/conv", json={"input": grid, "kernel": [[1] * 5] * 5})
    assert ok.status_code == 200 and ok.json()["shape"] == [5, 5]
    r = lowered.post("/api/conv", json={"input": grid, "kernel": [[1] * 6] * 6})
    assert r.status_code == 422 and r.json()["field"] == "kernel" and "largest side allowed is 5" in r.json()["detail"]
    r = lowered.post("/api/conv", json={"input": grid, "kernels": [[[1]]] * 4})
    assert r.status_code == 422 and "the limit is 3" in r.json()["detail"]
    # the page's twin: the same specs with the page's settings
    assert _param(doc, "/conv2d.json", "stride")["schema"]["maximum"] == 2
    assert _param(doc, "/conv2d.json", "padding")["schema"]["anyOf"][0]["maximum"] == 4
    numbers = re.compile(_param(doc, "/conv2d.json", "kernel")["schema"]["anyOf"][1]["pattern"])
    assert numbers.fullmatch("1,2,3;4,5,6;7,8,9") and not numbers.fullmatch("1,2,3,4;5,6,7,8;1,2,3,4;5,6,7,8")
    assert lowered.get("/conv2d.json?kernel=1,2,3;4,5,6;7,8,9").status_code == 200
    r = lowered.get("/conv2d.json?kernel=1,2,3,4;5,6,7,8;1,2,3,4;5,6,7,8")
    assert r.status_code == 422 and r.json()["field"] == "kernel" and "at most 3" in r.json()["detail"]
    r = lowered.get("/conv2d.json?stride=3")
    assert r.status_code == 422 and r.json() == {"detail": "stride must be between 1 and 2, got 3", "field": "stride"}


def test_the_twin_parameters_follow_the_state_order_and_defaults(client):
    from app.state.conv2d import Conv2dState

    doc = client.get("/openapi.json").json()
    operation = doc["paths"]["/conv2d.json"]["get"]
    # the state's keys in order, then the settings form's own keys and the step box
    assert [p["name"] for p in operation["parameters"]] == [*Conv2dState.ORDER, "custom_kernel", "keep_step", "goto"]
    assert all(p["required"] is False for p in operation["parameters"])
    assert _param(doc, "/conv2d.json", "padding")["schema"]["default"] == 1 == Conv2dState().padding
    kernel = _param(doc, "/conv2d.json", "kernel")["schema"]["anyOf"][0]
    assert "sharpen" in kernel["enum"] and "edge" in kernel["enum"]
    assert set(operation["responses"]) == {"200", "404", "422"}


def test_the_conv1d_twin_is_described_from_its_state_with_the_settings(tmp_path):
    from app.state.conv1d import Conv1dState

    settings = Settings(data_dir=tmp_path / "data", htmx_source="none", max_conv1d_kernel=3)
    with TestClient(create_app(settings)) as c:
        doc = c.get("/openapi.json").json()
        assert [p["name"] for p in doc["paths"]["/conv1d.json"]["get"]["parameters"]] == [*Conv1dState.ORDER, "goto"]
        kernel = re.compile(_param(doc, "/conv1d.json", "kernel")["schema"]["pattern"])
        assert kernel.fullmatch("1,0,-1") and not kernel.fullmatch("1,0,0,-1")
        assert c.get("/conv1d.json?kernel=1,0,-1").status_code == 200
        r = c.get("/conv1d.json?kernel=1,0,0,-1")
        assert r.status_code == 422
        assert r.json() == {"detail": "kernel has 4 values; at most 3 fit on the page", "field": "kernel"}
