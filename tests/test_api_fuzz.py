"""Fuzzing: schemathesis sends generated requests to every operation of the app's own OpenAPI
schema, in process (ASGI, no network), and checks each answer.

Checks: no 5xx; the status code, the content type and a JSON body are what the schema declares;
no NaN or Infinity in any body; every line of an NDJSON stream is standard JSON that validates
against the record schema declared for it (the schema of a streaming answer describes one record).

The operations come from the schema at collection time, so an endpoint added later is fuzzed
without touching this file. Generation is derandomized with a fixed seed: CI sees the same
requests on every run. Each operation has a wall-clock budget: an operation whose valid examples
are expensive (a 256 x 256 map) stops sending after it, with a warning saying how many were not
sent, so CI stays bounded; on a slower machine fewer of its examples are sent (and schemathesis,
which learns from answers, may then generate others).
"""

from __future__ import annotations

import json
import time
import warnings
from collections import defaultdict
from typing import Any

import jsonschema_rs  # schemathesis's own JSON Schema validator
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import create_app

SEED = 6
FUZZ_EXAMPLES = 120  # generated examples per operation (the schema's examples come on top)
OPERATION_BUDGET_S = 6.0  # time spent calling one operation before it stops sending
NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-seq")

APP = create_app(Settings())
OPENAPI = APP.openapi()
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    # The coverage phase enumerates boundary values of every field of every request model: on
    # the models generated from the engine's parameter tables (one per optimizer, schedule and
    # surface) it takes minutes to collect. tests/test_api_documented_bounds.py checks each
    # documented bound, inside and outside, directly.
    "phases": {"coverage": {"enabled": False}},
})
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)
_SPENT: dict[str, float] = defaultdict(float)
_SKIPPED: dict[str, int] = defaultdict(int)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _media_type(response: Any) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";")[0].strip().lower()


def _record_validator(path: str, method: str, status: int, media_type: str) -> Any:
    """A validator of one record, from the schema the operation declares for this answer."""
    responses = OPENAPI["paths"][path][method.lower()].get("responses", {})
    declared = responses.get(str(status)) or responses.get(f"{status // 100}XX") \
        or responses.get("default") or {}
    media = declared.get("content", {}).get(media_type) or {}
    schema = media.get("itemSchema") or media.get("schema")
    if schema is None:
        return None
    return jsonschema_rs.validator_for({**schema, "components": OPENAPI.get("components", {})})


def standard_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """JSON and NDJSON bodies hold standard JSON only: never NaN or Infinity."""
    media_type = _media_type(response)
    if not response.content or not (media_type.endswith("json") or media_type in NDJSON):
        return None
    lines = response.content.splitlines() if media_type in NDJSON else [response.content]
    for number, line in enumerate(lines, 1):
        try:
            json.loads(line, parse_constant=_refuse_constant)
        except ValueError as error:
            raise AssertionError(f"line {number} of a {media_type} body: {error}") from None
    return True


def ndjson_records(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every line of a streamed answer validates against its declared record schema."""
    media_type = _media_type(response)
    if media_type not in NDJSON or not response.content:
        return None
    validator = _record_validator(case.operation.path, case.operation.method,
                                  response.status_code, media_type)
    if validator is None:
        raise AssertionError(f"{case.operation.label}: no schema declared for "
                             f"{response.status_code} {media_type}")
    assert response.content.endswith(b"\n"), "an NDJSON stream ends with a newline"
    for number, line in enumerate(response.content.split(b"\n")[:-1], 1):
        record = json.loads(line)
        errors = [error.message for error in validator.iter_errors(record)]
        assert not errors, f"record {number} breaks the schema: {errors[:3]} in {line[:300]!r}"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, standard_json, ndjson_records]


@SCHEMA.parametrize()
def test_every_operation_survives_fuzzing(case: Any) -> None:
    label = case.operation.label
    if _SPENT[label] > OPERATION_BUDGET_S:
        _SKIPPED[label] += 1
        return
    started = time.perf_counter()
    try:
        response = case.call()
    finally:
        _SPENT[label] += time.perf_counter() - started
    case.validate_response(response, checks=CHECKS)


def teardown_module() -> None:
    """Say which operations ran out of budget (their later examples were not sent)."""
    for label, count in sorted(_SKIPPED.items()):
        if _SPENT[label] > OPERATION_BUDGET_S:
            warnings.warn(f"fuzzing {label}: {count} examples not sent after "
                          f"{_SPENT[label]:.0f} s", stacklevel=1)


def test_every_route_is_in_the_schema() -> None:
    """Fuzzing covers what the schema lists, so no API route may hide from it."""
    listed = {(path, method.upper()) for path, item in OPENAPI["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")}
    hidden = [(route.path, method) for route in APP.routes
              for method in sorted(getattr(route, "methods", None) or ())
              if getattr(route, "include_in_schema", False) is False
              and route.path.startswith("/api") and method != "HEAD"]
    assert not hidden, f"routes left out of the OpenAPI schema (never fuzzed): {hidden}"
    assert ("/api/trajectory", "POST") in listed and ("/api/trajectory", "GET") in listed


@pytest.mark.parametrize(("media_type", "body", "fails"), [
    ("application/json", b'{"a": NaN}', True),
    ("application/x-ndjson", b'{"a": 1}\n{"b": Infinity}\n', True),
    ("application/json", b'{"a": 1.5}', False),
])
def test_the_standard_json_check_catches_constants(media_type: str, body: bytes,
                                                   fails: bool) -> None:
    """The custom check refuses what json.loads alone would accept."""

    class Answer:
        headers = {"content-type": [media_type]}
        content = body

    if fails:
        with pytest.raises(AssertionError):
            standard_json(None, Answer(), None)
    else:
        assert standard_json(None, Answer(), None) is True


@pytest.mark.parametrize(("body", "fails"), [
    (b'{"type":"end","run":0,"status":"completed","steps":3}\n', False),
    (b'{"type":"end","run":0,"status":"exploded","steps":3}\n', True),
    (b'{"type":"steps","run":0}\n', True),
    (b'{"type":"end","run":0,"status":"completed","steps":3}', True),  # no final newline
])
def test_the_ndjson_check_validates_every_record(body: bytes, fails: bool) -> None:
    """Records are checked against the declared record schema, line by line."""

    class Operation:
        path, method, label = "/api/trajectory", "GET", "GET /api/trajectory"

    class Case:
        operation = Operation()

    class Answer:
        status_code = 200
        headers = {"content-type": ["application/x-ndjson"]}
        content = body

    if fails:
        with pytest.raises(AssertionError):
            ndjson_records(None, Answer(), Case())
    else:
        assert ndjson_records(None, Answer(), Case()) is True
