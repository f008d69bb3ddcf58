"""The data view's mini-batch plan is exactly the batches the runner draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine import runner
from app.engine.config import validate_config
from app.engine.minibatches import data_view


def _drawn_batches(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The batches the first run really draws, step by step."""
    seen: list[list[int]] = []
    original = runner.Simulation.next_batch

    def spy(self: runner.Simulation) -> np.ndarray | None:
        idx = original(self)
        if idx is not None and len(seen) < config["steps"]:
            seen.append([int(i) for i in idx])
        return idx

    monkeypatch.setattr(runner.Simulation, "next_batch", spy)
    runner.run({**config, "runs": config["runs"][:1]})
    return seen


@pytest.mark.parametrize("surface", ["linear_regression", "logistic_regression"])
@pytest.mark.parametrize(("batch", "noise", "optimizer"), [
    (8, 0.0, "sgd"), (1, 0.3, "adam"), (5, 0.0, "rmsprop"), (24, 0.2, "sgd"),
])
def test_plan_matches_the_runner(surface: str, batch: int, noise: float, optimizer: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = validate_config({"surface": {"name": surface}, "steps": 150, "batch_size": batch,
                              "noise": noise, "seed": 7, "runs": [{"optimizer": optimizer}]})
    view = data_view(config)
    drawn = _drawn_batches(config, monkeypatch)
    b, per = view["batch_size"], view["per_epoch"]
    planned = [view["epochs"][t // per][(t % per) * b:(t % per + 1) * b] for t in range(150)]
    assert planned == drawn
    assert view["covers_steps"] == 150
    assert len(view["x"]) == view["n_samples"] == 64


def test_full_batch_and_plain_surfaces() -> None:
    full = validate_config({"surface": {"name": "linear_regression"},
                            "runs": [{"optimizer": "sgd"}]})
    view = data_view(full)
    assert view["batch_size"] is None and view["epochs"] == []
    plain = validate_config({"surface": {"name": "rosenbrock"}, "runs": [{"optimizer": "sgd"}]})
    assert data_view(plain) is None


def test_the_plan_is_bounded() -> None:
    config = validate_config({"surface": {"name": "linear_regression",
                                          "params": {"n_samples": 1024}},
                              "steps": 10000, "batch_size": 512, "runs": [{"optimizer": "sgd"}]})
    view = data_view(config, max_indices=20_000)
    assert sum(len(e) for e in view["epochs"]) <= 20_000
    assert view["covers_steps"] == len(view["epochs"]) * view["per_epoch"] < 10000


def test_the_api_serves_the_data_view(client: Any) -> None:
    resp = client.get("/api/data?surface=logistic_regression&batch_size=4&steps=40&r0=sgd")
    assert resp.status_code == 200
    body = resp.json()
    assert body["kind"] == "classification" and set(body["y"]) <= {0.0, 1.0}
    assert body["per_epoch"] == 16 and len(body["epochs"]) == 3
    bad = client.get("/api/data?surface=rosenbrock&r0=sgd")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "surface"
    assert client.get("/api/data?surface=linear_regression&r0=nope").status_code == 422
