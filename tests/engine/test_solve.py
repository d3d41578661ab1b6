"""Solving for one unknown: the closed form against a brute-force search over small values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParameterError
from app.engine.solve import LISTED, solve


def windows(n: int, k: int, s: int, p: int, d: int) -> tuple[int, bool]:
    """Count window positions by sliding one (the oracle): (output size, tiles exactly)."""
    padded, span = n + 2 * p, d * (k - 1) + 1
    starts = [start for start in range(0, padded, s) if start + span <= padded]
    return len(starts), bool(starts) and starts[-1] + span == padded


def brute(name: str, given: dict, d: int, search: range) -> tuple[list[int], list[int]]:
    exact, floor = [], []
    for v in search:
        values = {**given, name: v}
        out, tiles = windows(values["input"], values["kernel"], values["stride"], values["padding"], d)
        if out == given["output"] and out > 0:
            floor.append(v)
            if tiles:
                exact.append(v)
    return exact, floor


# past every bounded answer: an input of at most o·s + d·(k − 1) + 1 = 30·6 + 3·8 + 1 = 205 cells gives o = 30
SEARCH = {"input": range(1, 260), "kernel": range(1, 260), "stride": range(1, 260), "padding": range(0, 260)}


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(list(SEARCH)), n=st.integers(1, 40), k=st.integers(1, 9), s=st.integers(1, 6),
    p=st.integers(0, 4), d=st.integers(1, 3), o=st.integers(1, 30),
)
def test_closed_form_matches_search(name, n, k, s, p, d, o):
    given_values = {"input": n, "kernel": k, "stride": s, "padding": p, "output": o}
    exact, floor = brute(name, given_values, d, SEARCH[name])
    given_values[name] = None
    if not floor:
        with pytest.raises(ParameterError) as err:
            solve(**given_values, dilation=d)
        assert err.value.param == name and f"no {name} gives output {o}" in err.value.message
        return
    sol = solve(**given_values, dilation=d)
    # the search is bounded; an unbounded answer (stride with output 1) must agree inside it
    assert list(sol.floor_solutions) == [v for v in floor[:LISTED]]
    assert list(sol.solutions) == exact[:LISTED]
    assert sol.value == (exact[0] if exact else floor[0])
    if sol.floor_range.hi is not None:
        assert sol.floor_range.hi == floor[-1]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(1, 9), s=st.integers(1, 6), p=st.integers(0, 4), d=st.integers(1, 3))
def test_output_unknown_is_the_window_count(n, k, s, p, d):
    out, tiles = windows(n, k, s, p, d)
    if out == 0:
        with pytest.raises(ParameterError, match="does not fit"):
            solve(input=n, kernel=k, stride=s, padding=p, dilation=d)
        return
    sol = solve(input=n, kernel=k, stride=s, padding=p, dilation=d)
    assert sol.value == out and (sol.solutions == (out,)) == tiles


def test_notes_ex2a_kernel_is_4():
    sol = solve(input=288, stride=2, padding=0, output=143)
    assert sol.value == 4 and sol.solutions == (4,) and sol.floor_solutions == (3, 4)  # F=3: floor(285/2) + 1 = 143 too
    assert "(288 + 2·0 − 4) / 2 + 1 = 142 + 1 = 143" in sol.explanation


def test_huge_values_answer_at_once():
    # the fuzzer found the old linear search spinning on these; the closed form is O(1)
    sol = solve(input=1_000_000, kernel=1, stride=1_000_000, output=1_000_000)
    assert sol.name == "padding" and sol.value == 499_999_000_001 and sol.exact_range.empty  # 2p = 999998000001 is odd
    sol = solve(input=1_000_000, kernel=3, padding=0, output=1)
    assert sol.floor_range.lo == 999_998 and sol.floor_range.hi is None and sol.exact_range.empty
    assert "any value ≥ 999998" in sol.explanation


def test_stride_that_never_moves_tiles_exactly_at_any_value():
    sol = solve(input=3, kernel=3, padding=0, output=1)
    assert sol.value == 1 and sol.exact_range.hi is None and "every stride in any value ≥ 1" in sol.explanation
