"""/api/map/hyper and /api/map/basin: stream shape, GET = POST, cells = trajectories, limits,
progress and disconnects (TestClient and a real uvicorn)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.address.maps import decode_map, encode_map
from app.api.map_schemas import MapRecord
from tests.api_helpers import check_stream, records_of, strict_json

MAP_RECORD = TypeAdapter(MapRecord)
HYPER = {"config": {"surface": {"name": "rosenbrock"}, "steps": 80,
                    "runs": [{"optimizer": "sgd", "params": {"lr": 1e-3}},
                             {"optimizer": "adam", "params": {"lr": 0.05}}]},
         "map": {"run": 1, "x": {"param": "lr", "min": 1e-3, "max": 0.5, "cells": 6},
                 "y": {"param": "beta1", "min": 0.5, "max": 0.99, "cells": 5},
                 "metric": "steps_to_threshold", "threshold": 0.5}}
BASIN = {"config": {"surface": {"name": "himmelblau"}, "steps": 60,
                    "runs": [{"optimizer": "adam", "params": {"lr": 0.1}}]},
         "map": {"cells": [7, 5], "color": "final_loss"}}


def map_records(body: bytes) -> list[dict[str, Any]]:
    """A map stream's lines, parsed strictly and checked against the map record schema."""
    return records_of(body, MAP_RECORD)


def grid_of(records: list[dict[str, Any]], name: str) -> list[list[Any]]:
    """One quantity's rows, in order, checking the row blocks are consecutive."""
    rows: list[list[Any]] = []
    for r in records:
        if r["type"] == "rows":
            assert r["first"] == len(rows)
            assert len(r[name]) == r["count"]
            rows += r[name]
    return rows


