"""The optimizer picker: grouped by the catalog's families in its order, a type-to-search box
(names and labels in both languages, family, paper), each entry's year and paper in its help;
presets still chosen from the same list."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import drawn_seq, open_app, wait_redraw

pytestmark = pytest.mark.e2e

LINK = "/?surface=rosenbrock&r0=adam,lr=0.05&r1=sgd,lr=0.001,momentum=0.9&p.step=5"


def groups(page: Any, sel: str = "#run-0-optimizer") -> list[list[str]]:
    return page.evaluate(
        """(sel) => [...document.querySelector(sel).querySelectorAll('optgroup')].map((g) =>
            [g.label, ...[...g.querySelectorAll('option')].map((o) => o.value)])""", sel)


def test_picker_groups_by_family_and_searches(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + LINK)
    catalog = page.evaluate("optviz.app.catalog")
    fams = {f["name"]: f["label"] for f in catalog["families"]}
    got = groups(page)
    labels = [g[0] for g in got]
    used = [f["name"] for f in catalog["families"]
            if any(o["family"] == f["name"] for o in catalog["optimizers"])]
    assert labels == [fams[n] for n in used]  # the catalog's order, no empty family
    by_group = {g[0]: [v for v in g[1:] if ":" not in v] for g in got}
    for o in catalog["optimizers"]:
        assert o["name"] in by_group[fams[o["family"]]]
    # Each entry's help: year and paper (hover: the option's title; focus: the line below).
    title = page.get_attribute('#run-0-optimizer option[value="adam"]', "title")
    assert title.startswith("2014 · Kingma & Ba 2014")
    assert "2014" in page.inner_text("#run-0-optimizer-origin")
    assert "Adam variants" in page.inner_text("#run-0-optimizer-origin")
    assert page.get_attribute("#run-0-optimizer", "aria-describedby") == "run-0-optimizer-origin"

    # Search by family (English), by paper author, by Chinese label: the chosen one stays listed.
    page.fill("#run-0-optimizer-search", "sign")
    names = {v for g in groups(page) for v in g[1:] if ":" not in v}
    assert {"lion", "rprop"} <= names and "sgd" not in names and "adam" in names
    page.fill("#run-0-optimizer-search", "Polyak Juditsky")
    names = {v for g in groups(page) for v in g[1:] if ":" not in v}
    assert names == {"asgd", "adam"}
    assert page.inner_text("#run-0-optimizer-count") == "1 matching"
    # (a page in English holds the catalog's English texts: a search in Chinese brings the rest)
    whole = httpx.get(f"{e2e_url}/api/catalog", timeout=10).json()
    zh_label = next(o for o in whole["optimizers"] if o["name"] == "lbfgs")["i18n"]["zh"]["label"]
    page.fill("#run-0-optimizer-search", zh_label[:3] if len(zh_label) > 3 else zh_label)
    page.wait_for_function(
        "[...document.querySelectorAll('#run-0-optimizer option')].some((o) => o.value === 'lbfgs')")

    # Enter picks the first match: a new run config, computed and drawn.
    seq = drawn_seq(page)
    page.fill("#run-0-optimizer-search", "Polyak Juditsky")
    page.press("#run-0-optimizer-search", "Enter")
    wait_redraw(page, seq)
    assert page.evaluate("optviz.app.config.runs[0].optimizer") == "asgd"
    assert page.evaluate("document.activeElement.id") == "run-0-optimizer"
    assert "1992" in page.inner_text("#run-0-optimizer-origin")

    # Presets keep working from the grouped list.
    seq = drawn_seq(page)
    page.select_option("#run-1-optimizer", "sgd:nesterov")
    wait_redraw(page, seq)
    assert page.evaluate("optviz.app.config.runs[1].params.nesterov") is True
    assert page.input_value("#run-1-optimizer") == "sgd:nesterov"


def test_picker_in_chinese(page: Any, e2e_url: str) -> None:
    open_app(page, e2e_url + LINK + "&p.lang=zh")
    catalog = page.evaluate("optviz.app.catalog")
    labels = [g[0] for g in groups(page)]
    zh = {f["i18n"]["zh"]["label"] for f in catalog["families"]}
    assert labels and all(label in zh for label in labels)
    assert page.get_attribute("#run-0-optimizer-search", "placeholder") == "搜索…"
    # English words find entries on the Chinese page too (names, papers).
    page.fill("#run-0-optimizer-search", "Riedmiller")
    assert {v for g in groups(page) for v in g[1:] if ":" not in v} == {"rprop", "adam"}
