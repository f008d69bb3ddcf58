"""The teaching panel in real Chromium: the update rule as configured, the step scale on a log
axis, the step's factors in one number format, KaTeX under the server's CSP, nothing wider than
the panel at desktop, tablet and phone sizes (issue #11). Screenshots go to tests/artifacts/;
OPTVIZ_TEACH_SHOTS=all takes every optimizer x language x size (40 shots) instead of a subset."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest

from .conftest import ARTIFACTS, open_app

pytestmark = pytest.mark.e2e

ADAM = "/?surface=rosenbrock&r0=adam,lr=0.05&p.step=5"
RULE = """() => [...document.querySelectorAll('#teach .equations .math-display')]
    .map((e) => e.getAttribute('aria-label'))"""
CASES = {
    "adam": "/?surface=rosenbrock&r0=adam,lr=0.05&p.step=12",
    "amsgrad-wd": "/?surface=rosenbrock&r0=adam,lr=0.05,weight_decay=0.1,amsgrad=true&p.step=12",
    "nesterov": "/?surface=rosenbrock&r0=sgd,lr=0.001,momentum=0.9,nesterov=true&p.step=12",
    "radam": "/?surface=rosenbrock&r0=radam,lr=0.001&p.step=12",
    "lbfgs": "/?surface=rosenbrock&r0=lbfgs,lr=1,line_search_fn=strong_wolfe&p.step=3",
}
SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "820x1180": (820, 1180),
         "390x844": (390, 844)}
# Everything inside the teaching card: how far any element reaches past the card's box.
OVERFLOW = """() => {
    const card = document.querySelector('.teach-card');
    const box = card.getBoundingClientRect();
    const out = [];
    for (const el of card.querySelectorAll('*')) {
        // KaTeX's visually hidden MathML copy, and the paths of its stretchy SVG glyphs (drawn
        // wide, clipped by their svg box)
        if (el.closest('.katex-mathml') || el.ownerSVGElement) continue;
        const r = el.getBoundingClientRect();
        if (!r.width && !r.height) continue;
        const over = Math.max(r.right - box.right, box.left - r.left);
        if (over > 1) out.push(`${el.tagName}.${el.getAttribute('class')} by ${over.toFixed(1)}px`);
    }
    return { out: out.slice(0, 8), width: box.width, katex: card.querySelectorAll('.katex').length };
}"""


def rule(page: Any, url: str) -> str:
    open_app(page, url)
    page.wait_for_selector("#teach .equations .katex")
    return " | ".join(page.evaluate(RULE))


def test_adam_shows_the_amsgrad_line_only_when_amsgrad_is_on(page, e2e_url):
    plain = rule(page, e2e_url + ADAM)
    assert r"\hat v_t = \frac{v_t}{1-\beta_2^t}" in plain
    assert r"v^{\max}" not in plain
    ams = rule(page, e2e_url + ADAM.replace("lr=0.05", "lr=0.05,amsgrad=true"))
    assert r"v^{\max}_t = \max(v^{\max}_{t-1},\, v_t)" in ams
    assert r"\frac{v^{\max}_t}{1-\beta_2^t}" in ams
    # the step-scale block follows amsgrad too
    scale = page.evaluate("""() => [...document.querySelectorAll('#teach .step-scale .math-display')]
        .map((e) => e.getAttribute('aria-label')).join(' | ')""")
    assert r"\sqrt{v^{\max}_t}" in scale


def test_weight_decay_terms_appear_only_when_positive_coupled_or_decoupled(page, e2e_url):
    assert r"\lambda" not in rule(page, e2e_url + ADAM)
    coupled = rule(page, e2e_url + ADAM.replace("lr=0.05", "lr=0.05,weight_decay=0.1"))
    assert r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}" in coupled
    assert r"(1 - \eta\lambda)" not in coupled
    decoupled = rule(page, e2e_url + ADAM.replace(
        "lr=0.05", "lr=0.05,weight_decay=0.1,decoupled_weight_decay=true"))
    assert r"\theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \eta\lambda)" in decoupled
    assert r"g_t \leftarrow" not in decoupled
    sgd = rule(page, e2e_url + "/?r0=sgd,lr=0.001&p.step=3")
    assert r"\lambda" not in sgd and r"b_t" not in sgd and r"- \eta\, g_t" in sgd
    nesterov = rule(page, e2e_url + CASES["nesterov"])
    assert r"\eta\,(g_t + \mu\, b_t)" in nesterov and r"(1-\tau)" not in nesterov


def test_a_control_change_rebuilds_the_rule(page, e2e_url):
    assert r"v^{\max}" not in rule(page, e2e_url + ADAM)
    seq = page.evaluate("optviz.app.drawnSeq")
    page.evaluate("() => { optviz.app.config.runs[0].params.amsgrad = true; optviz.configChanged(); }")
    page.wait_for_function(f"optviz.app.drawnSeq > {seq}")
    page.wait_for_function(
        "[...document.querySelectorAll('#teach .equations .math-display')]"
        ".some((e) => e.getAttribute('aria-label').includes('v^{\\\\max}_t = \\\\max'))")


def test_step_scale_chart_has_a_log_axis_and_positive_values(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rastrigin&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9")
    page.wait_for_function("document.getElementById('state-plot').data.length > 0")
    got = page.evaluate(
        """() => {
            const view = optviz.app.views.state;
            const k = view.quantities.findIndex((q) => q.name === 'step_scale');
            const gd = document.getElementById('state-plot');
            const axis = k === 0 ? 'yaxis' : `yaxis${k + 1}`;
            const ref = k === 0 ? 'y' : `y${k + 1}`;
            const ys = gd.data.filter((t) => (t.yaxis || 'y') === ref).flatMap((t) => Array.from(t.y))
                .filter((v) => v !== null && !Number.isNaN(v));
            return { k, names: view.quantities.map((q) => q.name), type: gd.layout[axis].type,
                     min: Math.min(...ys), count: ys.length,
                     chips: [...document.querySelectorAll('#state-chips .chip-name')].map((e) => e.textContent) };
        }"""
    )
    assert got["k"] >= 0, got["names"]
    assert got["type"] == "log"
    assert got["count"] > 100 and got["min"] > 0
    assert "effective_lr" not in got["names"] and "effective_lr" not in got["chips"]
    assert "step_scale" in got["chips"]


def test_numbers_include_the_steps_factors_in_one_format(page, e2e_url):
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=adam,lr=0.05&p.step=7")
    page.wait_for_selector("#teach .numbers-table")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#teach .numbers-table tbody tr')].map((tr) => ({
            name: tr.dataset.name || '', sym: tr.querySelector('th .math').getAttribute('aria-label'),
            values: [...tr.querySelectorAll('td')].map((td) => td.textContent).filter(Boolean),
        }))"""
    )
    by_name = {r["name"]: r for r in rows if r["name"]}
    assert {"bias_correction1", "bias_correction2", "step_size", "step_scale", "lr"} <= set(by_name)
    assert "effective_lr" not in by_name
    assert by_name["bias_correction1"]["values"] == ["0.5217"]  # 1 - 0.9^7
    assert by_name["bias_correction2"]["values"] == ["0.006979"]  # 1 - 0.999^7
    assert by_name["lr"]["values"] == ["0.05"]
    values = [v for r in rows for v in r["values"]]
    assert not any(re.search(r"\d[eE][+-]?\d", v) for v in values), values
    assert any(" × 10⁻" in v for v in values)  # small numbers as 10^k
    for v in values:  # significant digits, a Unicode minus, x 10 to a superscript power
        assert re.fullmatch(r"−?\d+(\.\d+)?( × 10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?", v), v
    # the same format in the typeset update line and on the state chart's hover-free chips
    line = page.evaluate("document.querySelector('#teach .numbers .math-display').getAttribute('aria-label')")
    assert "e-" not in line and "e+" not in line
    # NAdam's mu_t and RAdam's rho_t are shown too
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=nadam&r1=radam&p.step=9")
    names = page.evaluate("""() => [...document.querySelectorAll('#teach tr[data-name]')]
        .map((tr) => tr.dataset.name)""")
    assert {"mu", "mu_next", "bias_correction2"} <= set(names)
    open_app(page, e2e_url + "/?surface=rosenbrock&r0=nadam&r1=radam&p.step=9&p.sel=1")
    names = page.evaluate("""() => [...document.querySelectorAll('#teach tr[data-name]')]
        .map((tr) => tr.dataset.name)""")
    assert {"rho_t", "rect", "step_scale"} <= set(names)


