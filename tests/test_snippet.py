"""The Python snippet (app.snippet) and GET /api/snippet: a script that reproduces the runs."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.address.codec import encode
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.links import PageOptions
from app.snippet import literal, minimal_config, snippet
from tests.api_helpers import records_of

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "",
    "surface=rosenbrock&start=-1.5,2&steps=250&r0=adam,lr=0.01,amsgrad=true"
    "&r1=sgd,lr=0.001,momentum=0.9&r1.schedule=OneCycleLR,max_lr=0.01"
    "&r2=lookahead,k=4&r2.inner=rmsprop,lr=0.003&r2.label=%C3%A9t%C3%A9%20%22slow%22",
    "expr=x**2%2B10*y**2&start=2,1&steps=80&noise=0.3&seed=77&r0=lbfgs,lr=0.5"
    "&r1=sgd,lr=0.1&r1.schedule=SequentialLR,milestones=20"
    "&r1.schedule.0=LinearLR,start_factor=0.1,total_iters=20&r1.schedule.1=ExponentialLR,gamma=0.95",
    "surface=logistic_regression&batch_size=8&noise=0.1&steps=120&r0=adam,lr=0.05",
    "surface=himmelblau&start=4,4&steps=50&r0=sgd,lr=2",  # diverges
]
# Run each script in turn in one interpreter; print what run() gave, as the stream spells it.
RUNNER = """
import json, sys
out = []
for text in json.load(sys.stdin):
    ns = {"__name__": "snippet"}
    exec(compile(text, "snippet.py", "exec"), ns)
    out.append([{
        "status": r.status, "steps": r.steps, "x": r.x.tolist(), "y": r.y.tolist(),
        "loss": r.loss.tolist(), "lr": r.lr.tolist(), "grad_x": r.grad_x.tolist(),
        "grad_y": r.grad_y.tolist(),
        "state": {k: {"x": v[:, 0].tolist(), "y": v[:, 1].tolist()} for k, v in r.state.items()},
    } for r in ns["result"].runs])
    assert type(ns["fig"]).__name__ == "Figure"
