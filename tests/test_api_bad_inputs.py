"""The table of bad inputs (tests/bad_inputs.py) against a real uvicorn: each is answered 4xx
with a JSON error naming the field, and the server then serves a good request as before.

No timing assertions (machines are shared): the client's timeout only guards against a hang.
How fast the refusals are is measured by bench/bad_inputs.py (target: 100 ms each).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api_helpers import records_of, strict_json
from tests.bad_inputs import BAD_INPUTS, GOOD_BODY, BadInput, send

HANG_GUARD_S = 10.0


@pytest.fixture(scope="module")
def http(server_url: str) -> Iterator[httpx.Client]:
    """A client of the session's real server whose timeout only catches hangs."""
    with httpx.Client(base_url=server_url, timeout=HANG_GUARD_S) as client:
        yield client


def _param(case: BadInput) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in BAD_INPUTS])
def test_bad_input_is_refused_naming_the_field(http: httpx.Client, case: BadInput) -> None:
    response = send(http, case)
    assert response.status_code == case.status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    detail = strict_json(response.content)["detail"]
    assert isinstance(detail, list) and detail
    item = detail[0]
    assert {"loc", "field", "msg", "type"} <= set(item)
    assert item["field"] == case.field, item
    assert case.words in item["msg"], item
    assert len(response.content) < 4096, "an error names the field, it does not echo the input"

    good = http.post("/api/trajectory", json=GOOD_BODY)  # the next request is served as before
    assert good.status_code == 200
    records = records_of(good.content)
    assert records[-1] == {"type": "end", "run": 0, "status": "completed", "steps": 20}


def test_the_table_covers_every_kind_of_bad_input() -> None:
    """Each kind the issue names has cases, and ids are unique (they name the bench's rows)."""
    ids = [case.id for case in BAD_INPUTS]
    assert len(ids) == len(set(ids))
    text = " ".join(ids)
    for kind in ("as text", "NaN", "Infinity", "-inf", "1e300", "400 digits", "negative",
                 "empty", "5000 chars", "import", "dunder class", "lambda", "power tower",
                 "10k nested parens", "9 runs", "10001 steps", "grid 401", "10 MB"):
        assert kind in text, kind
    assert {case.path for case in BAD_INPUTS} >= {"/api/trajectory", "/api/surface",
                                                  "/api/config"}
