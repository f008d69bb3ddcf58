"""Every link of the corpus (tests/fixtures/links.json, made by make_link_corpus.py with the codec
of the day the URL format was last changed on purpose) decodes, re-encodes and reads the same."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.address.table import PAGE_PREFIX, rows
from app.engine.optimizers import OPTIMIZERS
from tests.fixtures.make_link_corpus import OUT, page_js, record

CORPUS: list[dict[str, Any]] = json.loads(Path(OUT).read_text())


def _text(value: Any) -> str:
    """Canonical JSON text (types kept apart: 1 and 1.0 differ)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


ALLOWED = re.compile(r"allowed: ([^\"]*)")


def _same(got: str, expected: str) -> bool:
    """Equal texts, except that an error's "allowed: ..." list may have gained names (a new
    optimizer or hyperparameter widens it; a link that opened must still open, none may vanish)."""
    if ALLOWED.sub("allowed: ...", got) != ALLOWED.sub("allowed: ...", expected):
        return False
    return all(set(e.split(", ")) <= set(g.split(", "))
               for g, e in zip(ALLOWED.findall(got), ALLOWED.findall(expected), strict=True))


def _without_new_defaults(got: Any, expected: Any) -> Any:
    """``got`` without the hyperparameters a run's optimizer gained since the corpus was made
    (absent from ``expected``) where they hold their default: a new flag that is off by default
    (cautious masking) leaves every link opening the same run."""
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        return [_without_new_defaults(g, e) for g, e in zip(got, expected, strict=True)]
    if not isinstance(got, dict) or not isinstance(expected, dict):
        return got
    out = {k: _without_new_defaults(v, expected.get(k)) for k, v in got.items()}
    spec = OPTIMIZERS.get(got.get("optimizer")) if isinstance(got.get("optimizer"), str) else None
    params, before = out.get("params"), expected.get("params")
    if spec is not None and isinstance(params, dict) and isinstance(before, dict):
        defaults = {p.name: p.default for p in spec.params}
        out["params"] = {k: v for k, v in params.items()
                         if k in before or k not in defaults or v != defaults[k]}
    return out


def test_corpus_is_broad() -> None:
    """The corpus covers lessons, errors, maps and page keys."""
    assert len(CORPUS) > 500
    assert sum("error" in e["strict"] for e in CORPUS) > 50
    assert sum(bool(e.get("maps")) for e in CORPUS) > 50
    assert sum("p." in e["query"] for e in CORPUS) > 50


def test_every_link_decodes_and_encodes_as_recorded() -> None:
    """Strict and lenient decoding, canonical queries, maps and the notebook's page options (a
    run may gain a new hyperparameter at its default)."""
    wrong = []
    for entry in CORPUS:
        expected = {k: v for k, v in entry.items() if k != "page_js"}
        got = _without_new_defaults(json.loads(_text(record(entry["query"]))), expected)
        if not _same(_text(got), _text(expected)):
            wrong.append(entry["query"])
    assert not wrong, f"{len(wrong)} links differ, e.g. {wrong[:5]}"


def _without_new_page_keys(js: dict[str, Any], recorded: dict[str, Any]) -> dict[str, Any]:
    """The page state read now, less the page keys added since the corpus was made that the
    link leaves at their default (such a link opens as it did: p.companions, on by default)."""
    defaults = {k.name.removeprefix(PAGE_PREFIX): k.default for k in rows("page")}
    page = {k: v for k, v in js.get("page", {}).items()
            if k in recorded.get("page", {}) or k not in defaults or v != defaults[k]}
    return {**js, "page": page} if "page" in js else js


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_every_link_reads_the_same_on_the_page() -> None:
    """static/js/urlstate.js's splitQuery reads the p.* keys as recorded."""
    got = page_js([e["query"] for e in CORPUS])
    wrong = [e["query"] for e, js in zip(CORPUS, got, strict=True)
             if not _same(_text(_without_new_page_keys(js, e["page_js"])), _text(e["page_js"]))]
    assert not wrong, f"{len(wrong)} links differ on the page, e.g. {wrong[:5]}"
