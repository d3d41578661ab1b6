"""Issue 9's "done means" for every page family at once (parametrised over app/web/page.py's PAGES, so a page
added later must be listed here): typed, percent-encoded, reordered and default-spelled queries give one
canonical URL (the page's redirect, htmx's pushed URL and the twin's ``url`` alike) and one page-cache entry;
a bad query on the .json URL answers the JSON problem form with the page's own status, naming the field."""

from __future__ import annotations

import pytest

from app.web.page import PAGES

FRAGMENT = {"HX-Request": "true", "HX-Target": "workspace"}

# canonical URL → other spellings of the same state: typed, percent-encoded, reordered, default values spelled out
SPELLINGS: dict[str, tuple[str, list[str]]] = {
    "/conv2d": ("/conv2d?kernel=1,2,3;4,5,6;7,8,9&step=4", [
        "kernel=1%2C2%2C3%3B4%2C5%2C6%3B7%2C8%2C9&step=4",
        "step=4&kernel=1,2,3;4,5,6;7,8,9",
        "kernel=1.0,2,3;4,5,6;7,8,09&step=04&padding=1&stride=01&bias=0.0&dilation=1&flip=0"]),
    "/conv1d": ("/conv1d?kernel=1,2&step=2", [
        "kernel=1%2C2&step=2",
        "step=2&kernel=1,2",
        "step=02&kernel=1.0,2&stride=1&padding=valid&symbols=0"]),
    "/pool": ("/pool?size=3&stride=1&step=1", [
        "size=3&stride=1&step=1&input=1%2C1%2C2%2C4%3B5%2C6%2C7%2C8%3B3%2C2%2C1%2C0%3B1%2C2%2C3%2C4",
        "step=1&stride=1&size=3",
        "step=01&size=03&stride=1&shift=right&op=max&padding=0&ceil_mode=0&count_include_pad=1"]),
    "/volume": ("/volume?stride=1&padding=0&input=1:2,3:4;5:6,7:8&weights=1:0", [
        "stride=1&padding=0&input=1%3A2%2C3%3A4%3B5%3A6%2C7%3A8&weights=1%3A0",
        "weights=1:0&input=1:2,3:4;5:6,7:8&padding=0&stride=1",
        "stride=01&padding=0&input=1.0:2,3:4;5:6,7:8.0&weights=1:0&bias=0&step=0"]),
    "/shapes": ("/shapes?stride=2&padding=1", [
        "stride=%32&padding=%31",
        "padding=1&stride=2",
        "input=5&kernel=3&padding=01&stride=2&channels=3&filters=2&dilation=1&stack=alexnet"]),
    "/flip": ("/flip?kernel=1,2,1", [
        "kernel=1%2C2%2C1",
        "input=0,0,1,2,3,0,0,0&kernel=1,2,1",
        "kernel=1.0,2,1&input=0,0,1,2,3,0,0,0&at="]),
    "/text": ("/text?sentence=the+cat+sat", [
        "sentence=the%20cat%20sat",
        "filter=0&sentence=the+cat+sat",
        "sentence=The+cat,+sat!&filter=0"]),
    "/transpose": ("/transpose?stride=2,1&mode=gather&step=3", [
        "stride=2%2C1&mode=gather&step=3",
        "step=3&mode=gather&stride=2,1",
        "size=4x4&kernel=1,2,3;4,5,6;7,8,9.0&stride=2,1&padding=1,1&mode=gather&step=03&pair=0,0"]),
    "/network": ("/network?sample=4&at=conv1,3,2,5", [
        "sample=4&at=conv1%2C3%2C2%2C5",
        "at=conv1,3,2,5&sample=4",
        "model=digits&sample=04&at=conv1,3,2,05&projector="]),
}

# a bad query → the field it names and the status the page answers with
BAD: dict[str, list[tuple[str, str, int]]] = {
    "/conv2d": [("stride=0", "stride", 422), ("image=" + "a" * 32, "image", 404)],
    "/conv1d": [("kernel=1,x", "kernel", 422), ("step=99", "step", 422)],
    "/pool": [("op=median", "op", 422), ("size=2&padding=2", "padding", 422)],
    "/volume": [("channels=99", "channels", 422), ("input=1:2", "weights", 422)],
    "/shapes": [("stack=vgg", "stack", 422), ("dilation=0", "dilation", 422)],
    "/flip": [("input=1,x", "input", 422), ("at=20", "at", 422)],
    "/text": [("filter=7", "filter", 422), ("sentence=%21%21", "sentence", 422)],
    "/transpose": [("y=1,2", "y", 422), ("stride=2,1,1", "stride", 422)],
    "/network": [("model=Digits", "model", 422), ("model=" + "a" * 32, "model", 404), ("at=conv9,0,0,0", "at", 422)],
}


def test_every_page_is_listed():
    assert set(SPELLINGS) == set(BAD) == set(PAGES)


@pytest.mark.parametrize("path", sorted(SPELLINGS))
def test_every_spelling_is_one_canonical_url_and_one_cache_entry(client, app, path):
    canonical, spellings = SPELLINGS[path]
    assert client.get(canonical, follow_redirects=False).status_code == 200
    first = client.get(canonical, headers=FRAGMENT)
    assert first.status_code == 200
    entries = len(app.state.pages)
    for query in spellings:
        url = f"{path}?{query}"
        assert client.get(url, follow_redirects=False).headers["location"] == canonical, url
        again = client.get(url, headers=FRAGMENT)
        assert again.headers["x-convstep-cache"] == "hit" and again.headers["hx-push-url"] == canonical, url
        assert again.content == first.content
        twin = client.get(f"{path}.json?{query}")
        assert twin.status_code == 200 and twin.json()["url"] == canonical, url
    assert len(app.state.pages) == entries


@pytest.mark.parametrize(("path", "query", "field", "status"),
                         [(p, q, f, s) for p, cases in sorted(BAD.items()) for q, f, s in cases])
def test_a_bad_query_on_a_twin_is_the_json_problem_with_the_pages_status(client, path, query, field, status):
    page = client.get(f"{path}?{query}")
    twin = client.get(f"{path}.json?{query}")
    assert page.status_code == twin.status_code == status
    assert twin.headers["content-type"] == "application/json"
    problem = twin.json()
    assert problem["field"] == field and problem["detail"] and set(problem) == {"detail", "field"}
    assert f"<code>{field}</code>" in page.text  # the page names the same field in its error panel