def test_hyper_map_stream_shape_and_progress(client: TestClient) -> None:
    response = client.post("/api/map/hyper", json=HYPER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = map_records(response.content)
    start = records[0]
    assert start["type"] == "start" and start["kind"] == "hyper"
    assert start["map"]["x"] == {**HYPER["map"]["x"], "scale": "log"}
    assert start["map"]["y"]["scale"] == "beta"  # beta1's catalog scale
    assert len(start["x"]) == 6 and len(start["y"]) == 5
    assert start["total"] == 6 * 5 * 80
    assert records[-1] == {"type": "end", "status": "completed"}
    done = [r["done"] for r in records if r["type"] == "progress"]
    assert done == sorted(done) and done[-1] == start["total"] and len(done) >= 5
    final = grid_of(records, "final_loss")
    assert len(final) == 5 and all(len(row) == 6 for row in final)


def test_a_cell_equals_the_trajectory_of_its_configuration(client: TestClient) -> None:
    records = map_records(client.post("/api/map/hyper", json=HYPER).content)
    start = records[0]
    final, reach, diverged = (grid_of(records, k) for k in ("final_loss", "reach", "diverged"))
    for j in (0, 2, 4):
        for i in (0, 3, 5):
            config = start["config"]
            run = {**config["runs"][1], "params": {**config["runs"][1]["params"],
                                                  "lr": start["x"][i], "beta1": start["y"][j]}}
            single = {**config, "runs": [run]}
            body = client.post("/api/trajectory", json=single).content
            runs = check_stream(records_of(body), client.post("/api/config", json=single)
                                .json()["config"])
            end = records_of(body)[-1]
            if end["status"] == "diverged":
                assert final[j][i] is None and diverged[j][i] == end["steps"] + 1
            else:
                assert final[j][i] == runs[0]["loss"][-1] and diverged[j][i] is None
            below = [t + 1 for t, v in enumerate(runs[0]["loss"]) if v <= 0.5]
            assert reach[j][i] == (below[0] if below else None)


def test_get_with_the_start_query_gives_the_same_bytes_and_caches(client: TestClient) -> None:
    posted = client.post("/api/map/hyper", json=HYPER)
    query = map_records(posted.content)[0]["query"]
    assert "hmap.x=lr,0.001,0.5,log,6" in query and "hmap.run=1" in query
    got = client.get(f"/api/map/hyper?{query}")
    assert got.status_code == 200 and got.content == posted.content
    assert got.headers["etag"] == posted.headers["etag"]
    assert "max-age" in got.headers["cache-control"]
    again = client.get(f"/api/map/hyper?{query}", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304


def test_basin_map_stream_and_its_query(client: TestClient) -> None:
    response = client.post("/api/map/basin", json=BASIN)
    records = map_records(response.content)
    start = records[0]
    assert start["kind"] == "basin" and start["map"]["view"] == [-5.0, 5.0, -5.0, 5.0]
    assert "basin.cells=7,5" in start["query"] and "basin.color=final_loss" in start["query"]
    basins = [b for r in records if r["type"] == "rows" for b in r["basins"]]
    assert len(basins) == 4 and all(b["known"] for b in basins)
    ids = grid_of(records, "basin")
    assert {i for row in ids for i in row} <= {-2, -1, 0, 1, 2, 3}
    got = client.get(f"/api/map/basin?{start['query']}")
    assert got.content == response.content
    # a cell is the trajectory from the cell's centre
    final = grid_of(records, "final_loss")
    single = {**start["config"], "start": [start["x"][2], start["y"][3]]}
    runs = check_stream(records_of(client.post("/api/trajectory", json=single).content),
                        client.post("/api/config", json=single).json()["config"])
    assert final[3][2] == runs[0]["loss"][-1]
    assert "end_x" not in records[1 + [r["type"] for r in records[1:]].index("rows")]


def test_the_trajectory_endpoint_ignores_map_keys(client: TestClient) -> None:
    plain = client.get("/api/trajectory?surface=himmelblau&steps=5")
    with_map = client.get("/api/trajectory?surface=himmelblau&steps=5&basin.cells=9"
                          "&hmap.x=lr&hmap.y=beta1")
    assert with_map.status_code == 200 and with_map.content == plain.content
    assert with_map.url == plain.url  # redirected to the one canonical URL


def test_a_non_canonical_map_query_is_redirected_to_the_canonical_one(client: TestClient
                                                                      ) -> None:
    asked = "basin.cells=6,6&steps=20&surface=himmelblau&p.tab=basin&r0=adam,lr=0.1"
    response = client.get(f"/api/map/basin?{asked}", follow_redirects=False)
    assert response.status_code == 308
    location = response.headers["location"]
    final = client.get(location, follow_redirects=False)
    assert final.status_code == 200
    start = map_records(final.content)[0]
    assert location == f"/api/map/basin?{start['query']}"
    assert "basin.cells=6" in location and "6,6" not in location and "p.tab" not in location


@pytest.mark.parametrize(("path", "body", "field"), [
    ("hyper", {"config": {}}, "map"),
    ("hyper", {"config": {}, "map": {"x": {"param": "lr"}, "y": {"param": "rho"}}},
     "map.y.param"),
    ("hyper", {"config": {"steps": 1001}, "map": {"x": {"param": "lr"},
                                                  "y": {"param": "beta1"}}}, "config.steps"),
    ("hyper", {"config": {"runs": [{"optimizer": "adam", "params": {"lr": -1}}]},
               "map": {"x": {"param": "lr"}, "y": {"param": "beta1"}}},
     "config.runs[0].params.lr"),
    ("hyper", {"config": {}, "map": {"x": {"param": "lr", "cells": 10**6},
                                     "y": {"param": "beta1"}}}, "map.x.cells"),
    ("hyper", {"config": {}, "map": {"x": {"param": "lr"}, "y": {"param": "beta1"}}, "z": 1},
     "z"),
    ("basin", {"config": {}, "map": {"cells": 100000}}, "map.cells"),
    ("basin", {"config": {}, "map": {"view": [0, 0, 0, 1]}}, "map.view"),
    ("basin", {"config": {}, "map": {"cells": [8, 8], "color": "blue"}}, "map.color"),
])
def test_bad_map_requests_name_the_field(client: TestClient, path: str, body: dict[str, Any],
                                         field: str) -> None:
    response = client.post(f"/api/map/{path}", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize(("query", "field"), [
    ("surface=rosenbrock", "hmap.x"),
    ("hmap.x=lr&hmap.y=nope", "hmap.y"),
    ("hmap.x=lr,0,1,log&hmap.y=beta1", "hmap.x"),
    ("hmap.x=lr,a&hmap.y=beta1", "hmap.x"),
    ("hmap.x=lr&hmap.y=beta1&hmap.colour=red", "hmap.colour"),
    ("hmap.x=lr&hmap.y=beta1&hmap.x=lr", "hmap.x"),
    ("hmap.x=lr&hmap.y=beta1&r0=nadam,foo=1", "r0.foo"),
])
def test_bad_map_queries_name_the_key(client: TestClient, query: str, field: str) -> None:
    response = client.get(f"/api/map/hyper?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_server_settings_lower_the_map_limits(make_client: Any) -> None:
    small = make_client(max_map_cells=16, max_basin_cells=32, max_map_steps=100)
    hyper = small.post("/api/map/hyper", json={
        "config": {"steps": 50},
        "map": {"x": {"param": "lr", "cells": 17}, "y": {"param": "beta1", "cells": 4}}})
    assert hyper.status_code == 422 and hyper.json()["detail"][0]["field"] == "map.x.cells"
    basin = small.post("/api/map/basin", json={"config": {"steps": 50}, "map": {"cells": 33}})
    assert basin.json()["detail"][0]["field"] == "map.cells[0]"
    steps = small.post("/api/map/basin", json={"config": {"steps": 101}, "map": {"cells": 8}})
    assert steps.json()["detail"][0]["field"] == "config.steps"
    limits = small.get("/api/catalog").json()["limits"]
    assert (limits["max_map_cells"], limits["max_basin_cells"], limits["max_map_steps"]) == \
        (16, 32, 100)


def test_map_query_round_trips() -> None:
    spec = {"run": 2, "x": {"param": "lr", "min": 1e-4, "max": 0.3, "scale": "log", "cells": 64},
            "y": {"param": "beta1", "min": 0.0, "max": 0.999, "scale": "beta", "cells": 32},
            "metric": "steps_to_threshold", "threshold": 0.001}
    text = encode_map("hyper", spec)
    assert text == ("hmap.x=lr,0.0001,0.3,log,64&hmap.y=beta1,0,0.999,beta,32&hmap.run=2"
                    "&hmap.metric=steps_to_threshold&hmap.threshold=0.001")
    assert decode_map(text, "hyper") == spec
    basin = {"run": 0, "cells": [64, 32], "view": [-2.5, 2.0, -1.0, 3.0], "color": "minimum"}
    text = encode_map("basin", basin, surface_view=[-2.0, 2.0, -1.0, 3.0])
    assert text == "basin.cells=64,32&basin.view=-2.5,2,-1,3"
    assert decode_map(text, "basin") == {"cells": [64, 32], "view": [-2.5, 2, -1, 3]}
    assert decode_map("surface=rosenbrock&p.step=3", "basin") is None


def _health(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/healthz", timeout=5).json()


def test_leaving_a_map_stream_stops_its_work(server_url: str) -> None:
    deadline = time.monotonic() + 10
    while _health(server_url)["active_streams"] and time.monotonic() < deadline:
        time.sleep(0.05)
    before = _health(server_url)["steps_computed"]
    body = {"config": {"steps": 1000, "runs": [{"optimizer": "adam"}]},
            "map": {"cells": 256}}  # 6.5e7 cell-steps: seconds of work
    total = 256 * 256 * 1000
    seen = []
    with httpx.Client(base_url=server_url, timeout=60) as http, \
            http.stream("POST", "/api/map/basin", json=body) as response:
        for line in response.iter_lines():
            seen.append(strict_json(line)["type"])
            if seen.count("progress") == 2:
                break  # hang up mid-computation
    deadline = time.monotonic() + 10
    while _health(server_url)["active_streams"] and time.monotonic() < deadline:
        time.sleep(0.05)
    after = _health(server_url)
    assert after["active_streams"] == 0
    done = after["steps_computed"] - before
    time.sleep(0.5)
    assert _health(server_url)["steps_computed"] - before == done, "work went on"
    assert done < total // 4, f"{done} of {total} cell-steps computed after the hang-up"
