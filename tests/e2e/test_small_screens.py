"""Tablets and phones (issue #11): the plots come first, the controls open in a drawer from the
section bar (keyboard and screen-reader usable), nothing is wider than the screen in either
language, touch devices get touch hints; the desktop keeps its sidebar. Screenshots of the page
and the maps at the four sizes in both languages go to tests/artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import close_page, new_page, open_app, shot, show_maps

pytestmark = pytest.mark.e2e

LINK = ("/?surface=himmelblau&steps=120&r0=adam,lr=0.1&r1=sgd,lr=0.01,momentum=0.9"
        "&hmap.x=lr,0.0001,1,log,16&hmap.y=beta1,0.5,0.999,beta,12")
SIZES = {"desktop": (1280, 720), "full-hd": (1920, 1080), "tablet": (820, 1180),
         "phone": (390, 844)}

# Elements on the screen but sticking out of it, unless a scrolling box of theirs (overflow-x not visible)
# holds them inside the screen: then the reader scrolls that box, not the page.
WIDER_THAN_SCREEN = """() => {
    const W = document.documentElement.clientWidth;
    const clipped = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const ox = getComputedStyle(a).overflowX;
            if (ox !== 'visible') {
                const r = a.getBoundingClientRect();
                return r.left >= -0.5 && r.right <= W + 0.5;
            }
        }
        return false;
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || !el.checkVisibility({ visibilityProperty: true })) continue;
        const sticksOut = (r.right > W + 0.5 && r.left < W) || (r.left < -0.5 && r.right > 0);
        if (sticksOut && !clipped(el)) {  // (wholly off-screen on purpose: the skip link)
            out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
    }
    return { scroll: document.documentElement.scrollWidth, W, out: out.slice(0, 20) };
}"""


def small_page(browser: Any, console: Any, size: tuple[int, int], touch: bool = True) -> Any:
    viewport = {"width": size[0], "height": size[1]}
    if touch:  # a touch device is a context's own (a fresh one)
        return new_page(browser, console, viewport=viewport, has_touch=True, is_mobile=True)
    return new_page(browser, console, viewport=viewport)


def no_overflow(pg: Any) -> None:
    report = pg.evaluate(WIDER_THAN_SCREEN)
    assert report["scroll"] == report["W"], report
    assert report["out"] == [], report


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["tablet", "phone"])
def test_plots_first_drawer_and_no_overflow(browser, console, e2e_url, name, lang):
    size = SIZES[name]
    pg = small_page(browser, console, size)
    try:
        open_app(pg, e2e_url + LINK + f"&p.lang={lang}")
        pg.wait_for_function("() => { const d = document.getElementById('hyper-plot');"
                             " return d && d.data && d.data[0].z[11] && d.data[0].z[11][15] !== undefined }")
        # the plots come first: the contour starts on the first screen, the controls are shut
        contour = pg.locator(".contour-card").bounding_box()
        assert contour["y"] < size[1] * 0.45
        assert not pg.locator("#controls").is_visible()
        assert pg.locator("#surface-select").is_visible() is False
        tabs = pg.locator("#section-tabs")
        assert tabs.is_visible()
        assert tabs.bounding_box()["y"] + tabs.bounding_box()["height"] == pytest.approx(size[1], abs=1)
        no_overflow(pg)
        shot(pg, f"small-{name}-{lang}")
        pg.click("#export-menu > summary")  # the export panel opens inside the screen
        no_overflow(pg)
        shot(pg, f"small-{name}-{lang}-export")
        pg.click("#export-menu > summary")
        shot(pg, f"small-{name}-{lang}-full", full_page=True)

        # the drawer opens from its button, by keyboard, and says so
        toggle = pg.locator("#tab-controls")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert toggle.get_attribute("aria-controls") == "controls"
        toggle.focus()
        pg.keyboard.press("Enter")
        pg.wait_for_function("document.body.classList.contains('drawer-open')")
        assert toggle.get_attribute("aria-expanded") == "true"
        pg.wait_for_timeout(600)  # the slide and the scroll to the plot
        assert pg.locator("#surface-select").is_visible()
        drawer = pg.locator("#controls").bounding_box()
        contour = pg.locator("#contour-plot").bounding_box()
        assert contour["y"] < drawer["y"] and drawer["y"] > size[1] * 0.3  # the plot stays above
        assert pg.evaluate("document.getElementById('controls').contains(document.activeElement)")
        no_overflow(pg)
        shot(pg, f"small-{name}-{lang}-drawer")
        # a control in the drawer works as on the desktop
        seq = int(pg.evaluate("Number(document.body.dataset.settledSeq || 0)"))
        pg.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=number]').fill("0.02")
        pg.keyboard.press("Enter")
        pg.wait_for_function(f"Number(document.body.dataset.settledSeq || 0) > {seq}")
        # Escape closes it and gives the focus back to its button
        pg.locator("#surface-select").focus()
        pg.keyboard.press("Escape")
        pg.wait_for_function("!document.body.classList.contains('drawer-open')")
        assert pg.evaluate("document.activeElement.id") == "tab-controls"
        assert pg.evaluate("document.getElementById('controls').inert")
        # Explain takes the reader to the teaching panel
        pg.click("#tab-explain")
        pg.wait_for_timeout(800)
        teach = pg.locator("#teach-card").bounding_box()
        bar = pg.locator(".transport").bounding_box()
        assert bar["y"] + bar["height"] <= teach["y"] + 1 and teach["y"] < size[1] / 2
        shot(pg, f"small-{name}-{lang}-explain")
        # the maps card fits the screen too
        show_maps(pg)
        no_overflow(pg)
        pg.locator(".maps-card").screenshot(path=str(shot_path(f"small-{name}-{lang}-maps")))
    finally:
        close_page(browser, pg)


def shot_path(name: str) -> Any:
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["desktop", "full-hd"])
def test_desktop_keeps_its_sidebar(browser, console, e2e_url, name, lang):
    size = SIZES[name]
    pg = small_page(browser, console, size, touch=False)
    try:
        open_app(pg, e2e_url + LINK + f"&p.lang={lang}")
        pg.wait_for_function("() => { const d = document.getElementById('hyper-plot');"
                             " return d && d.data && d.data[0].z[11] && d.data[0].z[11][15] !== undefined }")
        assert not pg.locator("#section-tabs").is_visible()
        controls = pg.locator("#controls").bounding_box()
        plots = pg.locator("#plots").bounding_box()
        assert controls["x"] + controls["width"] <= plots["x"] and controls["y"] < size[1] / 4
        assert pg.locator("#surface-select").is_visible()
        assert not pg.evaluate("document.getElementById('controls').inert")
        # a mouse gets the keyboard and click hints
        assert pg.locator(".keys.pointer-hint").is_visible()
        assert not pg.locator(".touch-hint").first.is_visible()
        no_overflow(pg)
        shot(pg, f"wide-{name}-{lang}")
        show_maps(pg)
        pg.locator(".maps-card").screenshot(path=str(shot_path(f"wide-{name}-{lang}-maps")))
    finally:
        close_page(browser, pg)


def test_touch_devices_get_touch_hints(browser, console, e2e_url):
    pg = small_page(browser, console, SIZES["phone"])
    try:
        open_app(pg, e2e_url + LINK)
        assert pg.evaluate("matchMedia('(hover: none), (pointer: coarse)').matches")
        assert pg.locator(".keys.touch-hint").is_visible()
        assert "Tap" in pg.locator(".keys.touch-hint").inner_text()
        assert not pg.locator(".keys.pointer-hint").is_visible()
        assert "Space" not in pg.locator(".transport").inner_text()
        pg.click("#tab-controls")
        pg.wait_for_timeout(400)
        assert pg.locator("#controls .touch-hint").first.is_visible()
        show_maps(pg)
        pg.locator("#maps").scroll_into_view_if_needed()  # a card out of sight is not rendered
        assert "tap" in pg.locator("#maps").inner_text().lower()
    finally:
        close_page(browser, pg)
