"""The learning-rate-free optimizers on the page: growth_rate's "no limit" and beta3's
"sqrt(beta2)" checkboxes (null in the catalog and the address), in both languages, and the lr
chart's series d x lr."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS, open_app, trajectory, wait_redraw

pytestmark = pytest.mark.e2e

PRODIGY = "/?surface=quadratic&steps=60&r0=prodigy"


def _null_box(page, name: str):
    return page.locator(f'.run-card[data-run="0"] .param[data-key="{name}"] label.auto')


@pytest.mark.parametrize("lang, limit, root", [("en", "no limit", "sqrt(beta2)"),
                                               ("zh", "不限", "sqrt(beta2)")])
def test_null_means_no_limit_and_round_trips_through_the_address(page, e2e_url, lang, limit,
                                                                  root):
    open_app(page, e2e_url + PRODIGY + ("&p.lang=zh" if lang == "zh" else ""))
    page.wait_for_function("document.body.dataset.busy === '0'")
    box, beta3 = _null_box(page, "growth_rate"), _null_box(page, "beta3")
    assert box.inner_text().strip() == limit and beta3.inner_text().strip() == root
    check = box.locator("input[type=checkbox]")
    assert check.is_checked() and "growth_rate" not in page.url
    seq = int(page.evaluate("Number(document.body.dataset.settledSeq || 0)"))
    check.uncheck()
    seq = wait_redraw(page, seq)
    page.wait_for_function("location.search.includes('growth_rate=')")
    check.check()
    wait_redraw(page, seq)
    page.wait_for_function("!location.search.includes('growth_rate')")
    run = trajectory(page)[0]
    assert run["status"] == "completed" and run["lr"][0] == 1e-6  # d0 x lr, then d x lr


LONGEST = {  # each optimizer with the flags that show its longest lines
    "prodigy": "r0=prodigy,growth_rate=1.02,use_bias_correction=true,weight_decay=0.01,"
               "decouple=false,safeguard_warmup=true",
    "dadapt_adam": "r0=dadapt_adam,growth_rate=1.02,use_bias_correction=true,weight_decay=0.01",
    "dadapt_sgd": "r0=dadapt_sgd,growth_rate=1.02,momentum=0.5,weight_decay=0.01",
    "dadapt_adagrad": "r0=dadapt_adagrad,growth_rate=1.02,momentum=0.5,weight_decay=0.01",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_their_rules_fit_the_teaching_panel_on_a_phone(page, e2e_url, lang):
    from .test_teach import OVERFLOW

    page.set_viewport_size({"width": 390, "height": 844})
    problems = []
    for name, run in LONGEST.items():
        open_app(page, f"{e2e_url}/?surface=quadratic&steps=30&{run}&p.step=12&p.lang={lang}")
        page.wait_for_selector("#teach .numbers-table .katex")
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(50)
        got = page.evaluate(OVERFLOW)
        assert got["katex"] > 10, name
        if got["out"]:
            problems.append(f"{name}: {got['out']}")
        page.locator(".teach-card").screenshot(path=str(ARTIFACTS / f"teach-{name}-{lang}.png"))
    assert problems == []
