"""Links, the fast path for step links, must build exactly the URLs ``link`` builds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.web.params import Links, link

names = st.sampled_from(["kernel", "step", "stride", "padding", "image", "grid", "mapping", "projector", "a b", "é"])
values = st.one_of(st.none(), st.just(""), st.text(max_size=12), st.integers(-5, 99).map(str))
states = st.dictionaries(names, values, max_size=8)


@given(states, st.integers(0, 10**6))
def test_step_links_equal_link(state, step):
    assert Links("/conv2d", state)(step=step) == link("/conv2d", state, step=step)


@given(states, names, values)
def test_other_changes_equal_link(state, name, value):
    assert Links("/pool", state)(**{name: value}) == link("/pool", state, **{name: value})


def test_a_step_link_keeps_the_other_choices_in_order():
    here = Links("/conv2d", {"image": "shapes", "step": "4", "kernel": "a;b c"})
    assert here(step=5) == "/conv2d?image=shapes&step=5&kernel=a%3Bb+c"
    assert Links("/conv2d", {})(step=0) == "/conv2d?step=0"
