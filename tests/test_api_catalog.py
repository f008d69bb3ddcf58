"""GET /api/catalog lists every registry entry with what the page builds its controls from."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from app import __version__
from app.api.schemas import Catalog
from app.engine.config import validate_config
from app.engine.optimizers import OPTIMIZERS
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES

PARAM_KEYS = {"name", "type", "default", "min", "max", "scale", "step", "symbol", "help", "range"}


def test_catalog_lists_every_registry_entry(any_client: httpx.Client) -> None:
    response = any_client.get("/api/catalog")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    catalog = response.json()
    assert catalog["version"] == __version__
    assert [o["name"] for o in catalog["optimizers"]] == list(OPTIMIZERS)
    assert [s["name"] for s in catalog["schedules"]] == list(SCHEDULES)
    assert [s["name"] for s in catalog["surfaces"]] == list(SURFACES)
    Catalog.model_validate(catalog)  # the documented model is honest


def test_optimizers_carry_params_presets_equations_and_state(client: httpx.Client) -> None:
    optimizers = {o["name"]: o for o in client.get("/api/catalog").json()["optimizers"]}
    for name, entry in optimizers.items():
        assert entry["label"] and len(entry["description"]) > 40, name
        assert entry["equations"] and all(isinstance(e, str) for e in entry["equations"])
        assert entry["state"] and all(s["symbol"] for s in entry["state"]), name
        for param in entry["params"]:
            assert PARAM_KEYS <= set(param), (name, param)
            assert param["scale"] in ("linear", "log", "beta")
    presets = {p["name"] for o in optimizers.values() for p in o["presets"]}
    assert {"gd", "momentum", "nesterov", "amsgrad"} <= presets
    sgd_presets = {p["name"]: p["params"] for p in optimizers["sgd"]["presets"]}
    assert sgd_presets["nesterov"]["nesterov"] is True


def test_schedules_and_surfaces_are_complete(client: httpx.Client) -> None:
    catalog = client.get("/api/catalog").json()
    for entry in catalog["schedules"]:
        assert entry["label"] and entry["description"] and entry["latex"], entry["name"]
        assert isinstance(entry["cycles_momentum"], bool)
        for param in entry["params"]:
            assert PARAM_KEYS <= set(param)
    for entry in catalog["surfaces"]:
        assert entry["latex"] and len(entry["view"]) == 4 and len(entry["start"]) == 2
        assert isinstance(entry["minima"], list)
    assert any(s["minima"] for s in catalog["surfaces"])


def test_catalog_carries_defaults_and_limits(client: httpx.Client) -> None:
    catalog = client.get("/api/catalog").json()
    assert set(catalog["settings"]) == {"steps", "noise", "seed", "batch_size"}
    assert catalog["limits"]["max_grid"] == 400
    assert catalog["limits"]["max_run_steps"] == 80000
    assert catalog["default_config"] == validate_config({})
    assert catalog["default_query"] == "surface=rosenbrock&r0=adam,lr=0.05"
    assert "sin" in catalog["expression"]["functions"]


def test_catalog_revalidates_with_its_etag(client: httpx.Client) -> None:
    first = client.get("/api/catalog")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/api/catalog", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/catalog", headers={"If-None-Match": '"other"'}).status_code == 200


def test_limits_follow_the_settings(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(max_runs=3, max_grid=200, default_grid=100)
    limits = client.get("/api/catalog").json()["limits"]
    assert limits["max_runs"] == 3 and limits["max_grid"] == 200
