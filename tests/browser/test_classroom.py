"""Follow mode in real browsers (issue 14): a teacher's tab and three students' tabs, each its own browser
context, on a real server (SSE needs one). The teacher steps with keys, buttons and Apply, and moves to
another page; every student lands on the same URL and step. One student breaks away, steps elsewhere and
rejoins on the teacher's current step. Without JavaScript /join/{code} still shows the teacher's step.
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack

import httpx
import pytest
from playwright.sync_api import expect

from app import htmx
from scripts.local_server import running_server

from .conftest import open_settings, shot, violations, wait_until

APPLY = "button[type=submit]:has-text('Apply')"
# answers the client handles by design (Chrome logs every 4xx of a fetch): a 429 is waited out and retried
HANDLED = re.compile(r"status of 429")


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    """A server of its own: every test here starts classes from 127.0.0.1 (CONVSTEP_CLASSES_PER_ADDRESS_HOUR)."""
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with running_server(data_dir=tmp_path_factory.mktemp("classes"), htmx_source=source,
                        classes_per_address_hour="200") as server:
        yield server.base


class Tabs:
    """Browser contexts opened by a test, each page's console errors kept; all closed at the end."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.errors: list[str] = []

    def open(self, width=1280, height=720, javascript=True, bypass_csp=False):
        context = self.browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=javascript,
                                           bypass_csp=bypass_csp)  # only so that axe can be injected
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not HANDLED.search(m.text) else None)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def tabs(browser):
    t = Tabs(browser)
    yield t
    t.close()
    assert not [e for e in t.errors if "favicon" not in e], t.errors


def start_class(teacher, base, path="/conv2d?projector=1"):
    """The teacher opens a page in projector mode and presses "Start a class": the code, QR and join address."""
    teacher.goto(base + path)
    start = teacher.locator("[data-class-start]")
    if start.is_visible():
        start.click()
    else:  # a phone folds the projector toolbar away: the key still starts it
        teacher.keyboard.press("c")
    panel = teacher.locator("[data-class-panel]")
    expect(panel).to_be_visible()
    code_box = panel.locator(".class-full [data-class-code]")
    expect(code_box).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{6}$"))
    code = code_box.inner_text()
    expect(panel.locator("[data-class-join]")).to_have_attribute("href", f"{base}/join/{code}")
    qr = panel.locator("[data-class-qr]")
    expect(qr).to_have_attribute("src", f"/api/classes/{code}/qr.svg")
    wait_until(teacher, "document.querySelector('[data-class-qr]').naturalWidth > 0")
    return code


def student_url(teacher_url: str) -> str:
    """What the class shares: the teacher's URL without projector mode."""
    return re.sub(r"[?&]projector=1$", "", teacher_url)


