"""/openapi.json states exactly what is accepted: for every bound it documents on a request field
(generated from the engine's Param tables), a value just inside is accepted and one just outside
is refused with a 4xx naming the field, both in a JSON body and in a page query."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.engine.optimizers import OPTIMIZERS
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# Bounds whose inside depends on another field too (the schema cannot say it; the message does):
# OneCycleLR's total_steps and pct_start must also give each of its phases a step.
CROSS_FIELD = {("OneCycleLRParams", "total_steps", "minimum"),
               ("OneCycleLRParams", "pct_start", "maximum"),
               ("PolynomialWithWarmupLRParams", "lr_end", "maximum"),  # below the run's lr
               ("RpropParams", "step_size_max", "minimum"),  # at least step_size_min
               ("RpropParams", "step_size_min", "maximum")}  # at most step_size_max


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """One client and its /openapi.json for the module."""
    from app.config import Settings
    from app.main import create_app
    with TestClient(create_app(Settings())) as client:
        yield client, client.get("/openapi.json").json()


def _config(owner: str, name: str, value: Any) -> dict[str, Any]:
    """The smallest configuration setting parameter ``name`` of the component ``owner``."""
    if owner == "TrajectoryConfig":
        surface = {"name": "linear_regression"} if name == "batch_size" else {"name": "booth"}
        return {"surface": surface, name: value, "steps": value if name == "steps" else 10}
    for spec_name in OPTIMIZERS:
        if owner == _camel(spec_name) + "Params":
            return {"steps": 10, "runs": [{"optimizer": spec_name, "params": {name: value}}]}
    for spec_name in SCHEDULES:
        if owner == _camel(spec_name) + "Params":
            return {"steps": 10, "runs": [{"optimizer": "sgd", "schedule": {
                "name": spec_name, "params": {name: value}}}]}
    for spec_name in SURFACES:
        if owner == _camel(spec_name) + "SurfaceParams":
            return {"steps": 10, "surface": {"name": spec_name, "params": {name: value}}}
    raise AssertionError(f"no configuration for {owner}.{name}")


def _camel(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in name.split("_"))


def _documented(schema: dict[str, Any]) -> list[tuple[str, str, str, str, float]]:
    """(owner, field, type, bound, value) of every bound on a request model's property."""
    out = []
    components = schema["components"]["schemas"]
    for owner, model in components.items():
        if not (owner == "TrajectoryConfig" or owner.endswith("Params")):
            continue
        for name, prop in model.get("properties", {}).items():
            for variant in prop.get("anyOf", [prop]):
                for bound in BOUNDS:
                    if bound in variant:
                        out.append((owner, name, variant["type"], bound, variant[bound]))
    return out


def _inside_outside(kind: str, bound: str, value: float) -> tuple[float, float]:
    """A value just inside the bound and one just outside it."""
    upward = bound in ("minimum", "exclusiveMinimum")  # inside lies above a lower bound
    if kind == "integer":
        step = 1 if upward else -1
        inside = value if bound in ("minimum", "maximum") else value + step
        return int(inside), int(inside - step)
    toward = math.inf if upward else -math.inf
    if bound in ("minimum", "maximum"):
        return value, math.nextafter(value, -toward)
    return math.nextafter(value, toward), value


def test_every_documented_bound_is_the_engines(api: tuple[TestClient, dict[str, Any]]) -> None:
    client, schema = api
    bounds = _documented(schema)
    assert len(bounds) > 100
    assert {("TrajectoryConfig", "noise", "maximum"), ("TrajectoryConfig", "seed", "maximum")} \
        <= {(o, n, b) for o, n, _, b, _ in bounds}
    wrong = []
    for owner, name, kind, bound, value in bounds:
        inside, outside = _inside_outside(kind, bound, value)
        ok = client.post("/api/config", json=_config(owner, name, inside))
        if ok.status_code != 200 and (owner, name, bound) not in CROSS_FIELD:
            wrong.append((owner, name, bound, inside, "refused", ok.json()["detail"][0]["msg"]))
        bad = client.post("/api/config", json=_config(owner, name, outside))
        if not 400 <= bad.status_code < 500 or not bad.json()["detail"][0]["field"].endswith(
                name):
            wrong.append((owner, name, bound, outside, "accepted", bad.status_code))
    assert not wrong, wrong[:10]


def test_noise_and_seed_limits_match_the_engine(api: tuple[TestClient, dict[str, Any]]) -> None:
    """The two bounds that had drifted: noise=5000 and seed=2**40 are refused and not
    documented as accepted."""
    client, schema = api
    props = schema["components"]["schemas"]["TrajectoryConfig"]["properties"]
    assert props["noise"]["maximum"] == 1000 and props["seed"]["maximum"] == 2**32 - 1
    for query, field in (("noise=5000", "noise"), (f"seed={2**40}", "seed")):
        answer = client.get(f"/api/trajectory?{query}")
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == field


def test_query_parameters_document_the_same_bounds(api: tuple[TestClient, dict[str, Any]]
                                                   ) -> None:
    """GET routes' documented query keys carry the engine's bounds, and a query at the bound
    opens while one past it is refused naming the key."""
    client, schema = api
    params = {p["name"]: p for p in schema["paths"]["/api/trajectory"]["get"]["parameters"]}
    assert params["steps"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10000}
    assert params["seed"]["schema"]["maximum"] == 2**32 - 1
    for name in ("steps", "noise", "seed"):
        top = params[name]["schema"]["maximum"]
        assert client.get(f"/api/config?{name}={top}&steps=10".replace(
            "&steps=10", "" if name == "steps" else "&steps=10")).json()["warnings"] == []
        past = top + 1
        answer = client.get(f"/api/trajectory?{name}={past}")
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == name
