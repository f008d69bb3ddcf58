"""The page in real headless Chromium against a real uvicorn (issue #4)."""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from .conftest import (
    canvas_ink,
    close_page,
    drawn_seq,
    new_page,
    open_app,
    shot,
    trajectory,
    wait_redraw,
)

pytestmark = pytest.mark.e2e

TWO_RUNS = (
    "/?surface=rosenbrock&r0=adam,lr=0.05"
    "&r1=sgd,lr=0.001,momentum=0.9&r1.schedule=CosineAnnealingLR"
)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_page_loads_and_draws_every_view(page, e2e_url):
    open_app(page, e2e_url + TWO_RUNS)
    info = page.evaluate(
        """() => ({
            contour: document.getElementById('contour-plot').data.map((t) => t.type),
            lr: document.getElementById('lr-plot').data.length,
            loss: document.getElementById('loss-plot').data.length,
            state: document.getElementById('state-plot').data.length,
            chips: document.querySelectorAll('#state-chips .chip').length,
            equations: document.querySelectorAll('#teach .equations .katex').length,
            cards: document.querySelectorAll('.run-card').length,
            plotly: [...document.scripts].map((s) => s.src).filter((s) => s.includes('plotly')),
        })"""
    )
    assert info["contour"][0] == "contour"
    assert info["lr"] == 2 and info["loss"] == 2
    assert info["state"] >= 4  # adam's m, v, m-hat, v-hat, ... per coordinate
    assert info["chips"] >= 4
    assert info["equations"] >= 3
    assert info["cards"] == 2
    assert all(src.startswith(e2e_url) for src in info["plotly"])  # local, never a CDN
    assert canvas_ink(page, "#contour-paths") > 200  # the two paths
    assert canvas_ink(page, "#contour-cursor") > 20  # start and current points
    data = trajectory(page)
    assert [r["n"] for r in data] == [300, 300]
    shot(page, "01-loaded")
    shot(page, "01-loaded-full", full_page=True)


def test_slider_redraws_path_updates_url_and_link_reproduces(page, browser, console, e2e_url):
    open_app(page, e2e_url + TWO_RUNS + "&noise=0.5&seed=7&p.step=40")
    before = trajectory(page)
    seq = drawn_seq(page)
    slider = page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=range]')
    slider.focus()
    for _ in range(40):
        page.keyboard.press("ArrowLeft")
    seq = wait_redraw(page, seq)
    after = trajectory(page)
    lr = page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=number]')
    value = float(lr.input_value())
    assert value < 0.05
    assert after[0]["x"] != before[0]["x"]  # the path was redrawn
    assert after[1]["x"] == before[1]["x"]  # the other run did not change
    page.wait_for_function("location.search.includes('p.step=40')")
    q = query_of(page.url)
    assert q["r0"].startswith("adam") and f"lr={value!r}".replace("lr=", "") in q["r0"] or \
        re.search(r"lr=([0-9.e-]+)", q["r0"]) and math.isclose(
            float(re.search(r"lr=([0-9.e-]+)", q["r0"]).group(1)), value)
    assert q["seed"] == "7" and q["noise"] == "0.5" and q["p.step"] == "40"
    shot(page, "02-after-slider")

    other = new_page(browser, console)
    try:
        open_app(other, page.url)
        assert trajectory(other) == after  # same runs, seed included, bit for bit
        assert other.evaluate("optviz.app.step") == 40
        assert other.locator("#scrubber").input_value() == "40"
        assert other.url == page.url
    finally:
        close_page(browser, other)


def test_slider_drag_cancels_stale_answers(page, e2e_url):
    open_app(page, e2e_url + TWO_RUNS + "&steps=2000")
    slider = page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=range]')
    seq = drawn_seq(page)
    # Many quick moves: only the last value's answer may be left on screen.
    for pos in range(300, 700, 20):
        slider.fill(str(pos))
    final = float(page.locator('.run-card[data-run="0"] .param[data-key="lr"] input[type=number]').input_value())
    wait_redraw(page, seq)
    page.wait_for_function("document.body.dataset.busy === '0'")
    drawn_lr = page.evaluate("optviz.app.dataset.config.runs[0].params.lr")
    assert math.isclose(drawn_lr, final)
    assert page.evaluate("optviz.app.dataset.seq === optviz.app.seq")


