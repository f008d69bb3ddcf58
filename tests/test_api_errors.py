"""Every class of bad input is a 4xx naming the field and what is allowed; never a 500.

The TestClient re-raises server exceptions, so a 500 anywhere here fails the test outright.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.api_helpers import strict_json

GOOD_RUN = {"optimizer": "sgd"}


def detail(response: httpx.Response) -> dict[str, Any]:
    """The one error item of a 4xx answer (checked for the common shape)."""
    assert response.headers["content-type"] == "application/json"
    body = strict_json(response.content)
    assert isinstance(body["detail"], list) and body["detail"]
    for item in body["detail"]:
        assert {"loc", "field", "msg", "type"} <= set(item)
        assert isinstance(item["loc"], list) and item["msg"]
    return body["detail"][0]


BAD_BODIES: list[tuple[str, Any, str, str]] = [
    # (id, JSON body, field, words of the message)
    ("unknown optimizer", {"runs": [{"optimizer": "adamx"}]}, "runs[0].optimizer", "allowed"),
    ("unknown schedule", {"runs": [{"optimizer": "sgd", "schedule": {"name": "Warp"}}]},
     "runs[0].schedule.name", "known"),
    ("unknown surface", {"surface": {"name": "everest"}}, "surface.name", "allowed"),
    ("unknown parameter", {"runs": [{"optimizer": "adam", "params": {"momentum": 0.9}}]},
     "runs[0].params.momentum", "allowed"),
    ("unknown surface parameter", {"surface": {"name": "rosenbrock", "params": {"a": 2}}},
     "surface.params.a", "allowed"),
    ("unknown top-level field", {"stpes": 10}, "stpes", "allowed"),
    ("out of range", {"runs": [{"optimizer": "adam", "params": {"lr": -1}}]},
     "runs[0].params.lr", "[0, 1000]"),
    ("beta out of range", {"runs": [{"optimizer": "adam", "params": {"beta1": 1.0}}]},
     "runs[0].params.beta1", "[0, 1)"),
    ("schedule param out of range",
     {"runs": [{"optimizer": "sgd", "schedule": {"name": "StepLR",
                                                 "params": {"step_size": 0}}}]},
     "runs[0].schedule.params.step_size", "[1, "),
    ("nested schedule param",
     {"runs": [{"optimizer": "sgd", "schedule": {"name": "SequentialLR", "params": {
         "schedulers": [{"name": "StepLR"}, {"name": "ExponentialLR",
                                             "params": {"gamma": -1}}],
         "milestones": [5]}}}]},
     "runs[0].schedule.params.schedulers[1].params.gamma", "(0, "),
    ("wrong type", {"steps": "many"}, "steps", "integer"),
    ("wrong type bool", {"runs": [{"optimizer": "sgd", "params": {"nesterov": "yes"}}]},
     "runs[0].params.nesterov", "true or false"),
    ("wrong type run", {"runs": ["sgd"]}, "runs[0]", "object"),
    ("wrong type start", {"start": "0,0"}, "start", "two numbers"),
    ("float steps", {"steps": 2.5}, "steps", "integer"),
    ("malformed formula", {"surface": {"expression": "x**2 +"}}, "surface.expression",
     "syntax"),
    ("formula unknown name", {"surface": {"expression": "import(x)"}}, "surface.expression", ""),
    ("malformed lambda", {"runs": [{"optimizer": "sgd", "schedule": {
        "name": "LambdaLR", "params": {"lr_lambda": "0.95**"}}}]},
     "runs[0].schedule.params.lr_lambda", "syntax"),
    ("too many runs", {"runs": [GOOD_RUN] * 9}, "runs", "at most 8"),
    ("too many steps", {"steps": 10001}, "steps", "[1, 10000]"),
    ("no runs", {"runs": []}, "runs", "1 to 8"),
    ("not an object", [1, 2], "", "object"),
    ("huge start", {"start": [1e300, 0]}, "start[0]", "finite number in"),
    ("bad view", {"surface": {"name": "booth", "view": [1, 0, 0, 1]}}, "surface.view",
     "xmin < xmax"),
    ("batch on analytic surface", {"batch_size": 4}, "batch_size", "data surfaces"),
    ("long label", {"runs": [{"optimizer": "sgd", "label": "x" * 41}]}, "runs[0].label", "40"),
]


@pytest.mark.parametrize(("body", "field", "words"), [b[1:] for b in BAD_BODIES],
                         ids=[b[0] for b in BAD_BODIES])
def test_bad_values_are_422_naming_the_field(client: httpx.Client, body: Any, field: str,
                                             words: str) -> None:
    response = client.post("/api/trajectory", json=body)
    assert response.status_code == 422, response.text
    item = detail(response)
    assert item["field"] == field
    assert words in item["msg"]
    assert item["loc"][0] == "body"


def test_the_budget_of_steps_times_runs(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(max_run_steps=1000, max_runs=4, max_steps=600)
    item = detail(client.post("/api/trajectory", json={"steps": 400, "runs": [GOOD_RUN] * 3}))
    assert item["field"] == "steps" and "[1, 333]" in item["msg"] and "1000" in item["msg"]
    item = detail(client.post("/api/trajectory", json={"steps": 10, "runs": [GOOD_RUN] * 5}))
    assert item["field"] == "runs" and "at most 4" in item["msg"]
    item = detail(client.post("/api/trajectory", json={"steps": 700}))
    assert item["field"] == "steps" and "[1, 600]" in item["msg"]
    item = detail(client.get("/api/trajectory?steps=700&r0=sgd"))
    assert item["field"] == "steps"


def test_formula_length_is_bounded(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(max_expression_chars=20)
    item = detail(client.post("/api/trajectory", json={
        "surface": {"expression": "x**2 + y**2 + 0.5*x*y + 1"}}))
    assert item["field"] == "surface.expression" and "at most 20" in item["msg"]
    lam = {"name": "LambdaLR", "params": {"lr_lambda": "1/(1 + 0.01*k) + 0*k*k*k*k"}}
    item = detail(client.post("/api/trajectory", json={
        "runs": [{"optimizer": "sgd", "schedule": {"name": "ChainedScheduler",
                                                   "params": {"schedulers": [lam]}}}]}))
    assert item["field"] == "runs[0].schedule.params.schedulers[0].params.lr_lambda"
    item = detail(client.get("/api/surface?expression=x**2%2By**2%2B0.5*x*y%2B1%2Bx"))
    assert item["field"] == "expression"


@pytest.mark.parametrize(("body", "words"), [
    (b'{"steps": NaN}', "NaN"),
    (b'{"noise": Infinity}', "Infinity"),
    (b'{"start": [-Infinity, 0]}', "-Infinity"),
    (b'{"noise": 1e999}', "out of range"),
    (b'{"steps": 1' + b"0" * 5000 + b"}", "malformed JSON"),
    (b'{"steps": 10,}', "line 1 column"),
    (b"[" * 100000, "malformed JSON"),
    (b"", "empty body"),
    (b"\xff\xfe\x00", "malformed JSON"),
    (b"'single'", "malformed JSON"),
])
def test_non_standard_or_malformed_json_is_422(client: httpx.Client, body: bytes,
                                               words: str) -> None:
    response = client.post("/api/trajectory", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    item = detail(response)
    assert item["field"] == "body" and item["loc"] == ["body"]
    assert words in item["msg"]


def test_oversize_bodies_are_413(client: httpx.Client) -> None:
    big = json.dumps({"runs": [{"optimizer": "sgd", "label": "x" * 300_000}]}).encode()
    response = client.post("/api/trajectory", content=big,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert detail(response)["field"] == "body"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b'{"runs": [{"optimizer": "sgd", "label": "'
        for _ in range(100):
            yield b"y" * 4096
        yield b'"}]}'

    response = client.post("/api/trajectory", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "262144" in detail(response)["msg"]


@pytest.mark.parametrize(("query", "field", "words"), [
    ("r0=adamx", "r0", "allowed"),
    ("r0=adam,lr=-1", "r0.lr", "[0, 1000]"),
    ("r0=adam,lr=nan", "r0.lr", "[0, 1000]"),
    ("r0=adam,lr=abc", "r0.lr", "'abc'"),
    ("r0=sgd&r0.schedule=Warp", "r0.schedule", "known"),
    ("r0=sgd&r0.schedule=StepLR,gamma=Infinity", "r0.schedule.gamma", ""),
    ("surface=everest", "surface", "allowed"),
    ("expr=x**2%2B&r0=sgd", "expr", "syntax"),
    ("steps=99999&r0=sgd", "steps", "[1, 10000]"),
    ("&".join(f"r{i}=sgd" for i in range(9)), "runs", "at most 8"),
    ("r0=sgd&flavour=vanilla", "flavour", "unknown query parameter"),
    ("r0=sgd&r2=adam", "r1", "missing"),
    ("r0=sgd&steps=1&steps=2", "steps", "more than once"),
    ("r0=sgd&r0.label=" + "x" * 9000, "query", "at most 8192"),
])
def test_bad_queries_are_422_naming_the_query_parameter(client: httpx.Client, query: str,
                                                        field: str, words: str) -> None:
    for path in ("/api/trajectory", "/api/config"):
        response = client.get(f"{path}?{query}")
        if path == "/api/config" and field != "query":
            assert response.status_code == 200  # the lenient decoder warns instead
            warnings = response.json()["warnings"]
            dropped = "r8" if field == "runs" else field  # the extra run is dropped by name
            assert any(w["field"] == dropped for w in warnings), warnings
            continue
        assert response.status_code == 422, response.text
        item = detail(response)
        assert item["field"] == field
        assert words in item["msg"]
        assert item["loc"][0] == "query"


@pytest.mark.parametrize(("query", "field", "words"), [
    ("resolution=401", "resolution", "[2, 400]"),
    ("resolution=1", "resolution", "[2, 400]"),
    ("resolution=lots", "resolution", "integer"),
    ("log=perhaps", "log", "boolean"),
    ("name=everest", "name", "allowed"),
    ("name=ill_conditioned&condition_number=0", "condition_number", "[1, "),
    ("name=ill_conditioned&condition_number=abc", "condition_number", "'abc'"),
    ("name=ill_conditioned&tilt=3", "tilt", "allowed"),
    ("name=booth&expression=x", "expression", "not both"),
    ("expression=x**", "expression", "syntax"),
    ("expression=x&angle=3", "angle", "no parameters"),
    ("view=0,1,0", "view", "four numbers"),
    ("view=0,1,0,nan", "view", "finite"),
    ("view=a,b,c,d", "view", "numbers"),
    ("view=1,0,0,1", "view", "xmin < xmax"),
])
def test_bad_surface_requests_are_422(client: httpx.Client, query: str, field: str,
                                      words: str) -> None:
    response = client.get(f"/api/surface?{query}")
    assert response.status_code == 422, response.text
    item = detail(response)
    assert item["field"] == field
    assert words in item["msg"]


def test_unknown_routes_and_methods_answer_json(client: httpx.Client) -> None:
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/api/nothing").json() == {"detail": "Not Found"}
    assert client.put("/api/trajectory", json={}).status_code == 405
