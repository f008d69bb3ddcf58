"""POST /api/trajectory?fields=points: the same paths as the whole answer, as points only.

The page asks for points only while a start is dragged or a slider held (it draws nothing but the
paths then): each block comes as a points record (x and y of each step, and of the run's
companion paths), about a fifth of the bytes of a steps record with every series, and the release
asks for the whole answer.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.api_helpers import records_of

CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 700,
    "runs": [{"optimizer": "adam", "params": {"lr": 0.05}},
             {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9},
              "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 300}}},
             {"optimizer": "sgd", "params": {"lr": 0.2}},  # diverges
             {"optimizer": "asgd", "params": {"lr": 2e-3, "t0": 10}}],
}
COMPANIONS = [set(), set(), set(), {"ax"}]  # each run's path quantities


def test_points_are_the_whole_answers_points(client: httpx.Client) -> None:
    whole = client.post("/api/trajectory", json=CONFIG)
    points = client.post("/api/trajectory?fields=points", json=CONFIG)
    assert whole.status_code == points.status_code == 200
    full, only = records_of(whole.content), records_of(points.content)
    assert only[0] == full[0]  # the same start record (config and canonical query)
    assert [r["type"] for r in only] == [
        {"steps": "points"}.get(r["type"], r["type"]) for r in full]
    for a, b in zip(full[1:], only[1:], strict=True):
        if a["type"] == "end":
            assert a == b
            continue
        assert set(b) == {"type", "run", "first", "x", "y", "state"}
        assert (b["run"], b["first"], b["x"], b["y"]) == (a["run"], a["first"], a["x"], a["y"])
        # the companion paths the contour draws (ASGD's average), the other state left out
        assert b["state"] == {k: v for k, v in a["state"].items() if k in COMPANIONS[b["run"]]}
    assert {r["status"] for r in only if r["type"] == "end"} == {"completed", "diverged"}
    assert len(points.content) * 4 < len(whole.content)
    assert points.headers["etag"] != whole.headers["etag"]


def test_fields_is_checked_by_name(client: httpx.Client) -> None:
    r = client.post("/api/trajectory?fields=paths", json=CONFIG)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["detail"]] == ["fields"]
    assert client.post("/api/trajectory?fields=all", json=CONFIG).status_code == 200


def test_fields_is_documented(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/trajectory"]["post"]
    (param,) = [p for p in post["parameters"] if p["name"] == "fields"]
    assert param["in"] == "query" and "points" in param["description"]
    assert "PointsRecord" in spec["components"]["schemas"]
