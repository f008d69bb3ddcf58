"""POST /api/trajectory?digits=N, and the first screen's answer prepared at startup.

The page shows the loss, lr, gradient and state with 4 significant digits, so it asks for them
rounded to 9 (the catalog's ``limits.page_digits``): its first answer travels in about half the
bytes. The paths (x, y and the companion paths) are never rounded, and without ``digits`` every
number is exact. The first screen's answer, the same for every visitor, is made at startup and
served at brotli's best quality.
"""

from __future__ import annotations

import time
from typing import Any

import brotli
import httpx
import numpy as np
from fastapi.testclient import TestClient

from app.api.rounding import PAGE_DIGITS, significant
from app.lessons import FIRST_SCREEN
from app.main import create_app
from tests.api_helpers import records_of

CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 400,
    "runs": [{"optimizer": "adam", "params": {"lr": 0.05}},
             {"optimizer": "sgd", "params": {"lr": 1e-3, "momentum": 0.9},
              "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 300}}},
             {"optimizer": "asgd", "params": {"lr": 2e-3, "t0": 10}},
             {"optimizer": "sgd_schedulefree", "params": {"lr": 0.01}}],
}
COMPANIONS = [set(), set(), {"ax"}, {"y", "z"}]  # each run's path quantities: never rounded


def significant_digits(v: float) -> int:
    """How many significant digits the shortest round-trip text of ``v`` has."""
    mantissa = repr(float(v)).lower().split("e")[0].lstrip("-").replace(".", "")
    return len(mantissa.lstrip("0").rstrip("0"))


def series(record: dict[str, Any], companions: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A steps record's series as (exact paths, rounded series), by name."""
    paths = {"x": record["x"], "y": record["y"]}
    rest = {k: record[k] for k in ("loss", "lr", "grad_x", "grad_y")}
    for name, value in record["state"].items():
        target = paths if name in companions else rest
        target[f"{name}.x"], target[f"{name}.y"] = value["x"], value["y"]
    for name, value in record["factors"].items():
        rest[name] = value
    return paths, rest


def test_digits_rounds_every_series_but_the_paths(client: httpx.Client) -> None:
    exact = client.post("/api/trajectory", json=CONFIG)
    rounded = client.post(f"/api/trajectory?digits={PAGE_DIGITS}", json=CONFIG)
    assert exact.status_code == rounded.status_code == 200
    full, short = records_of(exact.content), records_of(rounded.content)
    assert short[0] == full[0] and len(short) == len(full)
    changed = 0
    for a, b in zip(full[1:], short[1:], strict=True):
        if a["type"] != "steps":
            assert a == b
            continue
        paths_a, rest_a = series(a, COMPANIONS[a["run"]])
        paths_b, rest_b = series(b, COMPANIONS[a["run"]])
        assert paths_b == paths_a  # the paths to the last bit
        for name, values in rest_a.items():
            want, got = np.asarray(values), np.asarray(rest_b[name])
            assert np.array_equal(got, significant(want, PAGE_DIGITS)), name
            assert np.all(np.abs(got - want) <= 5e-9 * np.abs(want)), name
            assert all(significant_digits(v) <= PAGE_DIGITS for v, w in zip(got, want, strict=True)
                       if v != w), name
            changed += int(np.sum(got != want))
    assert changed > 1000
    assert len(rounded.content) < 0.75 * len(exact.content)
    assert rounded.headers["etag"] != exact.headers["etag"]


def test_digits_is_checked_by_name_and_documented(client: httpx.Client) -> None:
    for bad in ("5", "18", "nine"):
        r = client.post(f"/api/trajectory?digits={bad}", json=CONFIG)
        assert r.status_code == 422, bad
        assert [d["field"] for d in r.json()["detail"]] == ["digits"]
    post = client.get("/openapi.json").json()["paths"]["/api/trajectory"]["post"]
    (param,) = [p for p in post["parameters"] if p["name"] == "digits"]
    assert param["in"] == "query" and "paths" in param["description"]
    assert client.get("/api/catalog").json()["limits"]["page_digits"] == PAGE_DIGITS


def test_significant_rounds_to_the_nearest_short_decimal() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.standard_normal(20_000) * 10.0 ** rng.integers(-16, 32, 20_000),
                             10.0 ** np.arange(-14.0, 30.0),
                             np.nextafter(10.0 ** np.arange(-14.0, 30.0), 0.0),
                             [0.0, -0.0, 5e-324, 1e300, -2.5, 0.1 + 0.2]])
    for digits in (6, 9, 12):
        out = significant(values, digits)
        moved = out != values
        assert moved.sum() > 15_000
        bound = 0.5 * 10.0 ** (1 - digits) * np.abs(values[moved])
        assert np.all(np.abs(out - values)[moved] <= bound)
        assert all(significant_digits(v) <= digits for v in out[moved])
        assert np.array_equal(np.signbit(out), np.signbit(values))
    assert np.array_equal(significant(values, 17), values)


def test_the_first_screen_answer_is_prepared_at_its_best() -> None:
    """The page's first request with no query is answered whole at brotli's best quality,
    with exactly the bytes the stream would send."""
    app = create_app()
    with TestClient(app) as c:  # the lifespan prepares it in a thread
        deadline = time.monotonic() + 60
        while not getattr(app.state, "warm_answers", None) and time.monotonic() < deadline:
            time.sleep(0.05)
        config = c.get(f"/api/config?{FIRST_SCREEN}").json()["config"]
        url = f"/api/trajectory?digits={PAGE_DIGITS}"
        warm = c.post(url, json=config, headers={"Accept-Encoding": "br"})
        identity = c.post(url, json=config, headers={"Accept-Encoding": "identity"})
        app.state.warm_answers = {}
        streamed = c.post(url, json=config, headers={"Accept-Encoding": "br"})
        plain = c.post(url, json=config, headers={"Accept-Encoding": "identity"})
    assert warm.status_code == streamed.status_code == 200
    assert warm.headers["content-encoding"] == streamed.headers["content-encoding"] == "br"
    assert warm.headers["etag"] == streamed.headers["etag"]
    assert warm.content == streamed.content == identity.content == plain.content
    quick = brotli.compress(plain.content, quality=1)  # as a stream is compressed
    assert int(warm.headers["content-length"]) < 0.85 * len(quick)


def test_a_server_whose_limits_refuse_the_first_screen_prepares_nothing() -> None:
    from app.api.routes.trajectory import first_screen_answer
    from app.config import Settings

    assert first_screen_answer(Settings(max_steps=100)) is None
    assert first_screen_answer(Settings()) is not None
