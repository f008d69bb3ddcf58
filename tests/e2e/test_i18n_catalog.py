"""Chinese mode for the catalog's text: surfaces, parameter help, state quantities, presets and
settings come from static/js/catalog_zh.js, and every name in the catalog has an entry there."""

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


def test_every_catalog_name_has_chinese_text(page, e2e_url):
    """A new optimizer, schedule, surface, parameter, state quantity, preset or setting without
    an entry in static/js/catalog_zh.js fails here, naming what is missing."""
    open_app(page, e2e_url + "/?r0=adam")
    report = page.evaluate(
        """async () => {
            const main = [...document.scripts].find((s) => s.src.endsWith('/main.js')).src;
            const { CATALOG_ZH: ZH } = await import(new URL('catalog_zh.js', main).href);
            const cat = optviz.app.catalog;
            // Text the catalog carries itself (before the page merged catalog_zh.js into it).
            const raw = await (await fetch('/api/catalog')).json();
            const ownZh = new Set();
            for (const kind of ['optimizers', 'schedules', 'surfaces']) {
                for (const item of raw[kind]) {
                    for (const p of item.params || []) {
                        if (p.i18n && p.i18n.zh && p.i18n.zh.help) ownZh.add(`${kind}.${item.name}.${p.name}`);
                    }
                }
            }
            const zh = (item, field) => item.i18n && item.i18n.zh && item.i18n.zh[field];
            const missing = [];
            const clashes = [];
            const stale = [];
            const need = { optimizers: ['description'], schedules: ['label', 'description'],
                           surfaces: ['label', 'description'] };
            const shared = {};  // param name -> {English help: [entries]} without own text
            for (const [kind, fields] of Object.entries(need)) {
                for (const item of cat[kind]) {
                    const where = `${kind}.${item.name}`;
                    const own = (ZH[kind] || {})[item.name] || {};
                    for (const f of fields) if (item[f] && !zh(item, f)) missing.push(`${where}.${f}`);
                    for (const p of item.params || []) {
                        if (p.help && typeof zh(p, 'help') !== 'string') missing.push(`${where}.params.${p.name}`);
                        if (!(own.params && p.name in own.params) && !ownZh.has(`${where}.${p.name}`)) {
                            const uses = (shared[p.name] = shared[p.name] || {});
                            (uses[p.help] = uses[p.help] || []).push(where);
                        }
                    }
                    for (const s of item.state || []) {
                        if (s.help && typeof zh(s, 'help') !== 'string') missing.push(`${where}.state.${s.name}`);
                    }
                    for (const f of item.factors || []) {
                        if (f.help && typeof zh(f, 'help') !== 'string') missing.push(`${where}.factors.${f.name}`);
                    }
                    for (const p of item.presets || []) {
                        if (p.label && typeof zh(p, 'label') !== 'string') missing.push(`${where}.presets.${p.name}.label`);
                        if (p.help && typeof zh(p, 'help') !== 'string') missing.push(`${where}.presets.${p.name}.help`);
                    }
                    for (const [table, list] of [['params', item.params], ['state', item.state], ['presets', item.presets], ['factors', item.factors]]) {
                        const names = new Set((list || []).map((x) => x.name));
                        for (const n of Object.keys(own[table] || {})) if (!names.has(n)) stale.push(`${where}.${table}.${n}`);
                    }
                }
            }
            for (const [name, s] of Object.entries(cat.settings)) {
                if (s.help && typeof zh(s, 'help') !== 'string') missing.push(`settings.${name}`);
            }
            for (const [name, uses] of Object.entries(shared)) {
                if (name in ZH.params && Object.keys(uses).length > 1) {
                    clashes.push(`${name}: ${Object.entries(uses).map(([en, w]) => `${w.join(', ')} say ${JSON.stringify(en)}`).join('; ')}`);
                }
            }
            return { missing, clashes, stale };
        }"""
    )
    assert report["missing"] == [], (
        "No Chinese text in static/js/catalog_zh.js for: " + ", ".join(report["missing"])
        + " (add it under the entry's name, a parameter's help under the entry's `params` or the"
        " shared `params`, a state quantity's under `state`, a preset under `presets`)"
    )
    assert report["clashes"] == [], (
        "The shared Chinese help by name in catalog_zh.js `params` would translate different"
        " English texts alike; give each entry its own `params` translation: "
        + " | ".join(report["clashes"])
    )
    assert report["stale"] == [], (
        "catalog_zh.js translates names the catalog's entries do not have: " + ", ".join(report["stale"])
    )