def published(base, code, url, timeout=10.0):
    """Wait until the class holds ``url`` (the teacher's PUT has arrived): what a page rendered now shows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{base}/api/classes/{code}").json()["url"] == url:
            return
        time.sleep(0.05)
    raise AssertionError(f"the class never showed {url}")


def join(tabs, base, code, **viewport):
    student = tabs.open(**viewport)
    student.goto(f"{base}/join/{code}")
    expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
    expect(student.locator("[data-follow-mode]")).to_have_text("Following the teacher")
    return student


def all_on(students, url, step=None, timeout=15_000):
    """Every student on ``url`` (and ``step``); a loaded machine may take a while for a burst of image steps."""
    for student in students:
        expect(student).to_have_url(url, timeout=timeout)
        if step is not None:
            expect(student.locator("#workspace")).to_have_attribute("data-step", str(step), timeout=timeout)


def test_three_students_follow_the_teacher_break_away_and_rejoin(tabs, class_server):
    base = class_server
    teacher = tabs.open(1280, 720)
    code = start_class(teacher, base)
    shot(teacher, "class-teacher-1280", full_page=False)
    phone = join(tabs, base, code, width=390, height=844)
    laptop = join(tabs, base, code, width=1280, height=720)
    big = join(tabs, base, code, width=1920, height=1080)
    students = [phone, laptop, big]
    all_on(students, f"{base}/conv2d", step=0)
    expect(teacher.locator(".class-full [data-class-followers]")).to_have_text("3")
    expect(big.locator("[data-follow-count]")).to_have_text("3")  # the last to join counts everyone

    teacher.keyboard.press("c")  # the panel folds into a corner: the code and the count stay
    expect(teacher.locator(".class-full")).to_be_hidden()
    expect(teacher.locator(".class-mini")).to_contain_text(code)

    for _ in range(3):  # keys
        teacher.keyboard.press("ArrowRight")
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "3")
    all_on(students, f"{base}/conv2d?step=3", step=3)
    teacher.locator('a[data-key="next"]').click()  # a button
    teacher.keyboard.press("Shift+ArrowRight")  # a row
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "8")
    all_on(students, f"{base}/conv2d?step=8", step=8)
    shot(phone, "class-student-390", full_page=False)
    shot(big, "class-student-1920", full_page=False)

    # one student breaks away (E), steps on their own; the others keep following
    laptop.keyboard.press("e")
    expect(laptop.locator("[data-follow-bar]")).to_have_attribute("data-mode", "exploring")
    expect(laptop.locator("[data-follow-mode]")).to_have_text("Exploring on my own")
    laptop.keyboard.press("Home")
    laptop.keyboard.press("ArrowRight")
    expect(laptop).to_have_url(f"{base}/conv2d?step=1")
    teacher.keyboard.press("ArrowRight")
    all_on([phone, big], f"{base}/conv2d?step=9", step=9)
    expect(laptop).to_have_url(f"{base}/conv2d?step=1")  # only remembered
    laptop.locator("[data-follow-toggle]").click()  # rejoin: the teacher's current step
    expect(laptop.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
    all_on(students, f"{base}/conv2d?step=9", step=9)

    # Apply (a new kernel; same shape, so the step is kept), with htmx
    teacher.keyboard.press("p")  # leave projector mode: the settings show
    expect(teacher).to_have_url(f"{base}/conv2d?step=9")
    open_settings(teacher)
    teacher.locator("select[name=kernel]").select_option("box_blur")
    teacher.locator(APPLY).click()
    expect(teacher).to_have_url(re.compile(r"kernel=box_blur"))
    all_on(students, student_url(teacher.url))
    expect(big.locator(".grid-label").first).to_be_visible()

    # another page: every student follows, then its steps
    teacher.goto(base + "/pool?projector=1")
    all_on(students, f"{base}/pool", step=0)
    teacher.keyboard.press("ArrowRight")
    all_on(students, f"{base}/pool?step=1", step=1)
    teacher.goto(base + "/conv1d?stride=2")
    all_on(students, f"{base}/conv1d?stride=2", step=0)
    expect(phone.locator("h1")).to_have_text("1-D convolution")


def test_a_burst_of_steps_ends_every_student_on_the_last_one(tabs, class_server):
    """Held-down keys and autoplay at its fastest: PUTs coalesce (one in flight, the newest next), and
    every student ends on the teacher's final step."""
    base = class_server
    teacher = tabs.open(1280, 720)
    puts: list[str] = []
    teacher.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    code = start_class(teacher, base, "/conv2d?image=shapes&kernel=sobel_x&projector=1")
    students = [join(tabs, base, code), join(tabs, base, code, width=390, height=844)]
    for _ in range(30):
        teacher.keyboard.press("ArrowRight", delay=5)
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "30", timeout=15_000)
    final = student_url(teacher.url)
    all_on(students, final, step=30)
    assert len(puts) <= 31, puts  # never more than one per state shown (fewer when they coalesce)

    # autoplay at its fastest on the notes' grid: every student ends on the last step
    teacher.evaluate("sessionStorage.setItem('convstep-speed', '60')")
    teacher.goto(base + "/conv2d?projector=1")
    all_on(students, f"{base}/conv2d", step=0)
    teacher.keyboard.press(" ")
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "15", timeout=15_000)
    all_on(students, f"{base}/conv2d?step=15", step=15)


