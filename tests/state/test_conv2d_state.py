"""The /conv2d state: one canonical query per state, whatever the spelling."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParameterError
from app.settings import Settings
from app.state.conv2d import Conv2dState

SETTINGS = Settings()


def canonical(query: str, settings: Settings = SETTINGS) -> str:
    return Conv2dState.parse(dict(parse_qsl(query)), settings).url()


@pytest.mark.parametrize(
    "query",
    [
        "kernel=1,2,3;4,5,6;7,8,9&step=4",  # typed
        "kernel=1%2C2%2C3%3B4%2C5%2C6%3B7%2C8%2C9&step=4",  # the page's own links before
        "step=4&kernel=1,2,3;4,5,6;7,8,9",  # reordered
        "kernel=01,2.0,3;4,5,6;7,8,9&step=04&padding=1&stride=1&dilation=01&bias=0&grid="  # default-spelled
        "35,19,25,6;13,22,16,53;4,3,7,10;9,8,1,3",
        "kernel=&custom_kernel=1,2,3;4,5,6;7,8,9&step=4&mapping=signed",  # the form's custom box, default mapping
        "kernel=1, 2, 3; 4,5,6 ;7,8,9;&step=4&unknown=1",
    ],
)
def test_spellings_of_one_state_share_one_canonical_url(query):
    assert canonical(query) == "/conv2d?kernel=1,2,3;4,5,6;7,8,9&step=4"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "/conv2d"),
        ("kernel=sharpen&padding=1&step=0", "/conv2d"),
        ("padding=valid", "/conv2d?padding=0"),
        ("padding=SAME", "/conv2d?padding=same"),
        ("bias=-0.0", "/conv2d"),
        ("bias=0.10", "/conv2d?bias=0.1"),
        ("bias=1e-3", "/conv2d?bias=0.001"),
        ("kernel=edge&mapping=signed", "/conv2d?kernel=edge"),
        ("kernel=edge&mapping=clip", "/conv2d?kernel=edge&mapping=clip"),
        ("kernel=box_blur&mapping=clip", "/conv2d?kernel=box_blur"),
        ("kernel=sharpen&mapping=clip", "/conv2d"),  # sharpen sums to 1: clipped by default, like a blur
        ("kernel=sharpen&mapping=signed", "/conv2d?mapping=signed"),
        ("projector=1&step=3&image=shapes&channel=luma", "/conv2d?image=shapes&step=3&projector=1"),
        ("grid=1,2;3,4&image=shapes", "/conv2d?image=shapes"),  # an image replaces the grid
        ("crop=1,2,3", "/conv2d"),  # a crop needs an image
        ("image=colour&channel=2&crop=01,2,3", "/conv2d?image=colour&crop=1,2,3&channel=2"),
        ("kernel=0,-1,0;-1,5,-1;0,-1,0", "/conv2d?kernel=0,-1,0;-1,5,-1;0,-1,0"),  # numbers stay numbers
    ],
)
def test_canonical_spelling(query, expected):
    assert canonical(query) == expected


def test_the_json_url_is_the_page_url_plus_json():
    state = Conv2dState.parse({"stride": "2", "kernel": "edge"}, SETTINGS)
    assert state.json_url() == "/conv2d.json?kernel=edge&stride=2"
    assert Conv2dState().json_url() == "/conv2d.json"


def test_limits_come_from_settings():
    grid = ";".join([",".join(["1"] * 18)] * 18)
    with pytest.raises(ParameterError, match="at most 16"):
        Conv2dState.parse({"grid": grid}, Settings())
    assert Conv2dState.parse({"grid": grid}, Settings(max_grid_size=20)).grid[17][17] == 1.0
    with pytest.raises(ParameterError, match="at most 7"):
        Conv2dState.parse({"kernel": ";".join(["1,1"] * 8)}, SETTINGS)
    with pytest.raises(ParameterError, match="between 1 and 3"):
        Conv2dState.parse({"stride": "4"}, Settings(max_page_stride=3))


numbers = st.integers(-50, 50).map(str) | st.sampled_from(["0.5", "-1.25", "1e2", "007", "2.50", "-0"])
matrices = st.integers(1, 4).flatmap(
    lambda w: st.lists(st.lists(numbers, min_size=w, max_size=w).map(",".join), min_size=1, max_size=4).map(";".join)
)
queries = st.fixed_dictionaries(
    {},
    optional={
        "grid": matrices, "kernel": matrices | st.sampled_from(["sharpen", "edge", "box_blur"]), "bias": numbers,
        "stride": st.integers(1, 8).map(str), "padding": st.sampled_from(["0", "1", "02", "valid", "same", "Same"]),
        "dilation": st.integers(1, 4).map(str), "step": st.integers(0, 40).map(str),
        "mapping": st.sampled_from(["clip", "stretch", "signed"]), "projector": st.just("1"),
    },
)


@settings(deadline=None)
@given(queries)
def test_the_canonical_query_is_a_fixed_point(query):
    """Parsing the canonical query gives the same state and the same query again (no redirect loops)."""
    state = Conv2dState.parse(query, SETTINGS)
    again = Conv2dState.parse(dict(parse_qsl(state.query_string)), SETTINGS)
    assert again == state and again.query_string == state.query_string
