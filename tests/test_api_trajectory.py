"""POST / GET /api/trajectory: the stream's shape and order, GET == POST, determinism, caching."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from app import __version__
from app.address.codec import encode
from app.engine.config import validate_config
from app.engine.runner import run as run_engine
from tests.api_helpers import check_stream, records_of

CONFIG: dict[str, Any] = {
    "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 1234, "noise": 0.0,
    "seed": 0,
    "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01, "beta1": 0.9},
         "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 300}}},
        {"optimizer": "lookahead", "params": {"k": 5, "alpha": 0.5},
         "inner": {"optimizer": "sgd", "params": {"lr": 0.001, "momentum": 0.9}}},
        {"optimizer": "sgd", "params": {"lr": 0.0005},
         "schedule": {"name": "SequentialLR", "params": {
             "schedulers": [{"name": "LinearLR", "params": {"start_factor": 0.1,
                                                            "total_iters": 50}},
                            {"name": "LambdaLR", "params": {"lr_lambda": "0.999**k"}}],
             "milestones": [50]}}},
    ],
}


def post(client: httpx.Client, config: dict[str, Any]) -> httpx.Response:
    """POST a configuration and read the whole stream."""
    return client.post("/api/trajectory", json=config)


def pieces_of(client: httpx.Client, config: dict[str, Any], query: str = "") -> list[bytes]:
    """POST a configuration uncompressed and read the stream as the pieces it was sent in."""
    with client.stream("POST", f"/api/trajectory{query}", json=config,
                       headers={"Accept-Encoding": "identity"}) as r:
        assert r.status_code == 200
        return [piece for piece in r.iter_raw() if piece]


def test_stream_shape_and_order(any_client: httpx.Client) -> None:
    response = post(any_client, CONFIG)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    config = validate_config(CONFIG)
    records = records_of(response.content)
    start = records[0]
    assert start["query"] == encode(config)
    assert start["version"] == __version__
    assert start["runs"] == 3 and start["steps"] == 1234
    runs = check_stream(records, config)
    for i in range(3):
        assert len(runs[i]["x"]) == 1234
        first = next(r for r in records if r["type"] == "steps" and r["run"] == i)
        assert first["first"] == 1 and len(first["x"]) == 50  # a small first block
    blocks = [r for r in records if r["type"] == "steps"]
    assert max(len(b["x"]) for b in blocks) == 500
    assert {"exp_avg", "exp_avg_sq", "effective_lr"} <= set(runs[0]["state"])
    assert {"momentum_buffer", "slow_param"} <= set(runs[1]["state"])


def test_get_equals_post_byte_for_byte(any_client: httpx.Client) -> None:
    posted = post(any_client, CONFIG)
    query = records_of(posted.content)[0]["query"]
    got = any_client.get(f"/api/trajectory?{query}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/x-ndjson"
    assert got.content == posted.content
    assert got.headers["etag"] == posted.headers["etag"]
    validated = records_of(posted.content)[0]["config"]  # what the page holds and posts back
    assert post(any_client, validated).content == posted.content


def test_non_canonical_query_gives_the_same_stream(client: httpx.Client) -> None:
    canonical = client.get("/api/trajectory?r0=sgd,lr=0.01&steps=40")
    shuffled = client.get("/api/trajectory?steps=40&noise=0&r0=sgd,momentum=0,lr=1e-2"
                          "&surface=rosenbrock")
    assert shuffled.content == canonical.content


def test_streams_are_deterministic(any_client: httpx.Client) -> None:
    noisy = {**CONFIG, "noise": 0.5, "seed": 1234, "steps": 300}
    first = post(any_client, noisy).content
    assert post(any_client, noisy).content == first
    assert post(any_client, {**noisy, "seed": 1235}).content != first


def test_values_are_the_engines_exactly(client: httpx.Client) -> None:
    config = {**CONFIG, "steps": 700, "noise": 0.1}
    runs = check_stream(records_of(post(client, config).content), validate_config(config))
    result = run_engine(config)
    for i, trajectory in enumerate(result.runs):
        for key in ("x", "y", "loss", "lr", "grad_x", "grad_y"):
            assert np.array_equal(np.array(runs[i][key]), getattr(trajectory, key)), key
        for name, values in trajectory.state.items():
            assert np.array_equal(np.array(runs[i]["state"][name]["x"]), values[:, 0])
            assert np.array_equal(np.array(runs[i]["state"][name]["y"]), values[:, 1])


def test_get_is_cacheable_and_honours_if_none_match(client: httpx.Client) -> None:
    query = encode(validate_config(CONFIG))
    response = client.get(f"/api/trajectory?{query}")
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert response.headers["cache-control"] == "public, max-age=86400"
    again = client.get(f"/api/trajectory?{query}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak = client.get(f"/api/trajectory?{query}", headers={"If-None-Match": f"W/{etag}, \"x\""})
    assert weak.status_code == 304
    other = client.get(f"/api/trajectory?{query}&seed=1")
    assert other.headers["etag"] != etag


def test_diverging_runs_end_cleanly(client: httpx.Client) -> None:
    config = {"surface": {"name": "rosenbrock"}, "steps": 500,
              "runs": [{"optimizer": "sgd", "params": {"lr": 5.0}},
                       {"optimizer": "adam", "params": {"lr": 0.01}},
                       {"optimizer": "sgd", "params": {"lr": 0.02, "momentum": 0.99}}]}
    response = post(client, config)
    assert response.status_code == 200
    records = records_of(response.content)
    runs = check_stream(records, validate_config(config))
    ends = {r["run"]: r for r in records if r["type"] == "end"}
    assert ends[0]["status"] == "diverged" and ends[0]["steps"] < 500
    assert ends[1]["status"] == "completed" and len(runs[1]["x"]) == 500


def test_block_sizes_follow_the_settings(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(first_block=7, block_size=20)
    records = records_of(post(client, {"steps": 100, "runs": [{"optimizer": "sgd"}]}).content)
    check_stream(records, validate_config({"steps": 100, "runs": [{"optimizer": "sgd"}]}),
                 first_block=7, block_size=20)
    assert [len(r["x"]) for r in records if r["type"] == "steps"] == [7] + [20] * 4 + [13]


@pytest.mark.parametrize("raw", [
    {"surface": {"expression": "x**2 + 10*y**2 + sin(3*x)", "view": [-2, 2, -1, 1]},
     "runs": [{"optimizer": "rmsprop"}, {"optimizer": "lbfgs", "params": {"lr": 0.5}}]},
    {"surface": {"name": "logistic_regression"}, "batch_size": 8, "noise": 0.1, "steps": 120,
     "runs": [{"optimizer": "adamw", "params": {"lr": 0.05}}]},
    {"surface": {"name": "ill_conditioned", "params": {"condition_number": 100, "angle": 30}},
     "runs": [{"optimizer": "sgd", "params": {"lr": 0.01},
               "schedule": {"name": "ReduceLROnPlateau", "params": {"patience": 3}}},
              {"optimizer": "adam", "params": {"lr": 0.1},
               "schedule": {"name": "OneCycleLR"}, "label": "1cycle"}]},
])
def test_other_surfaces_and_schedules_stream(client: httpx.Client, raw: dict[str, Any]) -> None:
    response = post(client, raw)
    assert response.status_code == 200
    config = validate_config(raw)
    check_stream(records_of(response.content), config)
    again = client.get(f"/api/trajectory?{encode(config)}")
    assert again.content == response.content


def test_pulling_several_blocks_per_thread_hop_changes_no_byte(
    make_client: Callable[..., httpx.Client],
) -> None:
    one_block = make_client(pull_ms=0, compute_threads=1)
    many = make_client(pull_ms=1000, compute_threads=2)
    assert post(many, CONFIG).content == post(one_block, CONFIG).content


def test_minibatch_lbfgs_strong_wolfe_streams_to_the_end(client: httpx.Client) -> None:
    """Its line search divided by zero: the stream ended in an 'internal error' record."""
    response = client.get("/api/trajectory?surface=logistic_regression&batch_size=1&steps=300"
                          "&r0=lbfgs,line_search_fn=strong_wolfe")
    assert response.status_code == 200
    records = records_of(response.content)
    assert [r["type"] for r in records if r["type"] in ("error", "end")] == ["end"]
    assert records[-1]["status"] in ("completed", "diverged")


NON_CANONICAL = [
    "steps=40&noise=0&r0=sgd,momentum=0,lr=1e-2&surface=rosenbrock",  # defaults, order, 1e-2
    "surface=rosenbrock&steps=40&r0=sgd,lr=0.01&p.lang=zh&p.speed=4",  # the page's own keys
    "r0=sgd,lr=0.01&surface=rosenbrock&steps=40",  # another key order
    "surface=rosenbrock&steps=40&r0=sgd,lr=0.010",  # another spelling of a number
    "",  # nothing: the default configuration
]


@pytest.mark.parametrize("query", NON_CANONICAL)
def test_a_non_canonical_query_is_redirected_to_the_canonical_one(client: httpx.Client,
                                                                  query: str) -> None:
    """One URL per answer: a reverse proxy caches each configuration once."""
    response = client.get(f"/api/trajectory?{query}", follow_redirects=False)
    assert response.status_code == 308
    location = response.headers["location"]
    assert location.startswith("/api/trajectory?")
    canonical = location.split("?", 1)[1]
    assert canonical == encode(validate_config(records_of(
        client.get(location).content)[0]["config"]))
    assert "p." not in canonical
    final = client.get(location, follow_redirects=False)  # a fixed point: no second redirect
    assert final.status_code == 200
    assert final.headers["etag"] == client.get(f"/api/trajectory?{query}").headers["etag"]


def test_the_canonical_query_is_served_without_a_redirect(client: httpx.Client) -> None:
    query = encode(validate_config({**CONFIG, "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01}, "label": "a, b & c = d"},
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe"},
         "schedule": {"name": "LambdaLR", "params": {"lr_lambda": "0.99**k + min(1, k/10)"}}}],
        "surface": {"expression": "x**2 + 10*y**2 - 3*x*y"}}))
    response = client.get(f"/api/trajectory?{query}", follow_redirects=False)
    assert response.status_code == 200 and records_of(response.content)[0]["query"] == query


def test_no_redirect_when_the_canonical_query_would_not_be_a_fixed_point(
        client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard against sending a client round in circles: served at the asked URL instead."""
    import app.api.routes.trajectory as route
    from app.engine.errors import ConfigError

    def broken(query: str) -> dict[str, Any]:
        raise ConfigError("r0", "cannot read it back")

    monkeypatch.setattr(route, "decode", broken)
    response = client.get("/api/trajectory?steps=40&r0=sgd,lr=0.01", follow_redirects=False)
    assert response.status_code == 200 and records_of(response.content)[-1]["type"] == "end"