def test_end_class_ends_it_for_every_student(tabs, class_server):
    """"End class" ends the class on the server: a student following and one exploring on their own both read
    "The class has ended" with a link to keep the teacher's last step; the teacher's tab is back to "Start a class"."""
    base = class_server
    teacher = tabs.open()
    code = start_class(teacher, base)
    following = join(tabs, base, code)
    exploring = join(tabs, base, code, width=390, height=844)
    teacher.keyboard.press("ArrowRight")
    all_on([following, exploring], f"{base}/conv2d?step=1", step=1)
    exploring.keyboard.press("e")
    expect(exploring.locator("[data-follow-bar]")).to_have_attribute("data-mode", "exploring")
    exploring.keyboard.press("End")
    expect(exploring).not_to_have_url(f"{base}/conv2d?step=1")
    teacher.keyboard.press("ArrowRight")
    all_on([following], f"{base}/conv2d?step=2", step=2)
    published(base, code, "/conv2d?step=2")

    teacher.locator("[data-class-end]").click()
    expect(teacher.locator("[data-class-panel]")).to_be_hidden()
    expect(teacher.locator("[data-class-start]")).to_have_text(re.compile("^Start a class"))
    expect(teacher.locator("[data-class-error]")).to_have_text(f"Class {code} has ended; its students keep the last step.")
    assert teacher.evaluate("sessionStorage.getItem('convstep-class-teach')") is None
    for student in (following, exploring):
        bar = student.locator("[data-follow-bar]")
        expect(bar).to_have_attribute("data-mode", "ended")
        expect(bar.locator("[data-follow-mode]")).to_have_text("The class has ended")
        keep = bar.locator("a[data-follow-keep]")
        expect(keep).to_be_visible()
        expect(keep).to_contain_text("Keep the last step")  # "on my own" too, but on a phone
        expect(keep).to_have_attribute("href", "/conv2d?step=2")
        expect(bar.locator("[data-follow-toggle]")).to_be_hidden()
    expect(following).to_have_url(f"{base}/conv2d?step=2")
    expect(following.locator("html")).not_to_have_class(re.compile(r"\bfollowing\b"))  # the settings are back
    shot(following, "class-ended-1280", full_page=False)
    shot(exploring, "class-ended-390", full_page=False)
    r = httpx.get(f"{base}/api/classes/{code}")
    assert r.status_code == 410 and "its teacher ended it" in r.json()["detail"]

    # the teacher steps on: nothing is published any more
    teacher.keyboard.press("ArrowRight")
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "3")
    teacher.reload()
    expect(teacher.locator("[data-class-panel]")).to_be_hidden()
    expect(following).to_have_url(f"{base}/conv2d?step=2")

    # the student who explored keeps the teacher's last step, followed by nobody
    exploring.locator("[data-follow-keep]").click()
    expect(exploring).to_have_url(f"{base}/conv2d?step=2")
    expect(exploring.locator("#workspace")).to_have_attribute("data-step", "2")
    expect(exploring.locator("[data-follow-bar]")).to_be_hidden()
    assert exploring.evaluate("sessionStorage.getItem('convstep-class-follow')") is None
    exploring.keyboard.press("ArrowRight")  # stepping alone, as on any page
    expect(exploring.locator("#workspace")).to_have_attribute("data-step", "3")
    # the one who followed may simply leave: the bar goes, the page stays
    following.locator("[data-follow-leave]").click()
    expect(following.locator("[data-follow-bar]")).to_be_hidden()
    expect(following).to_have_url(f"{base}/conv2d?step=2")
    # a new class starts from the same tab
    second = start_class(teacher, base)
    assert second != code


def test_reconnecting_is_shown_and_the_stream_resumes(tabs, class_server):
    base = class_server
    teacher = tabs.open()
    code = start_class(teacher, base)
    student = join(tabs, base, code)
    status = student.locator("[data-follow-status]")
    # the server says its bus is down (Redis away): the bar says so, then the stream resumes
    down = 'event: reconnecting\ndata: {"detail": "the class bus does not answer", "seq": 1}\nretry: 300\n\n'
    student.route("**/events", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=down))
    student.reload()
    expect(status).to_have_text("Reconnecting…")
    shot(student, "class-student-reconnecting", full_page=False)
    student.unroute("**/events")
    teacher.keyboard.press("ArrowRight")
    all_on([student], f"{base}/conv2d?step=1", step=1)
    expect(status).to_have_text("")


