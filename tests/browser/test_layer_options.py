"""/volume's groups and /pool's framework options in Chromium: stepping moves which channels are seen
and the divisor with no request. Numbers worked by hand from the pages' inputs."""

from __future__ import annotations

from tests.browser.conftest import shot
from tests.browser.test_stepping import requests_during, step_of


def test_volume_groups_follow_the_filter_while_stepping(page, server):
    page.goto(server + "/volume?channels=4&filters=4&groups=2&step=8")  # 9 cells per map: step 8 is filter 0's last
    seen = page.locator(".channel")
    assert [seen.nth(c).get_attribute("data-seen") for c in range(4)] == ["1", "1", "0", "0"]
    assert page.locator("table.sees tr.current th").inner_text() == "0"

    def press() -> None:
        for _ in range(10):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "18"  # filter 2: channels 2 and 3
    assert [seen.nth(c).get_attribute("data-seen") for c in range(4)] == ["0", "0", "1", "1"]
    assert page.locator("table.sees tr.current th").inner_text() == "2"
    assert page.locator("[data-b=flabel0]").text_content() == "Filter 2 does not see channel 0"
    assert page.locator("[data-b=flabel2]").first.text_content() == "Filter 2, slice 0"
    shot(page, "volume-groups")


def test_pool_average_divides_by_the_cells_counted(page, server):
    page.goto(server + "/pool?padding=1&op=avg&count_include_pad=0")

    def press() -> None:
        page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    # window (0, 1) covers x[0, 1] = 1 and x[0, 2] = 2 below two padded cells: 3 ÷ 2
    assert page.locator("[data-b=total]").inner_text() == "3 ÷ 2"
    assert page.locator("#workspace [data-b=result]").last.inner_text() == "1.5"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("[data-b=total]").inner_text() == "16 ÷ 4"  # the centre window: 6 + 7 + 2 + 1
    assert page.locator("#options .out.changed").count() == 8
    shot(page, "pool-options")
