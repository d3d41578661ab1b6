"""/join/{code} and /join (issue 14), server side: the teacher's current step rendered by its own page under
the follow bar (what a student without JavaScript sees), a clear 404 for an unknown or expired code, a 410
page linking the last step for a class its teacher ended, the
code box, and the "Start a class" button in projector mode only."""

from __future__ import annotations

import re

import pytest

from app.classes import get_classroom


def main(html: str) -> str:
    return html[html.index('<main id="main">'):html.index("</main>")]


def start(client, url: str | None = None) -> dict:
    response = client.post("/api/classes")
    assert response.status_code == 201, response.text
    started = response.json()
    if url is not None:
        step = client.put(f"/api/classes/{started['code']}/state", json={"url": url},
                          headers={"X-Teacher-Key": started["teacher_key"]})
        assert step.status_code == 204, step.text
    return started


def test_join_renders_the_teachers_step_with_the_follow_bar(client):
    code = start(client, "/conv2d?padding=02&kernel=sobel_x&step=5")["code"]
    page = client.get(f"/join/{code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    # exactly what /conv2d renders for that state (the canonical URL the class holds)
    own = client.get("/conv2d?kernel=sobel_x&padding=2&step=5").text
    assert main(html) == main(own)
    assert 'id="workspace"' in html and 'data-step="5"' in html
    assert f'data-code="{code}"' in html and 'data-url="/conv2d?kernel=sobel_x&amp;padding=2&amp;step=5"' in html
    assert "Following the teacher" in html
    assert f'<a href="/join/{code}">Refresh</a>' in html  # the no-JS way to catch up
    assert '<html lang="en" class="following">' in html
    assert re.search(r"<title>2-D stepper · convstep</title>", html)


def test_the_page_follows_every_new_state(client):
    started = start(client, "/pool")
    code, key = started["code"], started["teacher_key"]
    assert "<h1>Pooling</h1>" in client.get(f"/join/{code}").text
    client.put(f"/api/classes/{code}/state", json={"url": "/conv1d?stride=2&step=1"}, headers={"X-Teacher-Key": key})
    html = client.get(f"/join/{code.lower()}").text  # typed in lower case: the same class
    assert "<h1>1-D convolution</h1>" in html and 'data-step="1"' in html


def test_a_class_on_the_home_page_waits_with_a_link(client):
    code = start(client)["code"]  # a new class starts on "/"
    page = client.get(f"/join/{code}")
    assert page.status_code == 200
    assert f"<h1>Class {code}</h1>" in page.text
    assert "home page" in page.text and 'data-url=' not in page.text  # the stream brings the first page


@pytest.mark.parametrize("code", ["ZZZZZZ", "ABCDE", "O0O0O0", "toolongcode"])
def test_unknown_code_is_a_clear_404_with_the_code_box(client, code):
    page = client.get(f"/join/{code}")
    assert page.status_code == 404
    assert "No class with this code" in page.text
    assert "no class has the code" in page.text
    assert '<input name="code"' in page.text
    assert 'data-code=' not in page.text


def test_a_class_its_teacher_ended_is_a_410_page_linking_the_last_step(client):
    started = start(client, "/conv1d?stride=2&step=1")
    code = started["code"]
    assert client.delete(f"/api/classes/{code}", headers={"X-Teacher-Key": started["teacher_key"]}).status_code == 204
    page = client.get(f"/join/{code}")
    assert page.status_code == 410 and page.headers["cache-control"] == "no-store"
    assert "<h1>The class has ended</h1>" in page.text and f"ended class {code}" in page.text
    assert '<a class="button primary" href="/conv1d?stride=2&amp;step=1">Open the last step</a>' in page.text
    assert "data-code=" not in page.text  # no follow bar: nothing is left to follow
    assert "<title>The class has ended · convstep</title>" in page.text


def test_an_expired_class_is_a_404(client, app):
    code = start(client, "/conv2d")["code"]
    classroom = get_classroom(app)
    now = classroom.clock()
    classroom.clock = lambda: now + app.state.settings.class_ttl_s + 1  # past its end
    classroom.bus.clock = classroom.clock
    page = client.get(f"/join/{code}")
    assert page.status_code == 404
    assert "may have ended" in page.text


def test_the_code_box(client):
    assert '<form class="join-form" action="/join" method="get">' in client.get("/join").text
    moved = client.get("/join?code=ab%20cd-23", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/join/ABCD23"
    bad = client.get("/join?code=I0L", follow_redirects=False)
    assert bad.status_code == 422
    assert "code: a class code is 6 letters and digits (no 0, O, 1, I or L)" in bad.text


def test_start_a_class_is_in_the_projector_toolbar_of_every_stepping_page(client):
    button = 'data-class-start aria-keyshortcuts="C">Start a class <kbd>C</kbd>'
    for path in ("/conv2d?projector=1", "/transpose?projector=1", "/network?projector=1",
                 "/conv1d", "/pool", "/volume", "/flip"):  # the last four have no projector mode: always there
        assert button in client.get(path).text, path
    for path in ("/conv2d", "/transpose", "/network"):
        assert button not in client.get(path).text, path
    for path in ("/conv2d", "/join", "/"):  # the panels (filled by classroom.js) are on every page, hidden
        html = client.get(path).text
        assert 'id="class-panel"' in html and '<script type="module" src="/static/js/classroom.js">' in html
