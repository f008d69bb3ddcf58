"""The cost model (app/engine/cost.py) and the budget check: legitimate maximum requests fit,
amplified ones are refused naming what costs most and what would fit."""

from __future__ import annotations

from typing import Any

import pytest

from app.api.deps import validate_request
from app.config import Settings
from app.engine.config import validate_config
from app.engine.cost import block_steps, schedule_size, trajectory_cost
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES
from tests.bad_inputs import LAMBDA_999, MIN_459, amplified_schedule

SETTINGS = Settings()
SW = {"line_search_fn": "strong_wolfe"}


def _runs() -> list[dict[str, Any]]:
    """Every optimizer once with its defaults, L-BFGS also with its line search, Lookahead
    around Adam and around L-BFGS, SAM around Adam (two gradients a step)."""
    runs: list[dict[str, Any]] = [{"optimizer": name} for name in OPTIMIZERS
                                  if not OPTIMIZERS[name].wraps]
    runs.append({"optimizer": "lbfgs", "params": SW})
    runs.append({"optimizer": "lookahead", "inner": {"optimizer": "adam"}})
    runs.append({"optimizer": "lookahead", "inner": {"optimizer": "lbfgs", "params": SW}})
    runs.append({"optimizer": "sam", "inner": {"optimizer": "adam"}})
    return runs


def _surfaces() -> list[tuple[dict[str, Any], int | None]]:
    """Every catalog surface at its default size, the data ones also with mini-batches."""
    out: list[tuple[dict[str, Any], int | None]] = [({"name": name}, None) for name in SURFACES]
    out += [({"name": name}, 8) for name, spec in SURFACES.items() if spec.kind == "data"]
    return out


def _schedules() -> list[dict[str, Any] | None]:
    """No schedule and every schedule with its defaults (composites with their children), not
    cycling momentum (L-BFGS has none to cycle)."""
    return [None, *({"name": name, "params": {"cycle_momentum": False}}
                    if SCHEDULES[name].cycles_momentum else {"name": name}
                    for name in SCHEDULES)]


def _max_request(surface: dict[str, Any], batch: int | None, run: dict[str, Any],
                 schedule: dict[str, Any] | None) -> dict[str, Any]:
    one = {**run, **({"schedule": schedule} if schedule else {})}
    return {"surface": surface, "batch_size": batch, "steps": 10_000, "runs": [one] * 8}


def _costliest_schedule() -> dict[str, Any]:
    costs = [(trajectory_cost(validate_config(_max_request({"name": "rosenbrock"}, None,
                                                          {"optimizer": "sgd"}, s))).seconds, s)
             for s in _schedules() if s is not None]
    return max(costs, key=lambda c: c[0])[1]


@pytest.mark.parametrize("surface,batch", _surfaces(),
                         ids=lambda v: v["name"] if isinstance(v, dict) else str(v))
def test_every_optimizer_at_the_maximum_fits_on_every_surface(
        surface: dict[str, Any], batch: int | None) -> None:
    """8 runs x 10 000 steps of any optimizer, with the costliest ordinary schedule."""
    schedule = _costliest_schedule()
    for run in _runs():
        config = validate_request(_max_request(surface, batch, run, schedule), SETTINGS)
        assert trajectory_cost(config).seconds <= SETTINGS.cost_budget_s


@pytest.mark.parametrize("schedule", _schedules(),
                         ids=lambda s: s["name"] if s else "none")
def test_every_schedule_at_the_maximum_fits_with_the_costliest_run(
        schedule: dict[str, Any] | None) -> None:
    """Each ordinary schedule with L-BFGS's line search on the costliest default surfaces."""
    for surface, batch in (({"name": "logistic_regression"}, None),
                           ({"name": "logistic_regression"}, 8), ({"name": "ackley"}, None)):
        for run in ({"optimizer": "lbfgs", "params": SW},
                    {"optimizer": "lookahead", "inner": {"optimizer": "lbfgs", "params": SW}}):
            validate_request(_max_request(surface, batch, run, schedule), SETTINGS)


def _refusal(body: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        validate_request(body, SETTINGS)
    return caught.value


@pytest.mark.parametrize("runs", [1, 8])
def test_an_amplified_schedule_is_refused_naming_its_cost(runs: int) -> None:
    body = {"steps": 10_000, "runs": [{"optimizer": "adam", "schedule": amplified_schedule()}]
            * runs}
    error = _refusal(body)
    assert error.field == "runs[0].schedule"
    assert "per step" in error.message and "32 schedulers" in error.message
    assert "budget of 25 s" in error.message and "steps would fit" in error.message


def test_a_long_formula_surface_is_refused_naming_its_cost() -> None:
    error = _refusal({"steps": 10_000, "surface": {"expression": MIN_459},
                      "runs": [{"optimizer": "adam"}] * 8})
    assert error.field == "runs[0]"
    assert "formula of" in error.message and "steps would fit" in error.message


def test_what_would_fit_does_fit() -> None:
    body = {"steps": 10_000, "runs": [{"optimizer": "adam", "schedule": amplified_schedule(4)}]
            * 8}
    fit = int(_refusal(body).message.rpartition("at most ")[2].split()[0])
    validate_request({**body, "steps": fit}, SETTINGS)


def test_the_formula_nodes_of_a_schedule_tree_are_capped() -> None:
    body = {"steps": 10, "runs": [{"optimizer": "adam", "schedule": amplified_schedule()}]}
    error = _refusal(body)
    assert error.field == "runs[0].schedule" and "at most 2000" in error.message
    assert schedule_size(validate_config(body)["runs"][0]["schedule"]) == (32, 31 * 499)
    assert len(LAMBDA_999) == 999


def test_the_budget_is_a_setting() -> None:
    small = Settings(cost_budget_s=0.01)
    with pytest.raises(ConfigError, match="budget of 10 ms"):
        validate_request({"steps": 10_000, "runs": [{"optimizer": "adam"}] * 8}, small)


def test_blocks_are_sized_by_cost() -> None:
    assert block_steps(5e-6, 0.02, 500, 50) == (50, 500)  # cheap: the configured sizes
    assert block_steps(1e-3, 0.02, 500, 50) == (20, 20)
    assert block_steps(1.0, 0.02, 500, 50) == (1, 1)


def test_map_blocks_are_sized_by_cost() -> None:
    from app.engine.cost import map_block

    def block(surface: str, optimizer: str) -> int:
        config = validate_config({"surface": {"name": surface}, "steps": 500,
                                  "runs": [{"optimizer": optimizer}]})
        return map_block(config, 0, 0.08, 8192)

    assert block("rosenbrock", "adam") == 8192  # cheap: the configured block
    assert 1 <= block("logistic_regression", "adam") < 1000
    assert 1 <= block("rosenbrock", "lbfgs") < 100  # stepped cell by cell


def test_the_formula_memo_is_bounded_by_its_nodes() -> None:
    from app.engine.expression import _Memo

    memo = _Memo(100)
    assert [memo.get(i, lambda i=i: (i * 2, 7)) for i in range(50)] == [i * 2 for i in range(50)]
    assert memo._total <= 100 and len(memo._items) == 100 // 7
    assert memo.get(49, lambda: (None, 1)) == 98  # the newest are kept
    assert memo.get("huge", lambda: ("v", 1000)) == "v" and "huge" not in memo._items