def test_a_cheap_stream_comes_whole_when_whole_ms_is_set(
    make_client: Callable[..., httpx.Client],
) -> None:
    """With whole_ms, a stream estimated within it is one piece (the page draws it once); the
    records are the same as without it."""
    config = {"surface": {"name": "rosenbrock"}, "steps": 300,
              "runs": [{"optimizer": "adam", "params": {"lr": 0.05}},
                       {"optimizer": "sgd", "params": {"lr": 0.001}}]}
    bodies = []
    for whole in (15.0, 0.0):
        pieces = pieces_of(make_client(whole_ms=whole), config)
        assert (len(pieces) == 1) == (whole > 0)
        bodies.append(b"".join(pieces))
    assert bodies[0] == bodies[1]


def test_a_cheap_answer_of_points_comes_whole_by_default(
    make_client: Callable[..., httpx.Client],
) -> None:
    """An answer of points only (the page following the pointer) estimated within
    points_whole_ms is one piece by default, every series still streams in pieces, and an
    answer of points too costly for it streams too; the records are the same either way."""
    cheap = {"surface": {"name": "rosenbrock"}, "steps": 300,
             "runs": [{"optimizer": "adam", "params": {"lr": 0.05}},
                      {"optimizer": "sgd", "params": {"lr": 0.001}}]}
    costly = {**cheap, "steps": 6000}
    default, off = make_client(), make_client(points_whole_ms=0.0)
    whole = pieces_of(default, cheap, "?fields=points")
    assert len(whole) == 1
    assert len(pieces_of(default, cheap)) > 1  # every series: first blocks early
    assert len(pieces_of(default, costly, "?fields=points")) > 1
    streamed = pieces_of(off, cheap, "?fields=points")
    assert len(streamed) > 1 and b"".join(streamed) == whole[0]
    assert {r["type"] for r in records_of(whole[0])} == {"start", "points", "end"}
