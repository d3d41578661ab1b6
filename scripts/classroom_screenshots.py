"""Take docs/classroom.md's screenshots from real pages, so they can be redone after the pages change.

Starts the app on loopback (scripts/local_server.py), opens a teacher's tab in projector mode and a
student's phone with Debian's Chromium (Playwright), and saves:

- docs/img/classroom-start.png    1280×720: the projector page with "Start a class" in its toolbar
- docs/img/classroom-code.png     1280×720: the class panel (code, QR code, join address, followers)
- docs/img/classroom-teaching.png 1920×1080: the teacher stepping, the panel folded into a corner
- docs/img/classroom-phone.png    390×844: a student following on a phone
- docs/img/classroom-explore.png  390×844: the same student exploring on their own
- docs/img/classroom-ended.png    390×844: the same student once the teacher pressed "End class"

    .venv/bin/python scripts/classroom_screenshots.py    # needs Debian's chromium; `make htmx` first
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import htmx  # noqa: E402
from scripts.local_server import running_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
START = "/conv2d?kernel=sobel_x&projector=1"


def take(base: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(page, name: str) -> None:
        path = out / f"classroom-{name}.png"
        page.screenshot(path=path)
        saved.append(path)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        teacher = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        teacher.goto(base + START)
        start = teacher.locator("[data-class-start]")
        start.focus()
        save(teacher, "start")
        start.click()
        code_box = teacher.locator(".class-full [data-class-code]")
        expect(code_box).to_have_text(re.compile(r"^\w{6}$"))
        code = code_box.inner_text()
        teacher.wait_for_function("document.querySelector('[data-class-qr]').naturalWidth > 0")

        student = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
        student.goto(f"{base}/join/{code}")
        expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "following")
        expect(teacher.locator(".class-full [data-class-followers]")).to_have_text("1", timeout=10_000)
        save(teacher, "code")

        teacher.set_viewport_size({"width": 1920, "height": 1080})
        teacher.keyboard.press("c")
        for _ in range(6):
            teacher.keyboard.press("ArrowRight")
        expect(student.locator("#workspace")).to_have_attribute("data-step", "6")
        save(teacher, "teaching")
        expect(student.locator("[data-follow-count]")).to_have_text("1", timeout=20_000)
        save(student, "phone")
        student.locator("[data-follow-toggle]").click()
        expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "exploring")
        save(student, "explore")
        teacher.keyboard.press("c")  # the panel unfolds: End class
        teacher.locator("[data-class-end]").click()
        expect(teacher.locator("[data-class-panel]")).to_be_hidden()
        expect(student.locator("[data-follow-bar]")).to_have_attribute("data-mode", "ended", timeout=10_000)
        save(student, "ended")
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with tempfile.TemporaryDirectory() as data, running_server(data_dir=Path(data), htmx_source=source) as server:
        for path in take(server.base, args.out):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