def test_katex_under_the_servers_csp_with_its_fonts(strict_page, e2e_url):
    page = strict_page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(e2e_url + CASES["amsgrad-wd"])
    deadline = time.monotonic() + 15  # (polled: wait_for_function would need eval, refused)
    while not page.evaluate("document.querySelectorAll('#teach .numbers-table .katex').length > 0"):
        assert time.monotonic() < deadline, "the teaching panel was not typeset under the CSP"
        time.sleep(0.1)
    got = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return { katex: document.querySelectorAll('#teach .katex').length,
                     errors: document.querySelectorAll('#teach .katex-error').length,
                     font: document.fonts.check('16px KaTeX_Main') && document.fonts.check('16px KaTeX_Math'),
                     loaded: [...document.fonts].filter((f) => f.family.startsWith('KaTeX') && f.status === 'loaded').length };
        }"""
    )
    assert got["katex"] > 20 and got["errors"] == 0
    assert got["loaded"] >= 2, got
    assert page.evaluate("window.__violations") == []
    assert failed == []


def _shots() -> list[tuple[str, str, str]]:
    every = [(c, lang, s) for c in CASES for lang in ("en", "zh") for s in SIZES]
    if os.environ.get("OPTVIZ_TEACH_SHOTS") == "all":
        return every
    return [(c, lang, s) for c, lang, s in every
            if (lang == "en" and s != "1920x1080") or (lang == "zh" and s == "390x844")]


def test_nothing_in_the_teaching_panel_is_wider_than_the_panel(page, e2e_url):
    """Each case opens once per language at its first size, then the window takes the other
    sizes (a tablet turned, a window resized): the panel fits as it opens and as it changes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    opened = None
    for case, lang, size in _shots():
        page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
        if opened != (case, lang):
            opened = (case, lang)
            open_app(page, f"{e2e_url}{CASES[case]}&p.lang={lang}")
            page.wait_for_selector("#teach .numbers-table .katex")
            page.evaluate("document.fonts.ready")
        # the panel's ResizeObserver refits its equations after the layout: two frames on
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.wait_for_timeout(50)
        got = page.evaluate(OVERFLOW)
        assert got["katex"] > 10, (case, lang, size)
        if got["out"]:
            problems.append(f"{case} {lang} {size}: {got['out']}")
        page.locator(".teach-card").screenshot(path=str(ARTIFACTS / f"teach-{case}-{lang}-{size}.png"))
    assert problems == []
