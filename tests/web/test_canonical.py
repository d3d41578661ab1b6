"""Canonical URLs on the pages: one URL per state for links, redirects, htmx pushes and the page cache."""

from __future__ import annotations

import re
from html import unescape

import pytest

FRAGMENT = {"HX-Request": "true", "HX-Target": "workspace"}
SPELLINGS = [
    "kernel=1,2,3;4,5,6;7,8,9&step=4",
    "kernel=1%2C2%2C3%3B4%2C5%2C6%3B7%2C8%2C9&step=4",
    "step=4&kernel=1,2,3;4,5,6;7,8,9",
    "kernel=1,2,3;4,5,6;7,8,9&step=04&padding=1&stride=01&bias=0.0&dilation=1",
]
CANONICAL = "/conv2d?kernel=1,2,3;4,5,6;7,8,9&step=4"


def test_spellings_of_one_state_are_one_page_cache_entry(client, app):
    first = client.get(f"/conv2d?{SPELLINGS[0]}", headers=FRAGMENT)
    assert first.status_code == 200 and "x-convstep-cache" not in first.headers
    entries = len(app.state.pages)
    for query in SPELLINGS[1:]:
        again = client.get(f"/conv2d?{query}", headers=FRAGMENT)
        assert again.headers["x-convstep-cache"] == "hit" and again.content == first.content
        assert again.headers["hx-push-url"] == CANONICAL  # htmx pushes the canonical URL, not what it asked
    assert len(app.state.pages) == entries
    assert "hx-push-url" not in first.headers


@pytest.mark.parametrize("query", SPELLINGS[1:])
def test_a_page_under_another_spelling_redirects_to_the_canonical_url(client, query):
    r = client.get(f"/conv2d?{query}", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == CANONICAL
    assert client.get(CANONICAL, follow_redirects=False).status_code == 200


def test_the_forms_result_lands_on_the_canonical_url(client):
    r = client.get("/conv2d?grid=1,2;3,4&kernel=&custom_kernel=1,0;0,1&stride=1&padding=1&dilation=1&bias=0",
                   follow_redirects=False)
    assert r.headers["location"] == "/conv2d?grid=1,2;3,4&kernel=1,0;0,1"


def test_step_links_are_canonical(client):
    html = client.get("/conv2d?kernel=edge&step=3&projector=1").text
    links = {unescape(h) for h in re.findall(r'href="(/conv2d\?[^"]*)"[^>]*data-key="(?:next|first)"', html)}
    # canonical URLs, with the fragment that lands a page load (no JS) on the stepper
    assert links == {"/conv2d?kernel=edge&step=4&projector=1#workspace", "/conv2d?kernel=edge&projector=1#workspace"}


def test_max_grid_size_setting_keeps_an_18x18_grid_a_numbers_grid(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    grid = ";".join(",".join(str((r * 18 + c) % 10) for c in range(18)) for r in range(18))
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", max_grid_size=20))) as c:
        html = c.get(f"/conv2d?grid={grid}").text
        assert '<table class="grid input' in html  # every number shown, not the image view
        assert "up to 20×20" in html and 'data-max-grid="20"' in html
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none"))) as c:
        r = c.get(f"/conv2d?grid={grid}")
        assert r.status_code == 422 and "<code>grid</code>" in r.text and "at most 16" in r.text
        assert "up to 16×16" in r.text


def test_limits_in_the_form_come_from_settings(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=tmp_path, htmx_source="none", max_page_kernel_size=5, max_page_stride=3, max_page_dilation=2)
    with TestClient(create_app(settings)) as c:
        html = c.get("/conv2d").text
    assert "1×1 to 5×5" in html and 'data-max-kernel="5"' in html
    assert 'name="stride" min="1" max="3"' in html and 'name="dilation" min="1" max="2"' in html


def test_every_link_on_the_home_page_and_the_lecture_pages_is_canonical(client):
    """A link the app writes itself never costs a redirect: it is already the state's one URL."""
    pages = ["/", "/conv1d", "/pool", "/volume", "/transpose", "/shapes", "/flip", "/text", "/conv2d"]
    seen = set()
    for page in pages:
        html = client.get(page).text
        pattern = r'href="(/(?:conv1d|conv2d|pool|volume|transpose|shapes|flip|text)(?:\?[^"#]*)?)(?:#[^"]*)?"'
        for href in re.findall(pattern, html):
            seen.add(unescape(href))
    assert len(seen) > 30
    for href in sorted(seen):
        assert client.get(href, follow_redirects=False).status_code == 200, href


@pytest.mark.parametrize(
    ("spellings", "canonical"),
    [
        (["/conv1d?kernel=1%2C2&step=2", "/conv1d?step=02&kernel=1.0,2&stride=1&padding=valid"], "/conv1d?kernel=1,2&step=2"),
        (["/pool?stride=1&size=3&step=1&op=max", "/pool?step=01&size=03&stride=1&shift=right"], "/pool?size=3&stride=1&step=1"),
        (["/volume?stride=2&padding=1&seed=7", "/volume?seed=07"], "/volume?seed=7"),
        (["/transpose?y=1,2;3,4&mode=gather&stride=2&step=03", "/transpose?mode=gather&kernel=1,2,3;4,5,6;7,8,9.0&step=3"],
         "/transpose?mode=gather&step=3"),
        (["/shapes?input=5&kernel=3&padding=1&stride=2&channels=3&filters=2", "/shapes?padding=01&stride=2"],
         "/shapes?stride=2&padding=1"),
        (["/flip?kernel=1,2,1&input=0,0,1,2,3,0,0,0", "/flip?kernel=1%2C2%2C1"], "/flip?kernel=1,2,1"),
        (["/text?sentence=The+cat,+sat!&filter=0", "/text?sentence=the%20cat%20sat"], "/text?sentence=the+cat+sat"),
    ],
)
def test_every_page_keeps_one_cache_entry_per_state(client, app, spellings, canonical):
    first = client.get(canonical, headers=FRAGMENT)
    assert first.status_code == 200 and "x-convstep-cache" not in first.headers
    entries = len(app.state.pages)
    for url in spellings:
        assert client.get(url, follow_redirects=False).headers["location"] == canonical
        again = client.get(url, headers=FRAGMENT)
        assert again.headers["x-convstep-cache"] == "hit" and again.headers["hx-push-url"] == canonical
    assert len(app.state.pages) == entries
