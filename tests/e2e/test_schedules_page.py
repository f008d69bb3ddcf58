"""The warm-up schedules on the page: the lr chart draws their shape, the schedule editor offers
them, and their teaching text and formula show in English and in Chinese."""

from __future__ import annotations

import re

import pytest

from .conftest import open_app, trajectory

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")
LINK = ("/?surface=rosenbrock&steps=300&r0=adam,lr=0.02"
        "&r0.schedule=WarmupStableDecay,num_warmup_steps=30,num_decay_steps=60,min_lr_ratio=0.1"
        "&r1=adam,lr=0.02&r1.schedule=InverseSqrtLR,num_warmup_steps=20")


def test_wsd_shape_and_text_in_both_languages(page, e2e_url):
    open_app(page, e2e_url + LINK + "&p.lang=zh")
    wsd, inv = trajectory(page)[:2]
    lr = wsd["lr"]  # lr[t - 1]: the lr of step t, the scheduler's after t - 1 steps
    assert lr[0] == pytest.approx(0.002) and all(lr[t] < lr[t + 1] for t in range(30))
    assert set(lr[30:240]) == {0.02}
    assert lr[-1] < 0.0021 and all(lr[t] >= lr[t + 1] for t in range(240, 299))
    assert inv["lr"][20] == 0.02 and inv["lr"][-1] < 0.006
    texts = page.evaluate(
        """() => {
            const box = document.querySelector('.run-card .schedule');
            const sel = box.querySelector('select');
            const teach = document.querySelector('.teach-schedule');
            return {
                options: [...sel.options].map((o) => o.value),
                label: sel.selectedOptions[0].textContent,
                help: box.querySelector('.param[data-key="num_warmup_steps"] .help').textContent,
                teach: teach ? teach.textContent : '',
                formula: !!(teach && teach.querySelector('.katex')),
            };
        }"""
    )
    for name in ("LinearWithWarmupLR", "CosineWithWarmupLR", "PolynomialWithWarmupLR",
                 "InverseSqrtLR", "WarmupStableDecay"):
        assert name in texts["options"]
    assert texts["label"] == "预热-稳定-衰减（WSD）"
    assert CJK.search(texts["help"]) and "平台" in texts["teach"] and texts["formula"]
    page.select_option("#lang", "en")
    teach = page.locator(".teach-schedule").first.text_content()
    assert "Warmup-stable-decay (WSD)" in teach and "long plateau" in teach