print("=====")
print(json.dumps(out))
"""


def stream_runs(client: httpx.Client, query: str) -> list[dict[str, Any]]:
    """The runs of GET /api/trajectory?query, blocks joined: status, steps and every series."""
    response = client.get(f"/api/trajectory?{query}")
    assert response.status_code == 200, response.text
    records = records_of(response.content)
    runs: list[dict[str, Any]] = [
        {"status": None, "steps": 0, **{k: [] for k in ("x", "y", "loss", "lr", "grad_x",
                                                          "grad_y")}, "state": {}}
        for _ in records[0]["config"]["runs"]
    ]
    for rec in records[1:]:
        run = runs[rec["run"]]
        if rec["type"] == "end":
            run["status"], run["steps"] = rec["status"], rec["steps"]
            continue
        for key in ("x", "y", "loss", "lr", "grad_x", "grad_y"):
            run[key] += rec[key]
        for name, xy in rec["state"].items():
            target = run["state"].setdefault(name, {"x": [], "y": []})
            target["x"] += xy["x"]
            target["y"] += xy["y"]
    return runs


def test_snippets_reproduce_the_stream_exactly(client: httpx.Client) -> None:
    texts = []
    for query in QUERIES:
        response = client.get(f"/api/snippet?{query}")
        assert response.status_code == 200, response.text
        texts.append(response.text)
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(texts), cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    printed, _, data = done.stdout.partition("=====\n")
    got = json.loads(data)
    for query, runs in zip(QUERIES, got, strict=True):
        assert runs == stream_runs(client, query), query
    assert "run 0 (adam): completed, 300 steps, last point [" in printed
    assert "diverged" in printed and "run 2 (été \"slow\")" in printed


def test_the_script_holds_the_canonical_config_without_defaults(client: httpx.Client) -> None:
    for query in QUERIES:
        text = client.get(f"/api/snippet?{query}").text
        compile(text, "snippet.py", "exec")
        assign = next(node for node in ast.parse(text).body if isinstance(node, ast.Assign)
                      and node.targets[0].id == "config")  # type: ignore[attr-defined]
        written = ast.literal_eval(assign.value)
        start = records_of(client.get(f"/api/trajectory?{query}").content)[0]
        assert validate_config(written) == start["config"]
        assert f"    ?{start['query']}\n" in text
        assert max(len(line) for line in text.splitlines() if not line.startswith("    ?")) <= 99
    default = ast.literal_eval(snippet({}).split("config = ", 1)[1].split("\n\n", 1)[0])
    assert default == {"surface": {"name": "rosenbrock"},
                       "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}


def test_minimal_config_keeps_canonical_types() -> None:
    config = validate_config({"steps": 20, "runs": [{"optimizer": "sgd", "params": {"lr": 1}}]})
    short = minimal_config(config)
    assert short["runs"][0]["params"] == {"lr": 1.0}
    assert type(short["runs"][0]["params"]["lr"]) is float and short["steps"] == 20
    assert validate_config(short) == config and encode(validate_config(short)) == encode(config)


@pytest.mark.parametrize("value", [
    {"a": [1.0, -0.0, 1e-300, 0.1 + 0.2, 2**53 + 1], "b": {"c": None, "d": True}},
    ["tab\there", 'quote " and \\ backslash', "é ü 中文 \u2028", ""],
    {"long": [{"key": "x" * 30, "n": k / 7} for k in range(8)]},
])
def test_literal_reads_back_exactly(value: Any) -> None:
    text = literal(value)
    assert ast.literal_eval(text) == value
    assert repr(ast.literal_eval(text)) == repr(value)  # -0.0 and float digits too


def test_page_keys_become_figure_arguments() -> None:
    text = snippet("http://h/?r0=adam&r1=sgd&p.log=1&p.sel=1&p.colors=2,5&p.off=0"
                   "&p.qoff=v_hat&p.step=9&p.lang=zh")
    call = text[text.index("fig = figure("):]
    assert ast.parse(call).body[0].value.keywords  # type: ignore[attr-defined]
    for part in ("log_loss=True", "state_run=1", "colors=[2, 5]", "hidden=[0]",
                 'hidden_quantities=["v_hat"]'):
        assert part in call
    assert "fig = figure(result)\n" in snippet("r0=adam&p.sel=0&p.colors=0,1")
    assert snippet("r0=adam", page=PageOptions(log=True)).count("log_loss=True") == 1


def test_get_snippet_is_python_with_cache_headers(client: httpx.Client) -> None:
    query = "surface=himmelblau&r0=adam,lr=0.1&r1=sgd&p.log=1"
    response = client.get(f"/api/snippet?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/x-python; charset=utf-8"
    assert response.text == snippet(query)
    etag = response.headers["etag"]
    assert response.headers["cache-control"].startswith("public, max-age=")
    again = client.get(f"/api/snippet?{query}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"/api/snippet?{query.replace('0.1', '0.2')}")
    assert other.headers["etag"] != etag


@pytest.mark.parametrize("query", [
    "r0=adam,beta1=1.5",
    "surface=nowhere",
    "r0=adam&bogus=1",
    "steps=0",
    "r1=adam",
    "expr=x**",
    "r0=adam,lr=abc",
])
def test_get_snippet_refuses_what_get_trajectory_refuses(client: httpx.Client, query: str) -> None:
    snippet_answer = client.get(f"/api/snippet?{query}")
    trajectory_answer = client.get(f"/api/trajectory?{query}")
    assert snippet_answer.status_code == trajectory_answer.status_code == 422
    assert snippet_answer.json() == trajectory_answer.json()
    assert snippet_answer.json()["detail"][0]["field"]


def test_get_snippet_applies_the_servers_limits(make_client: Any) -> None:
    small = make_client(max_steps=100)
    response = small.get("/api/snippet?steps=500&r0=adam")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "steps"
    long_query = "r0=adam&r0.label=" + "x" * 20_000
    assert small.get(f"/api/snippet?{long_query}").status_code == 422


def test_snippet_is_documented(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()["paths"]["/api/snippet"]["get"]
    assert "text/x-python" in doc["responses"]["200"]["content"]
    assert "422" in doc["responses"] and doc["tags"] == ["export"]


MAP_QUERIES = [
    "surface=himmelblau&steps=60&noise=0.2&seed=3&r0=sgd,lr=0.01,momentum=0.9&r1=adam,lr=0.1"
    "&hmap.x=lr,0.001,0.5,log,7&hmap.y=beta1,0.5,0.99,beta,5&hmap.run=1"
    "&hmap.metric=steps_to_threshold&hmap.threshold=0.5"
    "&basin.cells=9,6&basin.view=-5,5,-4,4.5&basin.color=final_loss&p.colors=2,3",
    "surface=rosenbrock&steps=80&r0=sgd,lr=0.001,momentum=0.5"
    "&hmap.x=lr,0.0001,0.1,log,6&hmap.y=momentum,0,0.99,linear,4",  # diverging cells
    "expr=(x**2-1)**2%2B(y-0.5)**2&start=0.2,0&steps=150&r0=adam,lr=0.05&basin.cells=10",
]
# Run each script; print its maps as the stream spells them (NaN and -1 steps as null).
MAP_RUNNER = """
import json, math, sys
out = []
for text in json.load(sys.stdin):
    ns = {"__name__": "snippet"}
    exec(compile(text, "snippet.py", "exec"), ns)
    maps = {}
    for kind, name, fig in (("hyper", "hmap", "hyper_fig"), ("basin", "basins", "basin_fig")):
        if name not in ns:
            continue
        m = ns[name]
        assert type(ns[fig]).__name__ == "Figure"
        rows = {}
        for q, v in m.values.items():
            if v.dtype.kind == "f":
                rows[q] = [[None if math.isnan(c) else c for c in r] for r in v.tolist()]
            elif q == "basin":
                rows[q] = v.tolist()
            else:
                rows[q] = [[None if c < 0 else c for c in r] for r in v.tolist()]
        maps[kind] = {"map": m.map, "x": m.x.tolist(), "y": m.y.tolist(), "rows": rows,
                      "basins": m.basins}
    out.append(maps)