def test_click_on_contour_sets_start(page, e2e_url):
    open_app(page, e2e_url + "/?surface=himmelblau&r0=adam,lr=0.1")
    box = page.evaluate(
        """() => {
            const gd = document.getElementById('contour-plot');
            const r = gd.getBoundingClientRect();
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            return {left: r.left, top: r.top, xo: xa._offset, xl: xa._length, xr: xa.range,
                    yo: ya._offset, yl: ya._length, yr: ya.range};
        }"""
    )
    fx, fy = 0.25, 0.3  # a quarter from the left, 30 % from the top
    px = box["left"] + box["xo"] + fx * box["xl"]
    py = box["top"] + box["yo"] + fy * box["yl"]
    want_x = box["xr"][0] + fx * (box["xr"][1] - box["xr"][0])
    want_y = box["yr"][1] - fy * (box["yr"][1] - box["yr"][0])
    seq = drawn_seq(page)
    page.mouse.click(px, py)
    wait_redraw(page, seq)
    start = page.evaluate("optviz.app.dataset.start")
    assert math.isclose(start[0], want_x, abs_tol=0.02)
    assert math.isclose(start[1], want_y, abs_tol=0.02)
    q = query_of(page.url)
    sx, sy = (float(v) for v in q["start"].split(","))
    assert (sx, sy) == (start[0], start[1])
    assert float(page.locator("#start-x").input_value()) == start[0]
    shot(page, "03-start-clicked")


def cursor_everywhere(page) -> dict:
    return page.evaluate(
        """() => ({
            app: optviz.app.step,
            contour: optviz.app.views.contour.step,
            lr: optviz.app.views.lr.step,
            loss: optviz.app.views.loss.step,
            state: optviz.app.views.state.step,
            scrubber: Number(document.getElementById('scrubber').value),
            readout: document.getElementById('step-readout').textContent,
            teach: document.querySelector('#teach .numbers h4').textContent,
        })"""
    )


def assert_cursor(page, step: int) -> None:
    c = cursor_everywhere(page)
    assert c["app"] == c["contour"] == c["lr"] == c["loss"] == c["state"] == c["scrubber"] == step
    assert str(step) in c["readout"] and str(step) in c["teach"]


def test_playback_step_and_scrubber_move_cursor_in_every_view(page, e2e_url):
    open_app(page, e2e_url + TWO_RUNS + "&p.speed=120")
    assert_cursor(page, 0)
    ink0 = canvas_ink(page, "#lr-cursor")
    page.click("#play-toggle")
    page.wait_for_function("optviz.app.step >= 30")
    page.click("#play-toggle")
    page.wait_for_timeout(150)
    step = page.evaluate("optviz.app.step")
    assert 30 <= step < 300 and not page.evaluate("optviz.app.playing")
    page.wait_for_timeout(250)  # the teaching panel follows at 10 Hz
    assert_cursor(page, step)
    assert canvas_ink(page, "#lr-cursor") > ink0  # dots on the curves once step >= 1
    assert canvas_ink(page, "#contour-trail") > 50  # the walked part of the paths
    shot(page, "04-paused")

    page.click("#play-forward")
    assert_cursor(page, step + 1)
    page.click("#play-back")
    page.click("#play-back")
    assert_cursor(page, step - 1)

    page.locator("#scrubber").fill("200")
    assert_cursor(page, 200)
    page.click("#play-reset")
    assert_cursor(page, 0)

    # Keyboard: arrows step, shift+arrow ten, space plays and pauses (focus outside inputs).
    page.locator("#plots").focus()
    page.keyboard.press("ArrowRight")
    assert_cursor(page, 1)
    page.keyboard.press("Shift+ArrowRight")
    assert_cursor(page, 11)
    page.keyboard.press("ArrowLeft")
    assert_cursor(page, 10)
    page.keyboard.press("Space")
    page.wait_for_function("optviz.app.step >= 20")
    page.keyboard.press("Space")
    assert not page.evaluate("optviz.app.playing")

    # Hovering a line chart only shows numbers; a click there moves the cursor.
    box = page.evaluate(
        """() => { const gd = document.getElementById('loss-plot'); const r = gd.getBoundingClientRect();
                   const xa = gd._fullLayout.xaxis, s = gd._fullLayout._size;
                   return {x: r.left + xa._offset + xa._length * 0.5, y: r.top + s.t + s.h / 2}; }"""
    )
    before = page.evaluate("optviz.app.step")
    page.mouse.move(box["x"], box["y"])
    page.wait_for_timeout(200)
    assert page.evaluate("optviz.app.step") == before
    page.mouse.click(box["x"], box["y"])
    page.wait_for_function("Math.abs(optviz.app.step - 150) <= 2")
    page.wait_for_timeout(50)
    assert_cursor(page, page.evaluate("optviz.app.step"))
    page.wait_for_function("location.search.includes('p.step=')")


