"""GET /api/surface: the loss on a grid (rows are y), log scale, minima, nulls for non-finite."""

from __future__ import annotations

import math

import httpx
import numpy as np

from app.api.schemas import SurfaceGrid
from app.engine.surfaces import SURFACES
from tests.api_helpers import strict_json


def grid(client: httpx.Client, query: str) -> dict:
    """A surface answer, parsed strictly and checked against its documented model."""
    response = client.get(f"/api/surface?{query}")
    assert response.status_code == 200, response.text
    body = strict_json(response.content)
    SurfaceGrid.model_validate(body)
    return body


def test_default_grid_is_rosenbrock_over_its_view(any_client: httpx.Client) -> None:
    body = grid(any_client, "")
    assert body["name"] == "rosenbrock" and body["log"] is False
    assert len(body["x"]) == len(body["y"]) == 120
    assert len(body["z"]) == 120 and all(len(row) == 120 for row in body["z"])
    assert body["view"] == list(SURFACES["rosenbrock"].view)
    assert body["latex"] == SURFACES["rosenbrock"].latex
    objective = SURFACES["rosenbrock"].build()
    for i, j in [(0, 0), (7, 93), (119, 5), (60, 60)]:
        x, y = body["x"][i], body["y"][j]
        assert body["z"][j][i] == float(objective.value(x, y))  # rows are y
    assert body["minima"][0]["x"] == 1.0 and body["minima"][0]["y"] == 1.0
    assert body["zmin"] == min(min(row) for row in body["z"])


def test_resolution_view_and_params(client: httpx.Client) -> None:
    body = grid(client, "name=ill_conditioned&condition_number=100&angle=30"
                        "&view=-1,1,-0.5,0.5&resolution=400")
    assert len(body["x"]) == 400 and len(body["z"]) == 400
    assert body["x"][0] == -1.0 and body["x"][-1] == 1.0 and body["y"][-1] == 0.5
    assert body["params"] == {"condition_number": 100.0, "angle": 30.0}
    plain = grid(client, "name=ill_conditioned&view=-1,1,-0.5,0.5&resolution=400")
    assert plain["z"] != body["z"]


def test_log_scale_is_documented_transform(client: httpx.Client) -> None:
    raw = grid(client, "name=himmelblau&resolution=31")
    logged = grid(client, "name=himmelblau&resolution=31&log=true")
    assert logged["log"] is True
    fmin, delta = logged["fmin"], logged["log_delta"]
    assert fmin == min(min(min(row) for row in raw["z"]), min(m["value"] for m in raw["minima"]))
    for j in (0, 10, 30):
        for i in (0, 15, 30):
            assert math.isclose(logged["z"][j][i], math.log10(raw["z"][j][i] - fmin + delta))
    for m in logged["minima"]:
        assert math.isclose(m["z"], math.log10(m["value"] - fmin + delta))


def test_non_finite_values_are_null(client: httpx.Client) -> None:
    body = grid(client, "expression=log(x)&view=-1,1,-1,1&resolution=11")
    row = body["z"][0]
    assert row[:6] == [None] * 6  # x <= 0: -inf or nan
    assert all(isinstance(v, float) for v in row[6:])
    assert body["zmin"] == min(row[6:]) and body["label"] == "Custom formula"
    nothing = grid(client, "expression=sqrt(-1-x**2)&resolution=4")
    assert nothing["zmin"] is None and all(v is None for r in nothing["z"] for v in r)
    assert grid(client, "expression=sqrt(-1-x**2)&resolution=4&log=1")["log"] is False


def test_data_surfaces_grid(client: httpx.Client) -> None:
    body = grid(client, "name=logistic_regression&n_samples=32&data_seed=3&resolution=25")
    z = np.array(body["z"], dtype=float)
    assert np.isfinite(z).all() and body["minima"]


