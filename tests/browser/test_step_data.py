"""The steps stepper.js lays out from the embedded step data equal the pages the server renders.

A numbers page (/conv2d's grid, /pool, /volume) carries only what stepper.js cannot derive (sums,
results, the products by input value and kernel tap: app/web/step_data.py ``window_data``); the
window, its values and padding, the status line, the double sum, the stride picture and W's rows it
lays out from the geometry. Here every configuration is stepped in the page (a click on an output
cell's button: no request) and the same step is then loaded from the server; everything the step
changes must read the same.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

# a 6×7 grid of decimals and negatives (seeded by hand, not by the engine): distinct values repeat
GRID = "1,-2,0.5,3,0,-1.25,2;4,0,-3,1,2.5,1,-1;0,1,2,-0.5,3,0,1;2,2,-1,0,1,-2,4;-3,0.25,1,1,0,2,0;1,0,2,-1,3,1,1"
TWELVE = ";".join(",".join(str((r * 12 + c) % 10) for c in range(12)) for r in range(12))

CONFIGS = {
    # the 12×12 numbers grid with the default kernel (sharpen) and same padding
    "twelve": (f"/conv2d?grid={TWELVE}", [1, 13, 77, 143]),
    # stride, dilation, padding on both sides, a bias and a decimal kernel
    "strided": (f"/conv2d?grid={GRID}&kernel=0.5,-1,2;1,0,-0.25&bias=1.5&stride=2&padding=2&dilation=2", [1, 6, 11, 15]),
    # a 5×5 preset over 1/256 (the double sum elides terms), true convolution (flipped), W by the weights' names
    "preset": (f"/conv2d?grid={GRID}&kernel=gaussian_blur_5&flip=1&padding=2&symbols=1", [2, 9, 20, 41]),
    # two kernels on the same window
    "compare": (f"/conv2d?grid={GRID}&kernel=sobel_x&compare=box_blur&padding=1", [3, 17, 30]),
    # pooling: the max and its winner, padding and ceil mode; the average over the cells counted
    "pool-max": (f"/pool?input={GRID}&size=3&stride=2&padding=1&ceil_mode=1", [1, 4, 7, 11]),
    "pool-avg": (f"/pool?input={GRID}&size=2&stride=1&padding=1&op=avg&count_include_pad=0", [1, 9, 20, 55]),
    # /volume: a filter's weights and labels travel once per filter (``every``); steps cross from filter 0 to 1
    "volume": ("/volume", [2, 8, 9, 17]),
    "volume-groups": ("/volume?size=4&channels=4&groups=2", [1, 3, 4, 7]),  # each filter sees half the channels
}

SNAPSHOT = """() => {
  const ws = document.querySelector('[data-client]');
  const text = (e) => e.textContent.replace(/\\s+/g, ' ').trim();
  const binds = [...ws.querySelectorAll('[data-b]')].map((e) => [e.dataset.b, e.hidden ? null : text(e),
    ['pad', 'win'].filter((c) => e.classList.contains(c)).join(' '), e.getAttribute('transform'), e.getAttribute('visibility')]);
  const classes = (e) => [...e.classList].sort().join(' ');
  const cells = [...ws.querySelectorAll('[data-cell]')].map((e) => [e.dataset.cell, classes(e), e.getAttribute('aria-label')]);
  const outputs = [...ws.querySelectorAll('td[data-order]')].map((e) => [classes(e), text(e)]);
  const w = ws.querySelector('table[data-w]');
  // W's cells by what they mean (the server leaves a zero cell's class "z" out; stepper.js writes it)
  const kept = (e) => ['nz', 'wcol', 'current', 'elided'].filter((c) => e.classList.contains(c)).join(' ');
  const rows = w ? [...w.querySelectorAll('tr')].map((tr) => [kept(tr), [...tr.children].map((c) => [kept(c), text(c)])]) : null;
  const wx = ws.querySelector('[data-wx]');
  return {binds, cells, outputs, rows, wx: wx ? text(wx) : null, status: text(document.querySelector('#status'))};
}"""


@pytest.mark.parametrize("name", list(CONFIGS))
def test_steps_drawn_in_the_page_equal_the_server_pages(page, server, name):
    url, steps = CONFIGS[name]
    page.goto(server + url)
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    drawn = {}
    for step in steps:
        page.locator(f"table.grid.output td[data-order='{step}'] button").first.click()
        assert page.locator("[data-client]").get_attribute("data-step") == str(step)
        drawn[step] = page.evaluate(SNAPSHOT)
    assert seen == []  # every step came from the page's own data
    if name == "strided":
        shot(page, "step-data-strided-drawn")
    for step in steps:
        page.goto(f"{server}{url}{'&' if '?' in url else '?'}step={step}")
        served = page.evaluate(SNAPSHOT)
        for key in served:
            assert drawn[step][key] == served[key], (name, step, key)



def test_with_javascript_off_a_cell_loads_its_step(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server + "/conv2d?symbols=1")
    page.locator("table.grid.output td[data-order='6'] button").click()  # the form puts step last: redirected
    page.wait_for_url("**/conv2d?step=6&symbols=1#workspace")
    assert page.locator("#status").inner_text().startswith("Step 7 of 16 · output cell (row 1, column 2)")
    page.locator("table.grid.input td[title='row 0, column 0'] button").click()  # the window nearest it: step 0
    page.wait_for_url("**/conv2d?symbols=1#workspace")
    assert page.locator("#status").inner_text().startswith("Step 1 of 16")
    context.close()


@pytest.fixture(scope="module")
def few_steps_server(tmp_path_factory):
    """A deployment that embeds no step of /conv2d's 16 (CONVSTEP_MAX_CLIENT_STEPS=4): its cells go through htmx."""
    from app import htmx
    from scripts.local_server import running_server

    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with running_server(data_dir=tmp_path_factory.mktemp("few"), htmx_source=source, max_client_steps="4") as s:
        yield s.base


def test_a_cell_without_embedded_steps_asks_htmx_for_its_step(page, few_steps_server):
    page.goto(few_steps_server + "/conv2d")
    assert page.locator("#step-data").count() == 0
    page.locator("table.grid.output td[data-order='9'] button").click()
    page.wait_for_url("**/conv2d?step=9*")
    assert page.locator("#status").inner_text().startswith("Step 10 of 16 · output cell (row 2, column 1)")
    assert page.locator("table.grid.output td.cur").get_attribute("data-order") == "9"