def test_formula_box_shows_error_then_draws_good_formula(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=0.05")  # one Adam run (the first screen races four)
    page.select_option("#surface-select", "__expression")
    seq = drawn_seq(page)
    formula = page.locator("#formula")
    formula.fill("x**2 + (3*y")
    page.wait_for_function("document.getElementById('formula-error').textContent.length > 0")
    error = page.locator("#formula-error")
    assert error.is_visible()
    shot(page, "05-formula-error")
    formula.fill("x**2 + 3*y**2 + sin(2*x)")
    wait_redraw(page, seq)
    page.wait_for_function("document.getElementById('formula-error').textContent === ''")
    assert "expr=" in page.url
    page.wait_for_function(
        "optviz.app.surface && optviz.app.surface.expression === 'x**2 + 3*y**2 + sin(2*x)'"
    )
    assert page.locator("#surface-math math").count() == 1
    shot(page, "05-formula-good")


def test_language_switch_kept_in_url(page, browser, console, e2e_url):
    open_app(page, e2e_url + TWO_RUNS)
    page.select_option("#lang", "zh")
    assert page.locator("h1").text_content() == "优化器轨迹"
    assert page.locator("#play-toggle").get_attribute("aria-label") == "播放"
    page.wait_for_function("location.search.includes('p.lang=zh')")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    shot(page, "06-chinese")
    other = new_page(browser, console)
    try:
        open_app(other, page.url)
        assert other.locator("h1").text_content() == "优化器轨迹"
        assert other.locator("#lang").input_value() == "zh"
    finally:
        close_page(browser, other)
    page.select_option("#lang", "en")
    assert page.locator("h1").text_content() == "Optimizer trajectories"
    page.wait_for_function("!location.search.includes('p.lang')")


XSS = '"><img src=x id=xss onerror="window.__xss=1"><script>window.__xss=1</script>'
PARAMS = [
    "surface", "expr", "view", "start", "steps", "noise", "seed", "batch_size", "r0", "r0.inner",
    "r0.schedule", "r0.label", "r1", "p.step", "p.lang", "p.view", "p.hide", "p.sel", "p.log",
    "p.speed", "p.colors", "p.off", "p.qoff", "p.<b>x</b>", "<svg onload=alert(1)>",
]


def test_xss_in_every_url_parameter_stays_inert(page, e2e_url):
    from urllib.parse import quote

    query = "&".join(f"{quote(k, safe='.')}={quote(XSS, safe='')}" for k in PARAMS)
    open_app(page, f"{e2e_url}/?{query}")
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img, #xss, svg[onload]').length") == 0
    assert page.evaluate(
        "[...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length"
    ) == 0
    assert page.evaluate("[...document.scripts].every((s) => s.src && !s.textContent.trim())")
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert page.locator("#notice-list li").count() >= 5
    # The payload shows as text in the notice, never as markup.
    assert page.locator("#notice-list img").count() == 0
    shot(page, "07-xss-notice")
    # Raw (unescaped) markup in the address too.
    open_app(page, f"{e2e_url}/?r0.label=<script>window.__xss=1</script>&p.lang=<img src=x onerror=window.__xss=1>")
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_invalid_values_fall_back_with_notice(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=-5,beta1=2&steps=99999999&p.step=abc")
    items = page.locator("#notice-list li").all_text_contents()
    text = " ".join(items)
    assert "lr" in text and "beta1" in text and "steps" in text and "p.step" in text
    cfg = page.evaluate("optviz.app.dataset.config")
    assert cfg["steps"] == 300
    assert cfg["runs"][0]["params"]["beta1"] == 0.9
    assert "steps=" not in page.url and "lr=-5" not in page.url
    shot(page, "08-invalid-notice")


def test_classroom_link_hides_controls(page, e2e_url):
    open_app(page, e2e_url + TWO_RUNS + "&p.hide=noise,seed,runs,beta2,eps,schedule")
    for key in ("noise", "seed", "beta2", "eps", "schedule"):
        assert page.locator(f'[data-key="{key}"]:visible').count() == 0, key
    assert not page.locator("#add-run").is_visible()
    assert page.locator('[data-key="lr"]:visible').count() >= 2
    assert page.locator('[data-key="steps"]:visible').count() == 1
    shot(page, "09-classroom")


def test_add_duplicate_hide_remove_runs(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=0.05")  # one Adam run (the first screen races four)
    seq = drawn_seq(page)
    page.click("#add-run")
    seq = wait_redraw(page, seq)
    assert page.locator(".run-card").count() == 2
    page.locator('.run-card[data-run="1"] button', has_text="Duplicate").click()
    seq = wait_redraw(page, seq)
    assert page.locator(".run-card").count() == 3
    data = trajectory(page)
    assert data[1]["x"] == data[2]["x"]
    # Choose a preset from the catalog on run 3.
    page.select_option("#run-2-optimizer", "sgd:nesterov")
    seq = wait_redraw(page, seq)
    # Only run 2 was computed; the address follows from the whole config's canonical query.
    page.wait_for_function("location.search.includes('nesterov=true')")
    assert "r2=sgd" in page.url
    page.locator("#run-1-show").uncheck()
    page.wait_for_function("location.search.includes('p.off=1')")
    assert page.evaluate("document.getElementById('lr-plot').data.length") == 2
    page.locator('.run-card[data-run="0"] button', has_text="Remove").click()
    wait_redraw(page, seq)
    assert page.locator(".run-card").count() == 2
    page.wait_for_function("location.search.includes('p.off=0')")  # still the same run hidden
    shot(page, "10-runs")


def test_3d_view_and_tablet_width(page, browser, console, e2e_url):
    open_app(page, e2e_url + TWO_RUNS + "&p.step=100")
    page.click("#mode-3d")
    page.wait_for_function(
        "document.getElementById('surface3d-plot').data && document.getElementById('surface3d-plot').data[0].type === 'surface'"
    )
    assert "p.view=3d" in page.url or page.wait_for_function("location.search.includes('p.view=3d')")
    shot(page, "11-3d")
    page.click("#mode-2d")
    tablet = new_page(browser, console, viewport={"width": 820, "height": 1180})
    try:
        open_app(tablet, page.url)
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 820  # no horizontal scrolling at tablet width
        shot(tablet, "12-tablet", full_page=True)
    finally:
        close_page(browser, tablet)


def test_every_control_is_labelled(page, e2e_url):
    open_app(page, e2e_url + TWO_RUNS)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')].filter((el) => {
            if (el.closest('[hidden]') || el.closest('.js-plotly-plot')) return false;
            if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
            if (el.tagName === 'BUTTON') return !el.textContent.trim();
            return !(el.labels && el.labels.length);
        }).map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


def test_works_under_the_servers_content_security_policy(strict_page, e2e_url):
    """The server's own CSP (no inline script, no eval, nothing from another origin) holds."""
    import time

    page = strict_page
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(e2e_url + TWO_RUNS + "&p.step=50")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    deadline = time.monotonic() + 15
    while not page.evaluate("Number(document.body.dataset.settledSeq || 0) > 0"):
        assert time.monotonic() < deadline, "the page did not draw under the CSP"
        time.sleep(0.1)
    page.click("#play-forward")
    page.click("#mode-3d")
    time.sleep(1.0)
    page.click("#mode-2d")
    assert page.evaluate("window.__violations") == []
    assert page.evaluate("optviz.app.step") == 51


def test_every_catalog_formula_typesets_with_katex(page, e2e_url):
    """Every LaTeX string of the catalog (equations, their conditional lines, step scales,
    symbols, schedules, surfaces) typesets with the vendored KaTeX without an error."""
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=0.05")
    result = page.evaluate(
        """async () => {
            const main = [...document.scripts].find((s) => s.src.endsWith('/main.js')).src;
            const { renderMath } = await import(new URL('math.js', main).href);
            const c = optviz.app.catalog;
            const all = [];
            for (const o of c.optimizers) {
                all.push(...o.equations, ...o.update_rule.map((l) => l.latex),
                         ...o.step_scale.map((l) => l.latex), ...o.factors.map((f) => f.symbol),
                         ...o.state.map((s) => s.symbol), ...o.params.map((p) => p.symbol));
            }
            for (const s of c.schedules) all.push(s.latex, ...s.params.map((p) => p.symbol));
            for (const s of c.surfaces) all.push(s.latex);
            const bad = [];
            for (const src of all.filter(Boolean)) {
                const m = renderMath(src, { display: true });
                if (m.querySelector('.katex-error') || !m.querySelector('.katex-html')) bad.push(src);
            }
            return { count: all.length, bad, katex: globalThis.katex && globalThis.katex.version };
        }"""
    )
    assert result["katex"].startswith("0.16.")
    assert result["count"] > 100
    assert result["bad"] == []