def test_surface_is_cacheable(client: httpx.Client) -> None:
    first = client.get("/api/surface?name=beale&resolution=50")
    assert first.headers["cache-control"] == "public, max-age=86400"
    etag = first.headers["etag"]
    again = client.get("/api/surface?name=beale&resolution=50", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/api/surface?name=beale&resolution=51").headers["etag"] != etag
    assert client.get("/api/surface?name=beale&resolution=50").content == first.content


def test_digits_rounds_z_and_keys_the_cache(client) -> None:
    exact = client.get("/api/surface?name=rosenbrock&resolution=40&log=1").json()
    short = client.get("/api/surface?name=rosenbrock&resolution=40&log=1&digits=5").json()
    assert short["x"] == exact["x"] and short["zmin"] == exact["zmin"]
    pairs = [(a, b) for ra, rb in zip(exact["z"], short["z"], strict=True)
             for a, b in zip(ra, rb, strict=True)]
    assert all(b == float(f"{a:.5g}") for a, b in pairs)
    assert any(a != b for a, b in pairs)
    assert client.get("/api/surface?name=rosenbrock&digits=2").status_code == 422


def test_the_catalog_and_grids_travel_compressed_at_their_best(client) -> None:
    import brotli

    resp = client.get("/api/catalog", headers={"accept-encoding": "br"})
    assert resp.headers["content-encoding"] == "br" and resp.headers["etag"].endswith('-br"')
    again = client.get("/api/catalog", headers={"accept-encoding": "br",
                                                "if-none-match": resp.headers["etag"]})
    assert again.status_code == 304
    raw = client.get("/api/catalog", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(brotli.compress(raw.content, quality=11)) == int(resp.headers["content-length"])


def test_surface_keys_of_a_trajectory_give_the_same_grid(client: httpx.Client) -> None:
    """surface=, expr= and view= as a trajectory spells them; a whole page address works."""
    old = grid(client, "name=ill_conditioned&condition_number=100&angle=0.5&resolution=12")
    new = grid(client, "surface=ill_conditioned,condition_number=100,angle=0.5&resolution=12")
    assert new == old
    page = grid(client, "surface=ill_conditioned,condition_number=100,angle=0.5&view=-3,3,-2,2"
                        "&steps=50&r0=adam,lr=0.1&p.lang=zh&hmap.x=lr&resolution=12")
    assert page["view"] == [-3, 3, -2, 2] and page["params"] == old["params"]
    formula = grid(client, "expr=x**2%2B10*y**2&resolution=12")
    assert formula == grid(client, "expression=x**2%2B10*y**2&resolution=12")


def test_surface_keys_errors_name_the_key(client: httpx.Client) -> None:
    for query, field in (("surface=ill_conditioned,condition_number=0", "surface.condition_number"),
                         ("surface=ill_conditioned,nosuch=1", "surface.nosuch"),
                         ("surface=nosuch", "surface"), ("surface=rosenbrock&view=1,2", "view"),
                         ("surface=rosenbrock&name=booth", "name"),
                         ("expr=x**&resolution=8", "expr")):
        answer = client.get(f"/api/surface?{query}")
        assert answer.status_code == 422, query
        assert answer.json()["detail"][0]["field"] == field, query


def test_a_big_grid_is_not_compressed_at_the_slowest_quality(client) -> None:
    """Brotli's best quality takes ~5 s on a 400 x 400 grid (3 MB), a cost no budget counted:
    a grid above the page's size travels at quality 5 (~0.1 s); the page's own at the best."""
    import brotli

    from app.api.static_files import WHOLE_BEST_MAX, WHOLE_BROTLI

    for query, quality in (("name=ill_conditioned&resolution=400", WHOLE_BROTLI),
                           ("name=rosenbrock&resolution=120&log=1&digits=5", 11)):
        raw = client.get(f"/api/surface?{query}", headers={"accept-encoding": "identity"}).content
        coded = client.get(f"/api/surface?{query}", headers={"accept-encoding": "br"})
        assert coded.headers["content-encoding"] == "br"
        assert (len(raw) > WHOLE_BEST_MAX) == (quality == WHOLE_BROTLI)
        assert int(coded.headers["content-length"]) == len(brotli.compress(raw, quality=quality))
