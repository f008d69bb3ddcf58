"""The lecture-hall tools in a real browser: the first screen, lessons, presentation and embed
modes, and the share dialog (its link and its QR code)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import close_page, new_page, open_app, shot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lessons(e2e_url: str) -> list[dict[str, Any]]:
    return httpx.get(f"{e2e_url}/api/catalog", timeout=10).json()["lessons"]


def test_the_first_screen_races_several_optimizers(page: Any, e2e_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")  # no autoplay: the test reads a still screen
    open_app(page, e2e_url + "/")
    runs = page.evaluate("optviz.app.config.runs.map((r) => [r.optimizer, r.params.momentum || 0])")
    assert len(runs) >= 3 and len({tuple(r) for r in runs}) == len(runs)
    assert page.evaluate("optviz.app.page.sel") == 3  # the teaching panel explains Adam
    assert "adam" in page.locator("#teach").inner_text().lower()
    shot(page, "classroom-first-screen")


def test_the_first_screen_plays_once_on_load(browser: Any, console: Any, e2e_url: str) -> None:
    pg = new_page(browser, console, reduced_motion="no-preference")
    try:
        open_app(pg, e2e_url + "/")
        pg.wait_for_function("optviz.app.playing || optviz.app.step > 0")
    finally:
        close_page(browser, pg)


def test_the_gallery_lists_every_lesson_in_both_languages(
        page: Any, e2e_url: str, lessons: list[dict[str, Any]]) -> None:
    assert len(lessons) >= 16
    open_app(page, e2e_url + "/?r0=adam")
    page.click("#lessons-open")  # the lessons come from /api/lessons the first time
    page.wait_for_selector("#lessons-dialog .lesson-card")
    cards = page.locator("#lessons-dialog .lesson-card")
    assert cards.count() == len(lessons)
    assert lessons[0]["title"]["en"] in page.locator("#lessons-dialog").inner_text()
    shot(page, "classroom-lessons-en")
    page.keyboard.press("Escape")
    page.select_option("#lang", "zh")
    page.click("#lessons-open")
    assert lessons[0]["title"]["zh"] in page.locator("#lessons-dialog").inner_text()
    shot(page, "classroom-lessons-zh")


def test_every_lesson_opens_shows_its_text_and_streams(
        page: Any, e2e_url: str, lessons: list[dict[str, Any]]) -> None:
    open_app(page, e2e_url + "/?r0=adam")
    for lesson in lessons:
        for index, scene in enumerate(lesson["scenes"]):
            href = page.evaluate(
                "([lesson, i]) => import(document.querySelector('script[type=module]').src.replace(/main\\.js.*$/, 'classroom.js')).then((m) => m.sceneHref("
                "lesson, i))",
                [lesson, index])
            open_app(page, e2e_url + href)
            page.wait_for_function("optviz.app.dataset.runs.every((r) => r.status)")
            bar = page.locator("#lesson-bar").inner_text()
            assert lesson["title"]["en"] in bar and scene["do"]["en"] in bar
            assert page.evaluate("optviz.app.dataset.runs.length") >= 1
        page.select_option("#lang", "zh")
        assert lesson["title"]["zh"] in page.locator("#lesson-bar").inner_text()
        page.select_option("#lang", "en")


def test_next_scene_and_close(page: Any, e2e_url: str, lessons: list[dict[str, Any]]) -> None:
    lesson = next(item for item in lessons if len(item["scenes"]) > 1)
    open_app(page, e2e_url + f"/?{lesson['scenes'][0]['query']}&p.lesson={lesson['id']}")
    with page.expect_navigation():
        page.locator("#lesson-bar a", has_text="Next scene").click()
    page.wait_for_function("window.optviz && optviz.app.page.scene === 1")
    assert "batch_size=8" in page.url or lesson["scenes"][1]["query"].split("&")[0] in page.url
    page.locator("#lesson-bar button").click()
    assert page.locator("#lesson-bar").count() == 0
    page.wait_for_function("!location.search.includes('p.lesson')")
    assert "batch_size=8" in urlsplit(page.url).query  # the scene stays


def test_a_short_lesson_link_opens_the_lessons_scene(page: Any, e2e_url: str,
                                                    lessons: list[dict[str, Any]]) -> None:
    lesson = next(item for item in lessons if item["id"] == "learning-rate")
    open_app(page, e2e_url + "/?p.lesson=learning-rate&p.lang=zh")
    runs = page.evaluate("optviz.app.config.runs.map((r) => r.params.lr)")
    assert runs == [0.05, 1, 2, 2.5]  # the scene's four runs, not the default screen's
    assert page.evaluate("optviz.app.config.surface.name") == "quadratic"
    assert lesson["title"]["zh"] in page.locator("#lesson-bar").inner_text()
    assert "p.lesson=learning-rate" in page.url and "surface=quadratic" in page.url
    shot(page, "classroom-short-lesson-link-zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_presentation_mode_gives_the_contour_the_screen(
        browser: Any, console: Any, e2e_url: str, lang: str) -> None:
    pg = new_page(browser, console, viewport={"width": 1920, "height": 1080})
    try:
        open_app(pg, e2e_url + f"/?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9"
                               f"&p.present=1&p.step=150&p.lang={lang}")
        box = pg.locator("#contour-plot").bounding_box()
        assert box["width"] * box["height"] >= 0.45 * 1920 * 1080
        for sel in ("#controls", ".teach-card", ".state-card", ".maps-card", "#export-menu", "#lang"):
            assert not pg.locator(sel).is_visible(), sel
        assert pg.locator("#lr-plot").is_visible() and pg.locator("#loss-plot").is_visible()
        dims = pg.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        assert dims[0] <= 1920 and dims[1] <= 1080
        pg.keyboard.press("ArrowRight")  # playback keys still work
        assert pg.evaluate("optviz.app.step") == 151
        shot(pg, f"classroom-present-1920-{lang}")
        pg.keyboard.press("p")  # the key leaves presentation mode, and the address follows
        assert pg.locator("#controls").is_visible()
        pg.wait_for_function("!location.search.includes('p.present')")
    finally:
        close_page(browser, pg)


def test_presentation_key_and_button(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + "/?r0=adam")
    page.keyboard.press("p")
    page.wait_for_function("location.search.includes('p.present=1')")
    assert not page.locator("#controls").is_visible()
    page.click("#theme-toggle")  # the dark theme for screens, kept in the address
    page.wait_for_function("location.search.includes('p.theme=dark')")
    assert page.evaluate("document.body.dataset.theme") == "dark"
    page.click("#theme-toggle")
    page.wait_for_function("!location.search.includes('p.theme')")
    page.click("#present-toggle")
    assert page.locator("#controls").is_visible()


# Every visible text outside the charts, whose contrast with the first opaque background behind
# it is below WCAG's 4.5:1 for body text: [ratio, tag, class, text]. Disabled controls are
# exempt, as in WCAG.
LOW_CONTRAST = r"""() => {
  // Every visible piece of text outside the charts: its colour against the first opaque
  // background behind it (WCAG contrast ratio). Disabled controls are exempt, as in WCAG.
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (el.closest(".plot-wrap, .js-plotly-plot, script, style, [hidden], dialog:not([open]), option, .visually-hidden, .skip-link")) continue;
    if (el.closest(":disabled, [aria-disabled='true']") || el.closest("label")?.querySelector(":disabled")) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    const a = lum(fg), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push([ratio.toFixed(2), el.tagName, el.className, node.textContent.trim().slice(0, 40)]);
  }
  return worst;
}"""


@pytest.mark.parametrize(("theme", "lang"), [("light", "en"), ("dark", "zh"), ("dark", "en")])
def test_every_text_is_readable_in_both_themes(page: Any, e2e_url: str, theme: str,
                                               lang: str) -> None:
    # Beale: the longest surface formula; a diverged run: the alert and the legend's mark.
    open_app(page, e2e_url + "/?surface=beale&r0=nadam,lr=0.02&r1=radam,lr=0.05"
             f"&r2=lion,lr=0.005&p.step=90&p.theme={theme}&p.lang={lang}")
    page.wait_for_function("document.querySelector('#teach .numbers-table')")
    assert page.evaluate(LOW_CONTRAST) == []
    formula = page.locator("#surface-math .math-display")  # whole under the picker
    assert formula.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
    shot(page, f"classroom-theme-{theme}-{lang}")
    page.click("#lessons-open")
    page.wait_for_selector("#lessons-dialog .lesson-card")
    assert page.evaluate(LOW_CONTRAST) == []


def test_embed_mode_has_no_scrollbars_at_800x450(browser: Any, console: Any, e2e_url: str) -> None:
    pg = new_page(browser, console, viewport={"width": 800, "height": 450})
    try:
        open_app(pg, e2e_url + "/?surface=himmelblau&r0=adam,lr=0.1&r1=sgd,lr=0.01&p.embed=1")
        dims = pg.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                           " innerWidth, innerHeight]")
        assert dims[0] <= dims[2] and dims[1] <= dims[3], dims
        assert pg.locator("#play-toggle").is_visible() and pg.locator("#contour-plot").is_visible()
        # nothing of the full page's small-screen chrome covers the frame, and the charts use its width
        assert not pg.locator("#section-tabs").is_visible()
        right = pg.evaluate("document.getElementById('lr-plot').getBoundingClientRect().right")
        assert right >= 0.95 * 800, right
        full = pg.locator("#embed-full")
        assert full.is_visible() and "p.embed" not in full.get_attribute("href")
        assert not pg.locator("#controls").is_visible()
        shot(pg, "classroom-embed-800x450")
    finally:
        close_page(browser, pg)


def test_share_dialog_link_hides_controls_and_its_qr_decodes_to_it(
        page: Any, browser: Any, console: Any, e2e_url: str) -> None:
    import zxingcpp
    from PIL import Image

    open_app(page, e2e_url + "/?surface=himmelblau&r0=adam,lr=0.1&noise=0.1")
    page.click("#copy-link")
    page.check("#share-dialog input[value=noise]")
    page.check("#share-dialog input[value=seed]")
    link = page.input_value("#share-link")
    assert "p.hide=noise%2Cseed" in link or "p.hide=noise,seed" in link
    page.wait_for_function("document.getElementById('share-qr').complete")
    shot(page, "classroom-share")
    png = page.locator("#share-qr").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert [d.text for d in decoded] == [link]

    other = new_page(browser, console)
    try:
        open_app(other, link)
        for key in ("noise", "seed"):
            assert not other.locator(f"[data-key={key}]").first.is_visible()
        assert other.locator("[data-key=steps]").first.is_visible()
    finally:
        close_page(browser, other)


def test_the_data_view_follows_the_step_cursor(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + "/?surface=linear_regression&steps=200&batch_size=8"
                             "&r0=sgd,lr=0.1&r1=adam,lr=0.05&p.step=5")
    page.wait_for_function("document.getElementById('data-plot').dataset.step === '5'")
    assert page.locator("#data-card").is_visible()

    def model() -> Any:
        return page.evaluate("""() => {
            const gd = document.getElementById('data-plot');
            return { batch: gd.dataset.batch,
                     lines: gd.data.filter((t) => t.mode === 'lines').map((t) => [t.name, t.y]) };
        }""")

    before = model()
    assert len(before["lines"]) == 2 and all("·" in name for name, _ in before["lines"])
    assert len(before["batch"].split(",")) == 8
    # the drawn model is the run's position: y = w x + b at (w, b) = the point at step 5
    w, b = page.evaluate("optviz.app.dataset.point(0, 5)")
    xs = page.evaluate("document.getElementById('data-plot').data[2].x")
    assert abs(before["lines"][0][1][0] - (w * xs[0] + b)) < 1e-9
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('data-plot').dataset.step === '6'")
    after = model()
    assert after["batch"] != before["batch"] and after["lines"] != before["lines"]
    shot(page, "classroom-data-view")


def test_no_data_view_on_plain_surfaces(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam")
    assert not page.locator("#data-card").is_visible()


def _export_animation(page: Any, kind: str) -> bytes:
    if not page.evaluate("document.getElementById('export-menu').open"):
        page.click("#export-menu > summary")
    page.fill("#anim-from", "0")
    page.fill("#anim-to", "20")
    page.select_option("#anim-every", "2")
    page.select_option("#anim-fps", "10")
    with page.expect_download(timeout=60_000) as info:
        page.click(f"#export-{kind}")
    path = info.value.path()
    assert info.value.suggested_filename == f"optimizer-trajectories-0-20.{kind}"
    return open(path, "rb").read()


def test_animation_exports_decode_with_the_right_frame_count(page: Any, e2e_url: str) -> None:
    from PIL import Image

    open_app(page, e2e_url + "/?surface=rosenbrock&steps=60&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9")
    gif = Image.open(io.BytesIO(_export_animation(page, "gif")))
    assert gif.format == "GIF" and gif.n_frames == 11  # steps 0, 2, ..., 20
    gif.seek(10)
    gif.convert("RGB").save(shot(page, "classroom-anim-page"))  # the last frame, to look at
    assert gif.info["duration"] == 100
    assert "11" in page.locator("#anim-status").inner_text()

    webm = _export_animation(page, "webm")
    assert webm[:4] == b"\x1a\x45\xdf\xa3"  # EBML
    decoded = page.evaluate(
        r"""async (bytes) => {
            // the page's own (versioned) copy: one module instance, as the page uses it
            const base = document.querySelector('script[type=module]').src.replace(/js\/main\.js.*$/, '');
            const mb = await import(base + 'vendor/mediabunny/mediabunny.min.js');
            const input = new mb.Input({ formats: mb.ALL_FORMATS,
                                         source: new mb.BufferSource(new Uint8Array(bytes).buffer) });
            const track = await input.getPrimaryVideoTrack();
            let n = 0;
            for await (const sample of new mb.VideoSampleSink(track).samples()) { n += 1; sample.close(); }
            return { n, width: track.displayWidth, height: track.displayHeight };
        }""", list(webm))
    assert decoded["n"] == 11 and decoded["height"] == 540 + 36
    assert page.evaluate("optviz.app.step") == 0  # the cursor is back where it was
