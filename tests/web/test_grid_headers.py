"""Number grids have row and column headers, so a screen reader says where a number sits ("row 2,
column 3, 14"), on every page family: the stepper's grids, the pool window, the network's maps and
the lecture pages' tables. Read from the served HTML with the standard library's parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

NUMBER = re.compile(r"^\s*[−-]?\d+(\.\d+)?\s*$")


class Tables(HTMLParser):
    """Every <table>: its label and rows of (tag, scope, text) cells (nested tables kept apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict] = []
        self.done: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.open.append({"label": a.get("aria-label") or a.get("class"), "rows": []})
        elif self.open and tag == "tr":
            self.open[-1]["rows"].append([])
        elif self.open and tag in ("td", "th") and self.open[-1]["rows"]:
            self.open[-1]["rows"][-1].append([tag, a.get("scope"), ""])

    def handle_endtag(self, tag):
        if tag == "table" and self.open:
            self.done.append(self.open.pop())

    def handle_data(self, data):
        if self.open and self.open[-1]["rows"] and self.open[-1]["rows"][-1]:
            self.open[-1]["rows"][-1][-1][2] += data


def number_grids(html: str) -> list[dict]:
    """Tables whose data cells are mostly numbers."""
    parser = Tables()
    parser.feed(html)
    grids = []
    for t in parser.done:
        data = [c for row in t["rows"] for c in row if c[0] == "td"]
        if data and sum(bool(NUMBER.match(c[2])) for c in data) * 2 >= len(data):
            grids.append(t)
    return grids


def missing_headers(table: dict) -> list[str]:
    body = [row for row in table["rows"] if any(c[0] == "td" for c in row)]
    problems = []
    if not any(c[0] == "th" and c[1] == "col" for row in table["rows"] for c in row):
        problems.append("no column headers")
    if len(body) > 1 and not all(any(c[0] == "th" and c[1] == "row" for c in row) for row in body):
        problems.append("a row without its row header")  # one row (a vector) needs its column headers only
    return problems


PAGES = [
    "/conv2d", "/conv2d?image=shapes&kernel=edge&step=20", "/conv2d?kernel=sobel_x&compare=box_blur&step=4",
    "/conv1d", "/pool", "/pool?op=avg&stride=1&padding=1", "/volume", "/transpose", "/transpose?mode=gather",
    "/network", "/network?sample=3&at=conv1,0,2,2", "/shapes", "/flip", "/text",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_number_grid_has_row_and_column_headers(client, path):
    r = client.get(path)
    assert r.status_code == 200
    grids = number_grids(r.text)
    assert grids or path == "/shapes", "the page shows numbers in tables"  # /shapes: formulas, no grid today
    assert {t["label"]: missing_headers(t) for t in grids if missing_headers(t)} == {}


def test_the_check_sees_a_grid_without_headers():
    bare = "<table aria-label='x'><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"
    half = ("<table aria-label='y'><thead><tr><th scope='col'>0</th><th scope='col'>1</th></tr></thead>"
            "<tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>")
    words = "<table><tr><td>a</td><td>b</td></tr></table>"
    assert [missing_headers(t) for t in number_grids(bare + half + words)] == [
        ["no column headers", "a row without its row header"], ["a row without its row header"]]


def test_the_pool_window_names_its_rows_and_columns(client):
    html = client.get("/pool").text
    window = next(t for t in number_grids(html) if t["label"] == "Window")
    assert [[c[2] for c in row] for row in window["rows"]] == [["row", "0", "1"], ["0", "1", "1"], ["1", "5", "6"]]
