"""Every text the page shows from /api/catalog carries its Chinese beside its English.

The catalog is the page's only source of names and texts: an optimizer, schedule, surface,
preset, parameter, state quantity, step factor, run setting, common quantity or run colour
without ``i18n.zh`` for each English text field the page shows fails here, naming what is
missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")
TEXT_FIELDS = ("label", "description", "help")


def _missing(entry: dict[str, Any], where: str) -> Iterator[str]:
    """The English text fields of ``entry`` without a Chinese translation."""
    zh = (entry.get("i18n") or {}).get("zh") or {}
    for field in TEXT_FIELDS:
        english = entry.get(field)
        if not isinstance(english, str) or not english.strip():
            continue
        text = zh.get(field)
        if not isinstance(text, str) or not text.strip():
            yield f"{where}.{field}"
        elif not CJK.search(text) and text != english:
            yield f"{where}.{field} (not Chinese: {text!r})"


def _entry_gaps(entry: dict[str, Any], where: str) -> list[str]:
    """Missing Chinese of one registry entry and of everything it lists."""
    gaps = list(_missing(entry, where))
    for table in ("params", "state", "factors", "presets"):
        for item in entry.get(table) or []:
            gaps += _missing(item, f"{where}.{table}.{item['name']}")
    return gaps


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    """The default app's catalog, fetched once."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    with TestClient(create_app(Settings())) as client:
        response: httpx.Response = client.get("/api/catalog")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("kind", ["optimizers", "schedules", "surfaces", "families"])
def test_every_registry_entry_has_chinese(catalog: dict[str, Any], kind: str) -> None:
    gaps = [gap for entry in catalog[kind] for gap in _entry_gaps(entry, f"{kind}.{entry['name']}")]
    assert gaps == [], (
        "No Chinese (a zh= mapping beside the English in the spec) for: " + ", ".join(gaps))


def test_settings_quantities_and_colours_have_chinese(catalog: dict[str, Any]) -> None:
    gaps = [gap for name, s in catalog["settings"].items()
            for gap in _missing(s, f"settings.{name}")]
    gaps += [gap for q in catalog["quantities"] for gap in _missing(q, f"quantities.{q['name']}")]
    gaps += [gap for c in catalog["palette"]["runs"]
             for gap in _missing(c, f"palette.runs.{c['name']}")]
    assert gaps == [], "No Chinese for: " + ", ".join(gaps)


def test_shared_parameters_translate_their_own_english(catalog: dict[str, Any]) -> None:
    """A parameter (state quantity) name whose English help differs between optimizers has a
    Chinese help per English text, never one translation for two meanings."""
    for table in ("params", "state", "factors"):
        seen: dict[tuple[str, str], set[str]] = {}
        for kind in ("optimizers", "surfaces"):
            for entry in catalog[kind]:
                for item in entry.get(table) or []:
                    zh = (item.get("i18n") or {}).get("zh", {}).get("help")
                    if zh:
                        seen.setdefault((item["name"], zh), set()).add(item["help"])
        clashes = {key: helps for key, helps in seen.items() if len(helps) > 1}
        assert clashes == {}, f"one Chinese {table} help for different English texts: {clashes}"


def test_common_quantities_cover_the_teaching_table(catalog: dict[str, Any]) -> None:
    names = [q["name"] for q in catalog["quantities"]]
    for name in ("params", "grad", "lr", "delta", "params_after", "loss", "step_scale",
                 "effective_lr"):
        assert name in names, name
    assert all(q["symbol"] for q in catalog["quantities"])


def test_every_optimizer_names_its_family_year_and_paper(catalog: dict[str, Any]) -> None:
    """The picker groups by family and each entry's help names its year and paper."""
    families = [f["name"] for f in catalog["families"]]
    bad = [o["name"] for o in catalog["optimizers"]
           if o["family"] not in families or not isinstance(o["year"], int)
           or str(o["year"]) not in o["paper"]]
    assert bad == [], "family, year or paper (with its year) missing for: " + ", ".join(bad)
