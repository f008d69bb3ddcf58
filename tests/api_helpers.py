"""Helpers shared by the API tests: strict JSON and checks of a trajectory stream."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import httpx
from pydantic import TypeAdapter

from app.api.schemas import TrajectoryRecord

RECORD = TypeAdapter(TrajectoryRecord)
SERIES = ("x", "y", "loss", "lr", "grad_x", "grad_y")


def _refuse(name: str) -> Any:
    raise AssertionError(f"non-standard JSON constant {name} in a response")


def strict_json(text: str | bytes) -> Any:
    """Parse standard JSON only: NaN / Infinity in a response fail the test."""
    return json.loads(text, parse_constant=_refuse)


def records_of(body: bytes, schema: TypeAdapter[Any] = RECORD) -> list[dict[str, Any]]:
    """The NDJSON lines of a stream, each parsed strictly and checked against the schema (a
    trajectory record unless another is given)."""
    assert body.endswith(b"\n")
    records = [strict_json(line) for line in body.split(b"\n")[:-1]]
    for record in records:
        schema.validate_python(record)
    return records


def check_stream(records: list[dict[str, Any]], config: dict[str, Any], first_block: int = 50,
                 block_size: int = 500) -> dict[int, dict[str, Any]]:
    """Assert the stream's shape and order; returns each run's concatenated series."""
    assert records[0]["type"] == "start"
    assert records[0]["config"] == config
    assert all(r["type"] != "start" for r in records[1:])
    runs: dict[int, dict[str, Any]] = {
        i: {"next": 1, "ended": False, "blocks": 0, **{k: [] for k in SERIES}, "state": {}}
        for i in range(len(config["runs"]))
    }
    for record in records[1:]:
        run = runs[record["run"]]
        assert not run["ended"], "a record after its run's end"
        if record["type"] == "steps":
            n = len(record["x"])
            assert n >= 1
            assert record["first"] == run["next"], "blocks must be consecutive"
            assert n <= (first_block if run["blocks"] == 0 else block_size)
            for key in SERIES:
                assert len(record[key]) == n
                assert all(isinstance(v, float) and math.isfinite(v) for v in record[key])
                run[key] += record[key]
            for name, xy in record["state"].items():
                assert set(xy) == {"x", "y"} and len(xy["x"]) == len(xy["y"]) == n
                run["state"].setdefault(name, {"x": [], "y": []})
                run["state"][name]["x"] += xy["x"]
                run["state"][name]["y"] += xy["y"]
            run["next"] += n
            run["blocks"] += 1
        else:
            assert record["type"] == "end"
            assert record["steps"] == run["next"] - 1
            if record["status"] == "completed":
                assert record["steps"] == config["steps"]
            run["ended"] = True
    assert all(run["ended"] for run in runs.values()), "every run ends"
    assert records[-1]["type"] == "end"
    return runs


def health(url: str) -> dict[str, Any]:
    """A real server's /healthz answer (its stream counters)."""
    return httpx.get(f"{url}/healthz", timeout=10.0).json()


def wait_idle(url: str, timeout: float = 10.0) -> dict[str, Any]:
    """Wait until no stream is active on the server (or ``timeout``); its last /healthz."""
    deadline = time.monotonic() + timeout
    while True:
        body = health(url)
        if body["active_streams"] == 0 or time.monotonic() > deadline:
            return body
        time.sleep(0.02)
