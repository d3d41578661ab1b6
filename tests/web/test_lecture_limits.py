"""Every lecture page's limit is a Settings field: changing it changes what the page accepts, what
its JSON twin accepts, and what its form says (like CONVSTEP_MAX_GRID_SIZE on /conv2d)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

K4 = "1,2,3,4;5,6,7,8;9,1,2,3;4,5,6,7"

# (setting, lowered value, a query the default settings accept and the lowered one refuses, its field,
#  what the page's form says under the lowered setting)
CASES = [
    ("max_conv1d_input", 6, "/conv1d?input=1,2,3,4,5,6,7", "input", "(up to 6)"),
    ("max_conv1d_kernel", 2, "/conv1d?kernel=1,0,-1", "kernel", "up to 2 values"),
    ("max_flip_input", 6, "/flip?input=1,2,3,4,5,6,7", "input", "up to 6 values"),
    ("max_flip_kernel", 2, "/flip?kernel=1,2,3", "kernel", "up to 2 values"),
    ("max_pool_size", 2, "/pool?size=3", "size", 'name="size" min="1" max="2"'),
    ("max_pool_padding", 0, "/pool?padding=1", "padding", 'name="padding" min="0" max="0"'),
    ("max_volume_size", 6, "/volume?size=7", "size", 'name="size" min="1" max="6"'),
    ("max_volume_channels", 3, "/volume?channels=4", "channels", 'name="channels" min="1" max="3"'),
    ("max_volume_filters", 3, "/volume?filters=4", "filters", 'name="filters" min="1" max="3"'),
    ("max_volume_kernel", 3, "/volume?kernel=5", "kernel", 'name="kernel" min="1" max="3"'),
    ("max_volume_stride", 2, "/volume?stride=4", "stride", 'name="stride" min="1" max="2"'),
    ("max_volume_padding", 1, "/volume?padding=2", "padding", 'name="padding" min="0" max="1"'),
    ("max_transpose_size", 5, "/transpose?size=6", "size", "sides up to 5"),
    ("max_transpose_kernel", 3, f"/transpose?kernel={K4}", "kernel", "up to 3×3"),
    ("max_transpose_stride", 2, "/transpose?stride=3", "stride", "(2,1) · 1–2"),
    ("max_transpose_padding", 1, "/transpose?padding=2", "padding", "(1,0) · 0–1"),
    ("max_transpose_dilation", 1, "/transpose?dilation=2", "dilation", 'name="dilation" min="1" max="1"'),
    ("max_transpose_channels", 1, "/transpose?channels=2&kernel=1|2&padding=0", "channels", 'name="channels" min="1" max="1"'),
    ("max_shapes_size", 50, "/shapes?input=60", "input", "sizes up to 50;"),
    ("max_shapes_window", 2, "/shapes?input=9&kernel=3", "kernel", "filter, stride, padding and pool up to 2;"),
    ("max_shapes_dilation", 1, "/shapes?dilation=2", "dilation", "dilation up to 1;"),
    ("max_shapes_channels", 2, "/shapes?channels=3", "channels", "channels and filters up to 2."),
]


@pytest.fixture(scope="module")
def default_client(tmp_path_factory):
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("d"), htmx_source="none"))) as c:
        yield c


def test_every_lecture_limit_setting_is_tested():
    lecture = {name for name in Settings.model_fields
               if name.startswith(("max_conv1d_", "max_flip_", "max_pool_", "max_volume_", "max_transpose_", "max_shapes_"))}
    assert lecture == {case[0] for case in CASES}


@pytest.mark.parametrize(("setting", "value", "url", "field", "form_says"), CASES, ids=[c[0] for c in CASES])
def test_a_lowered_limit_refuses_what_the_default_accepts_and_the_form_says_so(
        tmp_path, default_client, setting, value, url, field, form_says):
    assert default_client.get(url).status_code == 200
    assert form_says not in default_client.get(url.split("?")[0]).text
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", **{setting: value}))) as c:
        r = c.get(url)
        assert r.status_code == 422 and f"<code>{field}</code>" in r.text
        page, query = url.split("?")
        twin = c.get(f"{page}.json?{query}")
        assert twin.status_code == 422 and field in twin.json()["detail"]
        assert form_says in c.get(page).text
        assert c.get("/").status_code == 200  # a home link the lowered limit refuses is kept, never a 500


def test_a_raised_limit_lets_a_longer_input_through(tmp_path, default_client):
    url = "/conv1d?input=" + ",".join(str(i % 7) for i in range(40))
    assert default_client.get(url).status_code == 422
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", max_conv1d_input=40))) as c:
        r = c.get(url)
        assert r.status_code == 200 and "(up to 40)" in r.text
        assert len(c.get(url.replace("/conv1d?", "/conv1d.json?")).json()["state"]["input"]) == 40