def test_redis_killed_mid_class_students_reconnect_and_end_on_the_final_step(tabs, redis_server, tmp_path):
    """Two app processes sharing only Debian's redis-server (tests/server/test_class_hosts.py's set-up): the
    teacher and one student on host A, another student on host B. Redis is killed mid-class (SIGKILL) while
    the teacher steps on, then restarted empty: the students read "Reconnecting…", then follow again and end
    on the teacher's final step; nothing answers 5xx but the classes API while Redis is away (503, retried)."""
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with ExitStack() as stack:
        a, b = (stack.enter_context(running_server(data_dir=tmp_path / name, htmx_source=source, redis_url=redis_server.url,
                                                   class_ping_s="1", classes_per_address_hour="200")).base
                for name in ("a", "b"))
        teacher = tabs.open()
        code = start_class(teacher, a)
        students = [join(tabs, a, code), join(tabs, b, code, width=390, height=844)]
        bases = [a, b]
        teacher.keyboard.press("ArrowRight")
        for student, base in zip(students, bases, strict=True):
            all_on([student], f"{base}/conv2d?step=1", step=1)

        redis_server.stop()
        for student in students:
            expect(student.locator("[data-follow-status]")).to_have_text("Reconnecting…", timeout=15_000)
            expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
        for _ in range(3):  # the teacher steps on: the page moves, the class API answers 503 and is retried
            teacher.keyboard.press("ArrowRight")
        expect(teacher.locator("#workspace")).to_have_attribute("data-step", "4")
        expect(teacher.locator("[data-class-status]")).to_have_text(re.compile("trying again"), timeout=15_000)
        shot(students[1], "class-student-redis-down-390", full_page=False)
        for student, base in zip(students, bases, strict=True):
            expect(student).to_have_url(f"{base}/conv2d?step=1")  # nothing new reached them
            assert httpx.get(f"{base}/conv2d?step=2", timeout=10).status_code == 200  # pages work without Redis

        redis_server.start()  # empty: no persistence; the workers that know the class write it back
        for student, base in zip(students, bases, strict=True):
            all_on([student], f"{base}/conv2d?step=4", step=4, timeout=30_000)  # the teacher's latest, re-sent
        teacher.keyboard.press("ArrowRight")
        teacher.keyboard.press("ArrowRight")
        expect(teacher.locator("#workspace")).to_have_attribute("data-step", "6")
        for student, base in zip(students, bases, strict=True):
            all_on([student], f"{base}/conv2d?step=6", step=6, timeout=30_000)
            expect(student.locator("[data-follow-status]")).to_have_text("")
            expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
        expect(teacher.locator("[data-class-status]")).to_have_text("")
        expect(teacher.locator(".class-full [data-class-followers]")).to_have_text("2", timeout=15_000)
    # the classes API's 503s while Redis was away (the teacher's PUT and the follower counts), logged by Chrome
    tabs.errors[:] = [e for e in tabs.errors if "status of 503" not in e]


def test_join_without_javascript_shows_the_teachers_step(tabs, class_server):
    base = class_server
    teacher = tabs.open()
    code = start_class(teacher, base, "/conv2d?kernel=sobel_x&projector=1")
    for _ in range(5):
        teacher.keyboard.press("ArrowRight")
    expect(teacher.locator("#workspace")).to_have_attribute("data-step", "5")
    published(base, code, "/conv2d?kernel=sobel_x&step=5")
    student = tabs.open(390, 844, javascript=False)
    student.goto(f"{base}/join/{code}")
    expect(student.locator("#workspace")).to_have_attribute("data-step", "5")
    expect(student.locator("[data-follow-mode]")).to_have_text("Following the teacher")
    refresh = student.get_by_role("link", name="Refresh")
    expect(refresh).to_be_visible()
    expect(refresh).to_have_attribute("href", f"/join/{code}")
    teacher.keyboard.press("ArrowRight")
    published(base, code, "/conv2d?kernel=sobel_x&step=6")
    refresh.click()
    expect(student.locator("#workspace")).to_have_attribute("data-step", "6")


def test_unknown_code_is_a_clear_404_with_the_code_box(tabs, class_server):
    page = tabs.open(390, 844)
    response = page.goto(f"{class_server}/join/ZZZZZZ")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("No class with this code")
    expect(page.locator("#error")).to_contain_text("ZZZZZZ")
    tabs.errors.clear()  # the 404 itself is logged by the browser
    page.locator("input[name=code]").fill("zz zz zz")
    page.locator("button[type=submit]:has-text('Join')").click()
    expect(page).to_have_url(f"{class_server}/join/ZZZZZZ")
    tabs.errors.clear()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_nothing_on_the_classroom_views(tabs, class_server, axe_source, width):
    base = class_server
    teacher = tabs.open(width, 800, bypass_csp=True)
    code = start_class(teacher, base)
    assert violations(teacher, axe_source) == []  # the panel with the code, the QR code and the count
    teacher.keyboard.press("c")
    expect(teacher.locator(".class-mini")).to_be_visible()
    assert violations(teacher, axe_source) == []
    student = tabs.open(width, 800, bypass_csp=True)
    student.goto(f"{base}/join/{code}")
    expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
    assert violations(student, axe_source) == []
    student.keyboard.press("e")
    expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "exploring")
    assert violations(student, axe_source) == []
    for path in ("/join", "/join/ZZZZZZ"):
        student.goto(base + path)
        assert violations(student, axe_source) == []
    tabs.errors.clear()  # the 404 is logged by the browser


