"""Every page's canonical query is a fixed point: parse it again and nothing changes (so a redirect
to the canonical URL can never loop), and every spelling of a state parses to the same state."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine.errors import ParameterError
from app.settings import Settings
from app.state.conv1d import Conv1dState
from app.state.conv2d import Conv2dState
from app.state.flip import FlipState
from app.state.pool import PoolState
from app.state.shapes import ShapesState
from app.state.text import TextState
from app.state.transpose import TransposeState
from app.state.volume import VolumeState

SETTINGS = Settings()
STATES = [Conv2dState, Conv1dState, PoolState, VolumeState, TransposeState, ShapesState, FlipState, TextState]

small = st.integers(0, 12).map(str) | st.sampled_from(["01", "007", "2.0", "-1", "1e1", " 3 "])
vector = st.lists(st.sampled_from(["1", "-2", "0.5", "3.0", "04", "-0"]), min_size=1, max_size=5).map(",".join)
matrix = st.integers(1, 3).flatmap(lambda w: st.lists(
    st.lists(st.sampled_from(["1", "-2", "0.5", "3.0", "04"]), min_size=w, max_size=w).map(",".join),
    min_size=1, max_size=3).map(";".join))
words = st.sampled_from(["valid", "same", "SAME", "max", "avg", "right", "up", "sharpen", "edge", "alexnet", "lenet",
                         "kernel", "output", "input", "The Movie, was good!", "a  b", "clip", "signed", "1"])
values = small | vector | matrix | words


@pytest.mark.parametrize("cls", STATES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_the_canonical_query_parses_to_the_same_state(cls, data):
    keys = data.draw(st.lists(st.sampled_from(cls.ORDER), unique=True, max_size=len(cls.ORDER)))
    query = {k: data.draw(values, label=k) for k in keys}
    try:
        state = cls.parse(query, SETTINGS)
    except ParameterError:
        assume(False)
    again = cls.parse(dict(parse_qsl(state.query_string)), SETTINGS)
    assert again == state and again.query_string == state.query_string
    assert cls.parse(state.fields(), SETTINGS) == state  # every field spelled out, defaults too: the same state
