"""The live output-size explorer on /conv2d (static/js/explorer.js): it follows what the student types,
before Apply and with no request, and its formula and verdict are the engine's for many cases."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.shapes import Axis, resolve_padding

from .conftest import shot


def requests_during(page, action) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    action()
    page.wait_for_timeout(150)
    return [u for u in seen if "favicon" not in u]


def lines(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("[data-explorer] [data-lines] p").all_text_contents()]


def test_the_formula_follows_typing_before_apply(page, server):
    page.goto(server + "/conv2d")
    template = page.locator("[data-explorer] .template")
    assert " ".join(template.inner_text().split()).startswith("H₂ = (H₁ + 2p − F) / s + 1")
    # each term wears its control's colour: the stride's s in the template and beside the Stride field
    colour = "e => getComputedStyle(e).color"
    assert template.locator(".t-s").evaluate(colour) == page.locator("label var.t-s").evaluate(colour)
    assert template.locator(".t-k").evaluate(colour) != template.locator(".t-s").evaluate(colour)
    assert lines(page)[:2] == ["height (4 + 2·1 − 3) / 1 + 1 = 3 + 1 = 4", "width (4 + 2·1 − 3) / 1 + 1 = 3 + 1 = 4"]

    def type_stride():
        page.fill("[name=stride]", "2")
        page.fill("[name=padding]", "0")

    assert requests_during(page, type_stride) == []
    assert lines(page) == [
        "height (4 + 2·0 − 3) / 2 + 1 = 1/2 + 1 = 3/2 ⚠ not a whole number: frameworks round down to 1;"
        " the last cell is never visited · 1 input cell is never read",
        "width (4 + 2·0 − 3) / 2 + 1 = 1/2 + 1 = 3/2 ⚠ not a whole number: frameworks round down to 1;"
        " the last cell is never visited · 1 input cell is never read",
        "→ output 1×1 (as typed)",
    ]
    assert page.locator("[data-explorer] [data-axis=height] .t-s").inner_text() == "2"
    # the grid and the kernel count too: a 5×6 grid, a 2×2 custom kernel, padding "same"
    page.fill("[name=grid]", "1,2,3,4,5,6;" * 4 + "1,2,3,4,5,6")
    page.select_option("[name=kernel]", "")
    page.fill("[name=custom_kernel]", "1,0;0,1")
    page.fill("[name=padding]", "same")
    assert lines(page)[-1] == "→ output 3×3 (as typed)"
    page.fill("[name=stride]", "99")
    assert lines(page) == ["stride must be between 1 and 8, got 99"]  # the page's limit, as the engine words it
    shot(page, "explorer-laptop", full_page=False)
    # Apply agrees with what the explorer said
    page.fill("[name=stride]", "2")
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_url("**stride=2**")
    assert "output 3×3" in " ".join(page.locator(".formula .summary").inner_text().split())


@pytest.mark.parametrize("size", [(390, 844), (1280, 720)])
def test_the_explorer_fits_phone_and_laptop(page, server, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(server + "/conv2d?stride=3&padding=0&grid=" + ";".join(["1,2,3,4,5,6,7"] * 7))
    box = page.locator("[data-explorer]")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    box.scroll_into_view_if_needed()
    shot(page, f"explorer-{size[0]}x{size[1]}", full_page=False)


def test_the_js_rule_is_the_engines(page, server):
    """Random geometries (seeded): the browser's formula, verdict, output and unread cells equal the engine's."""
    rng = np.random.default_rng(11)
    cases = []
    for _ in range(300):
        n, k = int(rng.integers(1, 17)), int(rng.integers(1, 8))
        s, d = int(rng.integers(1, 9)), int(rng.integers(1, 5))
        spec = ["valid", "same", int(rng.integers(0, 11))][int(rng.integers(0, 3))]
        ((pb, pa),) = resolve_padding(spec, (k,), (d,))
        cases.append((n, k, s, pb, pa, d, spec))
    page.goto(server + "/conv2d")
    got = page.evaluate(
        """async cases => {
            const m = await import('/static/js/explorer.js');
            return cases.map(([n, k, s, pb, pa, d, spec]) => {
                const pad = m.resolvePadding(String(spec), k, d);
                const a = m.axis(n, k, s, pad, d, 'width');
                return [pad, a.out, a.exact, a.explain, a.unvisited];
            });
        }""",
        cases,
    )
    for (n, k, s, pb, pa, d, _), (pad, out, exact, explain, unvisited) in zip(cases, got, strict=True):
        a = Axis(n, k, s, (pb, pa), d, "width")
        assert pad == [pb, pa]
        assert (out, exact, explain) == (a.out, a.exact, a.explain()), (n, k, s, pb, pa, d)
        if a.fits:
            assert unvisited == a.covered().count(False), (n, k, s, pb, pa, d)
    assert sum(not a for _, a, _, _, _ in got) > 10 and sum(not e for _, _, e, _, _ in got) > 50  # both verdicts met


def test_a_kernel_chosen_but_not_applied_survives_a_sample_choice(page, server):
    page.goto(server + "/conv2d")
    page.select_option("[name=kernel]", "box_blur")
    page.locator("#pick-image summary").click()
    page.locator(".pick-image .samples a").first.click()
    page.wait_for_url("**image=**")
    assert "kernel=box_blur" in page.url
    assert page.locator("select[name=kernel]").input_value() == "box_blur"
