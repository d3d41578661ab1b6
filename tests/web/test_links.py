"""StepLinks, the fast path for step links, must build exactly the URLs ``state.url(step=...)`` builds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.settings import Settings
from app.state.base import StepLinks
from app.state.conv1d import Conv1dState
from app.state.conv2d import Conv2dState
from app.state.pool import PoolState

SETTINGS = Settings()
conv2d = st.fixed_dictionaries({}, optional={
    "image": st.sampled_from(["shapes", "colour"]), "grid": st.sampled_from(["1,2;3,4", "5"]),
    "kernel": st.sampled_from(["edge", "1,0;0,-1", "sharpen"]), "bias": st.sampled_from(["0", "0.5", "-2"]),
    "stride": st.sampled_from(["1", "2"]), "padding": st.sampled_from(["0", "1", "same"]), "step": st.integers(0, 9).map(str),
    "mapping": st.sampled_from(["clip", "signed"]), "projector": st.just("1"),
}).map(lambda q: Conv2dState.parse(q, SETTINGS))
others = st.one_of(
    st.fixed_dictionaries({}, optional={"kernel": st.just("1,1"), "stride": st.just("2"), "step": st.just("3")}).map(
        lambda q: Conv1dState.parse(q, SETTINGS)),
    st.fixed_dictionaries({}, optional={"size": st.just("3"), "op": st.just("avg"), "shift": st.just("up")}).map(
        lambda q: PoolState.parse(q, SETTINGS)),
)


@given(conv2d | others, st.integers(0, 10**6))
def test_step_links_equal_url(state, step):
    assert StepLinks(state)(step) == state.url(step=step)


def test_a_step_link_keeps_the_other_choices_in_canonical_order():
    state = Conv2dState.parse({"projector": "1", "step": "4", "kernel": "1,2;3,4", "image": "shapes"}, SETTINGS)
    assert StepLinks(state)(5) == "/conv2d?image=shapes&kernel=1,2;3,4&step=5&projector=1"
    assert StepLinks(state)(0) == "/conv2d?image=shapes&kernel=1,2;3,4&projector=1"
    assert StepLinks(Conv2dState())(0) == "/conv2d"