print(json.dumps(out))
"""


def stream_map(client: httpx.Client, kind: str, query: str) -> dict[str, Any]:
    """GET /api/map/<kind>?query: the start record's map and axes, each quantity's rows joined,
    the minima listed."""
    response = client.get(f"/api/map/{kind}?{query}")
    assert response.status_code == 200, response.text
    records = [json.loads(line) for line in response.text.splitlines()]
    start = records[0]
    rows: dict[str, list[Any]] = {}
    basins: list[Any] = []
    for rec in records:
        if rec["type"] == "rows":
            for name, value in rec.items():
                if name == "basins":
                    basins += value
                elif isinstance(value, list):
                    rows.setdefault(name, []).extend(value)
    assert records[-1] == {"type": "end", "status": "completed"}
    return {"map": start["map"], "x": start["x"], "y": start["y"], "rows": rows,
            "basins": basins, "query": start["query"]}


def test_snippets_with_maps_reproduce_the_map_streams_exactly(client: httpx.Client) -> None:
    texts = []
    for query in MAP_QUERIES:
        response = client.get(f"/api/snippet?{query}")
        assert response.status_code == 200, response.text
        texts.append(response.text)
        compile(response.text, "snippet.py", "exec")
        assert max(len(line) for line in response.text.splitlines()
                   if not line.startswith("    ?")) <= 99
    done = subprocess.run([sys.executable, "-c", MAP_RUNNER], input=json.dumps(texts), cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    for query, text, maps in zip(MAP_QUERIES, texts, got, strict=True):
        kinds = [k for k, p in (("hyper", "hmap."), ("basin", "basin.")) if f"&{p}" in query]
        assert list(maps) == kinds, query
        for kind in kinds:
            stream = stream_map(client, kind, query)
            streamed = {q: stream["rows"][q] for q in stream["rows"]}
            assert {q: maps[kind]["rows"][q] for q in streamed} == streamed, (query, kind)
            assert {k: maps[kind][k] for k in ("map", "x", "y", "basins")} == \
                {k: stream[k] for k in ("map", "x", "y", "basins")}, (query, kind)
            # the script's link: the configuration's keys, then each map's, as the API wrote them
            link = next(line for line in text.splitlines() if line.startswith("    ?"))
            prefix = "&hmap." if kind == "hyper" else "&basin."
            config_keys, _, map_keys = stream["query"].partition(prefix)
            assert link.startswith(f"    ?{config_keys}&") and map_keys in link
    assert any(not b["known"] for b in got[2]["basin"]["basins"])  # minima found by the runs
    assert "hyper_fig = map_figure(hmap, colors=[2, 3])" in texts[0]
    assert 'basin_spec = {"cells": [9, 6], "view": [-5.0, 5.0, -4.0, 4.5], "color": ' \
           '"final_loss"}' in texts[0]
    assert '"run": 1,' in texts[0] and '"threshold": 0.5' in texts[0]
    assert "from app.engine.maps import hyper_map\n" in texts[1]
    assert "basins.basins" in texts[2] and "hyper_map" not in texts[2]


def test_snippet_map_specs_leave_defaults_out() -> None:
    text = snippet("r0=adam&hmap.x=lr,0.001,0.5,log,8&hmap.y=beta1,0.5,0.99,beta,6"
                   "&basin.cells=16")
    hyper = ast.literal_eval(text.split("hyper_spec = ", 1)[1].split("\nhmap", 1)[0])
    assert hyper == {"x": {"param": "lr", "min": 0.001, "max": 0.5, "scale": "log", "cells": 8},
                     "y": {"param": "beta1", "min": 0.5, "max": 0.99, "scale": "beta",
                           "cells": 6}}
    assert 'basin_spec = {"cells": 16}\n' in text
    config = {"runs": [{"optimizer": "adam"}]}
    assert snippet(config, maps={"basin": {"cells": [8, 8]}}) == snippet("r0=adam&basin.cells=8")
    assert "map_figure" not in snippet(config)


@pytest.mark.parametrize(("query", "field"), [
    ("r0=adam&hmap.x=lr,-1,1,log,4&hmap.y=beta1", "hmap.x"),
    ("r0=adam&hmap.x=lr&hmap.y=beta1&hmap.bogus=1", "hmap.bogus"),
    ("r0=adam&basin.cells=999", "basin.cells"),
    ("r0=adam&basin.color=loss", "basin.color"),
])
def test_get_snippet_refuses_what_get_map_refuses(client: httpx.Client, query: str,
                                                   field: str) -> None:
    kind = "basin" if "basin." in query else "hyper"
    snippet_answer = client.get(f"/api/snippet?{query}")
    map_answer = client.get(f"/api/map/{kind}?{query}")
    assert snippet_answer.status_code == map_answer.status_code == 422
    assert snippet_answer.json() == map_answer.json()
    assert snippet_answer.json()["detail"][0]["field"] == field
    with pytest.raises(ConfigError) as info:
        snippet(query)
    assert info.value.field == field
