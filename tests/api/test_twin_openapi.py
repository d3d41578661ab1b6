"""Every page's JSON twin in /openapi.json, described from its state class: the parameters are exactly the
query keys its parser reads, the bounds are the parser's (a lowered setting moves both), a query valid by the
schema is accepted, and every answer has the documented shape."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from PIL import Image

from app.main import create_app
from app.settings import Settings
from app.web.page import PAGES
from scripts.schemathesis_rules import relational

jsonschema_rs = pytest.importorskip("jsonschema_rs")
schemathesis = pytest.importorskip("schemathesis")

PATHS = sorted(PAGES)
ALL_KEYS = sorted({k for page in PAGES.values() for k in page.state.ORDER}
                  | {"goto", "custom_kernel", "keep_step", "format", "from", "to", "theme", "kernel_size", "x"})
GARBAGE = ("x", "1")  # "x" parses as no number, list or name; "1" turns a flag on and moves a value


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("data"), htmx_source="none"))) as c:
        png = io.BytesIO()
        Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4).save(png, format="PNG")
        upload = c.post("/api/images", files={"file": ("tiny.png", png.getvalue(), "image/png")})
        assert upload.status_code in (200, 201), upload.text
        c.upload_id = upload.json()["id"]  # type: ignore[attr-defined]
        c.doc = c.get("/openapi.json").json()  # type: ignore[attr-defined]
        yield c


def parameters(doc: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in doc["paths"][f"{path}.json"]["get"]["parameters"]}


def response_schema(doc: dict, path: str) -> dict:
    return doc["paths"][f"{path}.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def allows(schema: dict, text: str) -> bool:
    """Whether a query value spelled ``text`` is valid by a parameter's schema (as a number when it is one)."""
    validator = jsonschema_rs.validator_for(schema)
    candidates: list[object] = [text]
    with contextlib.suppress(ValueError):
        candidates.append(int(text))
    return any(validator.is_valid(c) for c in candidates)


def contexts(path: str, upload_id: str) -> list[str]:
    """Queries under which every key the parser may read is read (some keys only count with another one)."""
    return {
        "/conv2d": ["", "image=shapes", f"image={upload_id}"],  # crop, channel, orig: images
        "/volume": ["", "input=1:2,3:4;5:6,7:8&weights=1:0&padding=0"],  # bias: a given filter's
        "/shapes": ["", "pool=2"],  # pool_stride: with a pool
    }.get(path, [""])


def outcome(client: TestClient, path: str, query: str) -> tuple[int, object]:
    r = client.get(f"{path}.json?{query}" if query else f"{path}.json")
    return r.status_code, r.json()


def test_every_page_has_its_twin_described(twins):
    described = {p.removesuffix(".json") for p, item in twins.doc["paths"].items()
                 if item.get("get", {}).get("tags") == ["pages"]}
    assert described == set(PAGES) and len(PAGES) >= 9
    for path in PATHS:
        schema = response_schema(twins.doc, path)
        assert {"state", "url"} <= set(schema["required"])
        assert set(schema["properties"]["state"]["required"]) == set(twins.get(f"{path}.json").json()["state"])


@pytest.mark.parametrize("path", PATHS)
def test_the_parameters_are_exactly_the_keys_the_parser_reads(twins, path):
    """A key is read when some value of it changes the answer (another state, or a 422 naming it)."""
    read = set()
    for context in contexts(path, twins.upload_id):
        base = outcome(twins, path, context)
        assert base[0] == 200, (context, base)
        for key in ALL_KEYS:
            for value in GARBAGE:
                query = f"{context}&{key}={value}" if context else f"{key}={value}"
                if outcome(twins, path, query) != base:
                    read.add(key)
                    break
    assert set(parameters(twins.doc, path)) == read


# one setting per page, a value the default allows, and the first value past the lowered bound
LOWERED = [
    ("/conv2d", {"max_grid_size": 5}, "grid", ";".join(["1,2,3,4,5"] * 5), ";".join(["1,2,3,4,5,6"] * 6)),
    ("/conv2d", {"max_page_kernel_size": 3}, "kernel", "1,2,3;4,5,6;7,8,9", "1,2,3,4;5,6,7,8;1,2,3,4;5,6,7,8"),
    ("/conv1d", {"max_conv1d_input": 5}, "input", "1,2,3,4,5", "1,2,3,4,5,6"),
    ("/pool", {"max_pool_size": 3}, "size", "3", "4"),
    ("/volume", {"max_volume_filters": 1}, "filters", "1", "2"),
    ("/shapes", {"max_shapes_dilation": 2}, "dilation", "2", "3"),
    ("/flip", {"max_flip_kernel": 2}, "kernel", "1,2", "1,2,3"),
    ("/text", {"max_text_tokens": 3}, "sentence", "a b c", "a b c d"),
    ("/transpose", {"max_transpose_size": 5}, "size", "5", "6"),
    ("/network", {"max_grid_size": 7}, "grid", None, ";".join(["1,2,3,4,5,6,7,8"] * 8)),
]


@pytest.mark.parametrize(("path", "lowered", "field", "inside", "past"), LOWERED,
                         ids=[f"{p}-{f}" for p, _, f, _, _ in LOWERED])
def test_a_lowered_setting_moves_the_schema_and_the_parser_alike(tmp_path, path, lowered, field, inside, past):
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none"))) as c:
        schema = parameters(c.get("/openapi.json").json(), path)[field]["schema"]
        assert allows(schema, past)
        r = c.get(f"{path}.json?{field}={past}")
        assert r.status_code == 200 or r.json()["field"] != field or "at most" not in r.json()["detail"], r.json()
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", **lowered))) as c:
        schema = parameters(c.get("/openapi.json").json(), path)[field]["schema"]
        assert not allows(schema, past)
        r = c.get(f"{path}.json?{field}={past}")
        assert r.status_code == 422 and r.headers["content-type"] == "application/json"
        assert r.json()["field"] == field and str(next(iter(lowered.values()))) in r.json()["detail"], r.json()
        if inside is not None:
            assert allows(schema, inside)
            assert c.get(f"{path}.json?{field}={inside}").status_code == 200


@pytest.fixture(scope="module")
def api_schema(twins):
    return schemathesis.openapi.from_asgi("/openapi.json", twins.app).include(tag="pages")


@pytest.mark.parametrize("path", PATHS)
def test_a_query_valid_by_the_schema_is_accepted_and_answered_as_documented(twins, api_schema, path):
    """Seeded examples per page: 200 with the documented shape, a 404 for an id nothing is stored under, or a
    422 stating a rule between two values (scripts/schemathesis_rules.py), never a rule the schema states."""
    validator = jsonschema_rs.validator_for(response_schema(twins.doc, path))
    seen = {"ok": 0}

    @given(case=api_schema[f"{path}.json"]["GET"].as_strategy())
    @hsettings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(case):
        r = twins.get(f"{path}.json", params={k: str(v) for k, v in (case.query or {}).items()})
        if r.status_code == 200:
            errors = [f"{e.message} at {list(e.instance_path)}" for e in validator.iter_errors(r.json())]
            assert not errors, (case.query, errors[:3])
            seen["ok"] += 1
        else:
            assert r.status_code in (404, 422) and r.headers["content-type"] == "application/json", (case.query, r.text)
            assert r.status_code == 404 or relational(r.json()["detail"]), (case.query, r.json())

    check()
