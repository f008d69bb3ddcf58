"""Chinese mode for the catalog's text: surfaces, parameter help, state quantities, presets,
settings, run colours and the common quantities come from /api/catalog's i18n.zh."""

from __future__ import annotations

import re

import pytest

from .conftest import open_app

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_LINK = "/?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9&p.step=5&p.lang=zh"


def chinese(text: str | None) -> bool:
    return bool(text and CJK.search(text))


def test_chinese_link_shows_catalog_text_in_chinese(page, e2e_url):
    open_app(page, e2e_url + ZH_LINK)
    page.wait_for_function("document.querySelectorAll('#state-chips .chip').length > 0")
    texts = page.evaluate(
        """() => {
            const lr = document.querySelector('.run-card .param[data-key="lr"]');
            const steps = document.querySelector('#training .param[data-key="steps"]');
            const chip = document.querySelector('#state-chips .chip');
            const preset = document.querySelector('option[value="sgd:momentum"]');
            return {
                surfaceLabel: document.querySelector('#surface-select').selectedOptions[0].textContent,
                surface: document.getElementById('surface-description').textContent,
                lrTitle: lr.title,
                lrHelp: lr.querySelector('.help').textContent,
                stepsHelp: steps.querySelector('.help').textContent,
                chip: chip.title,
                preset: preset.textContent,
                presetTitle: preset.title,
                teach: [...document.querySelectorAll('#teach th[title]')].map((th) => th.title).join(' | '),
            };
        }"""
    )
    for key, text in texts.items():
        assert chinese(text), f"{key} is not Chinese: {text!r}"
    assert texts["lrHelp"] == "学习率"
    assert texts["lrTitle"].startswith("学习率 (数值，范围 ")  # the range too
    assert "一阶矩：梯度的滑动平均" in texts["teach"]  # adam's m in the numbers table of step 5

    page.select_option("#lang", "en")
    assert page.locator("#surface-description").text_content().startswith("A curved, narrow")
    lr = page.locator('.run-card .param[data-key="lr"] .help').first
    assert lr.text_content() == "learning rate"


def test_page_keeps_no_text_of_its_own_for_catalog_names(page, e2e_url):
    """Run colours, the teaching table's common quantities and the step scale come from the
    catalog in both languages (tests/test_catalog_i18n.py checks every entry has its Chinese);
    the page loads no translation table of its own."""
    open_app(page, e2e_url + ZH_LINK)
    page.wait_for_function("document.querySelectorAll('#teach th[title]').length > 0")
    texts = page.evaluate(
        """() => ({
            colours: [...document.querySelector('.run-card .color-select').options].map((o) => o.textContent),
            stepScale: document.querySelector('#teach .step-scale h4').textContent,
            rows: [...document.querySelectorAll('#teach th[title]')].map((th) => th.title),
            modules: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js')),
        })"""
    )
    assert texts["colours"][:2] == ["橙色", "蓝色"] and len(texts["colours"]) == 8
    assert texts["stepScale"] == "步长尺度"
    for help_text in ("更新前的 θ", "梯度", "本步学习率", "实际更新量", "更新后的损失"):
        assert help_text in texts["rows"], texts["rows"]
    assert not [m for m in texts["modules"] if "catalog_zh" in m]

    page.select_option("#lang", "en")
    page.wait_for_function("document.querySelector('#teach .step-scale h4').textContent === 'Step scale'")
    colours = page.evaluate("[...document.querySelector('.run-card .color-select').options].map((o) => o.textContent)")
    assert colours[:3] == ["orange", "blue", "bluish green"]


def test_an_english_page_switched_to_chinese_gets_the_translations(page, e2e_url):
    """A page opened in English asks for the catalog's English texts only (16 kB less on a first
    load); switched to Chinese, it asks for the translations and every catalog text follows."""
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/catalog" in r.url else None)
    open_app(page, e2e_url + ZH_LINK.replace("&p.lang=zh", ""))
    assert asked and all("texts=en" in u for u in asked), asked
    assert page.evaluate("JSON.stringify(optviz.app.catalog).includes('i18n')") is False
    page.select_option("#lang", "zh")
    page.wait_for_function("/[\\u4e00-\\u9fff]/.test(document.getElementById('surface-description').textContent)")
    lr = page.locator('.run-card .param[data-key="lr"] .help').first
    assert lr.text_content() == "学习率"
    assert any("texts=en" not in u for u in asked), asked
    teach = page.evaluate("[...document.querySelectorAll('#teach th[title]')].map((th) => th.title).join(' | ')")
    assert "一阶矩：梯度的滑动平均" in teach
    page.select_option("#lang", "en")
    assert page.locator("#surface-description").text_content().startswith("A curved, narrow")
    assert lr.text_content() == "learning rate"