def test_refusals_are_said_on_screen(tabs, class_server):
    """A class the server will not start (429 past the hour's limit), and one that has ended while the
    teacher steps (404): the teacher reads why, and the tab stops being a class."""
    base = class_server
    teacher = tabs.open()
    teacher.goto(base + "/conv2d?projector=1")
    limit = {"detail": "this address started more than 20 classes this hour (CONVSTEP_CLASSES_PER_ADDRESS_HOUR):"
                       " use one of them, or wait"}
    teacher.route("**/api/classes", lambda route: route.fulfill(status=429, json=limit, headers={"Retry-After": "60"}))
    teacher.keyboard.press("c")
    error = teacher.locator("[data-class-error]")
    expect(error).to_have_text(f"No class started: {limit['detail']}")
    expect(teacher.locator("[data-class-panel]")).to_be_hidden()
    teacher.unroute("**/api/classes")
    code = start_class(teacher, base)
    gone = {"detail": f"the class {code} has ended"}
    teacher.route("**/state", lambda route: route.fulfill(status=404, json=gone))
    teacher.keyboard.press("ArrowRight")
    expect(error).to_contain_text("This class has ended")
    expect(teacher.locator("[data-class-panel]")).to_be_hidden()
    assert teacher.evaluate("sessionStorage.getItem('convstep-class-teach')") is None
    tabs.errors.clear()  # the 404 is logged by the browser


@pytest.mark.parametrize("path", ["/pool", "/conv1d", "/volume", "/transpose?projector=1", "/network?projector=1"])
def test_a_class_starts_from_every_stepping_page(tabs, class_server, path):
    base = class_server
    teacher = tabs.open(1280, 720)
    code = start_class(teacher, base, path)
    shot(teacher, "class-start-" + path.strip("/").split("?")[0], full_page=False)
    student = join(tabs, base, code)
    all_on([student], student_url(teacher.url))
    teacher.keyboard.press("ArrowRight")
    expect(teacher).not_to_have_url(re.compile(r"/(pool|conv1d|volume|transpose|network)(\?projector=1)?$"))
    all_on([student], student_url(teacher.url))


def test_a_phone_following_shows_the_whole_step_on_its_first_screen(tabs, class_server):
    """390×844: the window (padded input), kernel, products, sum and output between the follow bar and the
    step buttons' bar, with no scrolling."""
    base = class_server
    teacher = tabs.open(1280, 720)
    code = start_class(teacher, base)
    phone = join(tabs, base, code, width=390, height=844)
    for _ in range(5):
        teacher.keyboard.press("ArrowRight")
    all_on([phone], f"{base}/conv2d?step=5", step=5)
    assert phone.evaluate("window.scrollY") == 0
    top = phone.locator("[data-follow-bar]").bounding_box()
    floor = phone.locator(".controls .buttons").bounding_box()["y"]
    assert floor + 1 >= 844 - 80  # the step buttons sit in a bar at the bottom
    for part in (".input-panel td.win", "table.grid.kernel", "table.grid.products", ".sum", ".output-panel"):
        box = phone.locator(part).first.bounding_box()
        assert box["y"] >= top["y"] + top["height"] - 1 and box["y"] + box["height"] <= floor + 1, (part, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (part, box)
    shot(phone, "class-student-390-first-screen", full_page=False)


def test_without_htmx_students_follow_by_loading_each_page(tabs, bare_server):
    """htmx unreachable (a CDN-blocking firewall): steps of the page on screen still move in the page, and
    another page is simply loaded (location.assign); the follow bar comes back on it."""
    base = bare_server
    teacher = tabs.open()
    code = start_class(teacher, base)
    student = join(tabs, base, code)
    assert student.evaluate("window.htmx === undefined")
    teacher.keyboard.press("ArrowRight")
    all_on([student], f"{base}/conv2d?step=1", step=1)
    teacher.goto(base + "/pool?projector=1")
    all_on([student], f"{base}/pool", step=0)
    expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
    teacher.keyboard.press("ArrowRight")
    all_on([student], f"{base}/pool?step=1", step=1)
