"""The schedules' Chinese lives in their specs: every schedule and every schedule parameter in
/api/catalog carries Chinese for each English text it shows (label, description, help)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CJK = re.compile(r"[\u4e00-\u9fff]")


def _missing(entry: dict[str, Any], fields: tuple[str, ...], where: str) -> list[str]:
    """The English text fields of ``entry`` without a non-empty Chinese one beside them."""
    zh = entry.get("i18n", {}).get("zh", {})
    out = []
    for field in fields:
        english = entry.get(field)
        if not isinstance(english, str) or not english.strip():
            continue
        text = zh.get(field)
        if not isinstance(text, str) or not text.strip() or not CJK.search(text):
            out.append(f"{where}.{field}")
    return out


def test_every_schedule_text_has_chinese(client: TestClient) -> None:
    """Label and description of each schedule, help of each of its parameters."""
    schedules = client.get("/api/catalog").json()["schedules"]
    assert schedules
    missing: list[str] = []
    for entry in schedules:
        where = f"schedules.{entry['name']}"
        assert entry["label"] and entry["description"], where
        missing += _missing(entry, ("label", "description"), where)
        for param in entry["params"]:
            assert param["help"], f"{where}.params.{param['name']} has no English help"
            missing += _missing(param, ("help", "label"), f"{where}.params.{param['name']}")
    assert missing == [], "no Chinese text in the spec for: " + ", ".join(missing)
