"""A real server on loopback and Debian's headless Chromium, driven by Playwright.

Browser tests skip (with the reason) when /usr/bin/chromium is missing, except under CI=true
where a missing browser is a failure: CI installs it (scripts/ensure_chromium.sh).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import htmx
from scripts.local_server import running_server
from scripts.npm_fetch import npm_file

CHROMIUM = "/usr/bin/chromium"
AXE = "axe-core@4.10.3"  # fetched at test time with npm pack into the git-ignored .vendor/, never committed
AXE_FILE = Path(__file__).parent / ".vendor" / "axe-4.10.3.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        "--disable-dev-shm-usage"]  # containers often give /dev/shm only 64 MB: Chromium uses /tmp instead


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# package scope: Playwright's sync API runs an event loop on this thread while it lives, so it must
# be gone before the server tests drive their own asyncio clients
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: scripts/ensure_chromium.sh should have installed it")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app with the pinned htmx served locally when fetched (make htmx), else without htmx."""
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with running_server(data_dir=tmp_path_factory.mktemp("data"), htmx_source=source) as s:
        yield s.base


@pytest.fixture(scope="session")
def bare_server(tmp_path_factory):
    """The app with no htmx at all: what a classroom behind a CDN-blocking firewall gets."""
    with running_server(data_dir=tmp_path_factory.mktemp("bare"), htmx_source="none") as s:
        yield s.base


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors  # a test that provokes an error on purpose clears it
    yield pg
    context.close()
    assert not [e for e in errors if "favicon" not in e], errors


def open_settings(page) -> None:
    """Unfold the settings bar: whenever a state is in the URL the settings are one line ("… · Edit")."""
    bar = page.locator("details.settings-bar")
    if not bar.evaluate("e => e.open"):
        bar.locator("> summary").click()


def wait_until(page, expression: str, timeout_ms: int = 15_000) -> None:
    """Poll a JS expression until it is truthy. ``page.wait_for_function`` polls by evaluating a string in the
    page, which the app's CSP (no 'unsafe-eval') refuses whenever the first check is false: flaky under load.
    ``page.evaluate`` runs through the DevTools protocol, outside the page's CSP."""
    waited = 0
    while not page.evaluate(expression):
        assert waited < timeout_ms, f"still false after {timeout_ms} ms: {expression}"
        page.wait_for_timeout(50)
        waited += 50


def shot(page, name: str, full_page: bool = True) -> None:
    """Save a screenshot to look at; ``full_page=False`` keeps just what the viewport shows."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_FILE.is_file():
        body = npm_file(AXE, "package/axe.min.js")
        if body is None:
            pytest.skip(f"{AXE} could not be fetched from the npm registry")
        AXE_FILE.parent.mkdir(exist_ok=True)
        AXE_FILE.write_bytes(body)
    return AXE_FILE.read_text()


def violations(page, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']}))"
        ".violations.map(v => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.nodes[0].html.slice(0, 100)}`)"
    )
    return found
