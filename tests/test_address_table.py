"""The address table: every row is read, written, named and documented from its one line."""

from __future__ import annotations

from typing import Any

from app.address.codec import decode, encode, query_field, run_key
from app.address.maps import map_query_field
from app.address.page import parse_page_value
from app.address.table import KEYS, match, page_table, rows
from app.api.routes.maps import _query_doc
from app.api.routes.snippet import _PARAMETERS
from app.api.routes.trajectory import QUERY_PARAMETERS
from app.engine.config import validate_config


def _documented(doc: dict[str, Any]) -> set[str]:
    return {p["name"] for p in doc["parameters"]}


def test_every_key_is_documented_where_it_is_read() -> None:
    names = {k.doc_name() for k in rows("config", "run")}
    assert _documented(QUERY_PARAMETERS) == names
    assert _documented(_query_doc("hyper")) == names | {k.name for k in rows("hyper")}
    assert _documented(_query_doc("basin")) == names | {k.name for k in rows("basin")}
    notebook = {k.name for k in rows("page") if k.notebook}
    assert notebook == {"p.log", "p.sel", "p.colors", "p.off", "p.qoff"}
    assert notebook <= _documented(_PARAMETERS)


def test_every_key_matches_its_own_name_and_error_field() -> None:
    for key in rows("config", "run"):
        written = run_key(key, 3) if key.scope == "run" else key.name
        assert match(written, "config", "run")[0] is key  # type: ignore[index]
        field = key.field.replace("[i]", "[3]")
        assert query_field(field) == written, key.name
    for kind in ("hyper", "basin"):
        for key in rows(kind):  # type: ignore[arg-type]
            assert map_query_field(kind, key.field) == key.name
            assert map_query_field(kind, f"{key.field}[0]") == key.name


def test_config_keys_round_trip_their_examples() -> None:
    """Each configuration key's example reads, validates and is written back the same."""
    for key in rows("config"):
        if key.name in ("surface", "expr"):
            continue
        query = f"{key.name}={key.example}"
        if key.name == "batch_size":
            query = f"surface=linear_regression&{query}"
        config = validate_config(decode(query))
        assert key.name + "=" in encode(config), query


def test_page_rows_read_their_examples_and_refuse_junk() -> None:
    table = page_table()
    assert table["prefix"] == "p." and len(table["keys"]) == len(rows("page"))
    for key in rows("page"):
        assert parse_page_value(key, key.example) is not None, key.name
        assert parse_page_value(key, "\u0000junk") is None, key.name
    assert len({k.name for k in KEYS}) == len(KEYS)
