"""Take the README's screenshots of /conv2d from real pages, so they can be redone after any change.

Starts the app on a free loopback port (scripts/local_server.py, with the pinned htmx when fetched) and
photographs it with Debian's Chromium through Playwright (as the browser tests do), into docs/img/:

- conv2d-numbers.png: the notes' 4×4 grid at step 5 on a laptop (1400 wide), the whole page;
- conv2d-projector.png: projector mode at 1280×720, the first screen (box blur: 1/9 · integers);
- conv2d-compare.png: box blur and sharpen on the same window, projector mode at 1280×720;
- conv2d-phone.png: the notes' grid at step 5 on a 390×844 phone, the first screen.

Run: ``.venv/bin/python scripts/screenshots.py`` (``--out DIR`` to write elsewhere).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import htmx  # noqa: E402
from scripts.local_server import running_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# name → (path, viewport, whole page?, phone?)
SHOTS = {
    "conv2d-numbers": ("/conv2d?step=5", (1400, 1000), True, False),
    "conv2d-projector": ("/conv2d?kernel=box_blur&step=5&projector=1", (1280, 720), False, False),
    "conv2d-compare": ("/conv2d?kernel=box_blur&compare=sharpen&step=5&projector=1", (1280, 720), False, False),
    "conv2d-phone": ("/conv2d?step=5", (390, 844), False, True),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    out = parser.parse_args().out
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with running_server(htmx_source=source) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, (path, (width, height), whole, phone) in SHOTS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone,
                                          device_scale_factor=1)
            page = context.new_page()
            page.goto(server.base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=out / f"{name}.png", full_page=whole)
            context.close()
            print(f"wrote {out / name}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
