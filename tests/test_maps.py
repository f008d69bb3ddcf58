"""Hyperparameter and basin maps: every cell is the single run of its configuration, bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.maps import (
    DIVERGED,
    MapProgress,
    MapRows,
    basin_map,
    cell_run,
    hyper_map,
    iter_hyper_map,
    validate_basin_map,
    validate_hyper_map,
)
from app.engine.runner import run

ROSEN = {"name": "rosenbrock"}

# (surface, run, x axis, y axis, extra config): one per optimizer family, plus schedules, noise,
# mini-batches and a wrapper. Small grids, short runs: the point is exact equality.
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("adam lr x beta1", {"optimizer": "adam"},
     {"param": "lr", "min": 1e-3, "max": 0.5}, {"param": "beta1", "min": 0.5, "max": 0.99}, {}),
    ("amsgrad beta1 x beta2", {"optimizer": "adam", "params": {"amsgrad": True, "lr": 0.05}},
     {"param": "beta1", "min": 0.0, "max": 0.95}, {"param": "beta2", "min": 0.9, "max": 0.9999,
                                                   "scale": "beta"}, {}),
    ("adamw wd x lr", {"optimizer": "adamw"},
     {"param": "weight_decay", "min": 0.0, "max": 0.5}, {"param": "lr", "min": 1e-3, "max": 0.1},
     {}),
    ("nesterov lr x momentum", {"optimizer": "sgd", "params": {"nesterov": True,
                                                               "momentum": 0.9}},
     {"param": "lr", "min": 1e-4, "max": 3e-3}, {"param": "momentum", "min": 0.1, "max": 0.99},
     {}),
    ("rmsprop alpha x eps", {"optimizer": "rmsprop", "params": {"centered": True, "lr": 0.01}},
     {"param": "alpha", "min": 0.5, "max": 0.999}, {"param": "eps", "min": 1e-8, "max": 1e-2},
     {}),
    ("adagrad lr x lr_decay", {"optimizer": "adagrad"},
     {"param": "lr", "min": 0.01, "max": 1.0}, {"param": "lr_decay", "min": 0.0, "max": 0.1}, {}),
    ("adadelta rho x lr", {"optimizer": "adadelta"},
     {"param": "rho", "min": 0.5, "max": 0.99}, {"param": "lr", "min": 0.1, "max": 10.0}, {}),
    ("nadam beta1 x momentum_decay", {"optimizer": "nadam", "params": {"lr": 0.02}},
     {"param": "beta1", "min": 0.5, "max": 0.99},
     {"param": "momentum_decay", "min": 1e-4, "max": 0.5}, {}),
    ("radam beta2 x lr", {"optimizer": "radam"},
     {"param": "beta2", "min": 0.9, "max": 0.9999}, {"param": "lr", "min": 1e-3, "max": 0.1},
     {}),
    ("adamax beta1 x beta2", {"optimizer": "adamax", "params": {"lr": 0.05}},
     {"param": "beta1", "min": 0.5, "max": 0.99}, {"param": "beta2", "min": 0.9, "max": 0.999},
     {}),
    ("adabound final_lr x gamma", {"optimizer": "adabound", "params": {"lr": 0.01}},
     {"param": "final_lr", "min": 0.01, "max": 1.0}, {"param": "gamma", "min": 1e-4,
                                                      "max": 0.1}, {}),
    ("lion lr x beta1", {"optimizer": "lion"},
     {"param": "lr", "min": 1e-4, "max": 0.05}, {"param": "beta1", "min": 0.5, "max": 0.99}, {}),
    ("lookahead alpha x inner lr",
     {"optimizer": "lookahead", "params": {"k": 3},
      "inner": {"optimizer": "adam", "params": {"lr": 0.05}}},
     {"param": "alpha", "min": 0.1, "max": 0.9}, {"param": "lr", "min": 1e-3, "max": 0.2}, {}),
    ("lookahead alpha x inner lr, rmsprop's own alpha",
     {"optimizer": "lookahead", "params": {"k": 4},
      "inner": {"optimizer": "rmsprop", "params": {"alpha": 0.9, "momentum": 0.5}}},
     {"param": "alpha", "min": 0.1, "max": 0.9}, {"param": "lr", "min": 1e-3, "max": 0.05},
     {}),
    ("lookahead around lbfgs", {"optimizer": "lookahead", "params": {"k": 3},
                                "inner": {"optimizer": "lbfgs",
                                          "params": {"line_search_fn": "strong_wolfe"}}},
     {"param": "alpha", "min": 0.2, "max": 0.8}, {"param": "lr", "min": 0.05, "max": 1.0}, {}),
    ("lbfgs lr x tolerance_change", {"optimizer": "lbfgs",
                                     "params": {"line_search_fn": "strong_wolfe"}},
     {"param": "lr", "min": 0.05, "max": 1.0},
     {"param": "tolerance_change", "min": 1e-12, "max": 1e-6}, {}),
    ("lbfgs line search with noise", {"optimizer": "lbfgs",
                                      "params": {"line_search_fn": "strong_wolfe"}},
     {"param": "lr", "min": 0.05, "max": 1.0},
     {"param": "tolerance_change", "min": 1e-12, "max": 1e-6}, {"noise": 0.3, "seed": 2}),
    ("adam with one-cycle beta1 and noise",
     {"optimizer": "adam", "schedule": {"name": "OneCycleLR", "params": {}}},
     {"param": "lr", "min": 1e-3, "max": 0.3}, {"param": "beta2", "min": 0.9, "max": 0.999},
     {"noise": 0.5, "seed": 7}),
    ("sgd plateau on a mini-batched data surface",
     {"optimizer": "sgd", "params": {"momentum": 0.5},
      "schedule": {"name": "ReduceLROnPlateau", "params": {"patience": 2}}},
     {"param": "lr", "min": 1e-3, "max": 0.5}, {"param": "momentum", "min": 0.0, "max": 0.95},
     {"surface": {"name": "linear_regression"}, "batch_size": 8, "seed": 3}),
]


def _config(run_cfg: dict[str, Any], extra: dict[str, Any], steps: int = 60) -> dict[str, Any]:
    return validate_config({"surface": ROSEN, "steps": steps, "runs": [run_cfg], **extra})


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_cell_is_the_single_run_bit_for_bit(case: tuple[Any, ...]) -> None:
    _, run_cfg, x, y, extra = case
    config = _config(run_cfg, extra)
    threshold = 0.5
    result = hyper_map(config, {"x": {**x, "cells": 4}, "y": {**y, "cells": 3},
                                "threshold": threshold})
    base = config["runs"][0]
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            cell = cell_run(base, {x["param"]: xv, y["param"]: yv})
            single = run({**config, "runs": [cell]}).runs[0]
            final = result.values["final_loss"][j, i]
            diverged = result.values["diverged"][j, i]
            if single.status == "diverged":
                assert diverged == single.steps + 1
                assert np.isnan(final)
            else:
                assert diverged == -1
                assert final == single.loss[-1]  # exact, not approximately
            below = np.flatnonzero(single.loss <= threshold)
            assert result.values["reach"][j, i] == (below[0] + 1 if below.size else -1)


def test_a_map_with_diverging_cells_marks_them_at_the_single_runs_step() -> None:
    config = _config({"optimizer": "sgd"}, {}, steps=40)
    result = hyper_map(config, {"x": {"param": "lr", "min": 1e-4, "max": 0.05, "cells": 5},
                                "y": {"param": "momentum", "min": 0.0, "max": 0.9,
                                      "cells": 2}})
    diverged = result.values["diverged"]
    assert (diverged > 0).any() and (diverged == -1).any()
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            single = run({**config, "runs": [cell_run(config["runs"][0],
                                                      {"lr": xv, "momentum": yv})]}).runs[0]
            expected = single.steps + 1 if single.status == "diverged" else -1
            assert diverged[j, i] == expected


def test_axes_span_their_range_exactly_with_the_requested_spacing() -> None:
    result = hyper_map(_config({"optimizer": "adam"}, {}, steps=2),
                       {"x": {"param": "lr", "min": 1e-4, "max": 1.0, "cells": 5},
                        "y": {"param": "beta2", "min": 0.9, "max": 0.9999, "scale": "beta",
                              "cells": 3}})
    assert result.x.tolist() == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0], rel=1e-12)
    assert (result.x[0], result.x[-1]) == (1e-4, 1.0)
    assert result.y.tolist() == pytest.approx([0.9, 1 - 10**-2.5, 0.9999],
                                            rel=1e-12)
    assert result.map["x"]["scale"] == "log"  # lr's catalog scale is the default


def test_basin_cells_are_single_runs_from_the_cell_centres() -> None:
    config = validate_config({"surface": {"name": "himmelblau"}, "steps": 80,
                              "runs": [{"optimizer": "adam", "params": {"lr": 0.1}}]})
    result = basin_map(config, {"cells": [5, 4]})
    assert [b["kind"] for b in result.basins] == ["global"] * 4
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            single = run({**config, "start": [xv, yv]}).runs[0]
            assert result.values["end_x"][j, i] == single.x[-1]
            assert result.values["end_y"][j, i] == single.y[-1]
            assert result.values["final_loss"][j, i] == single.loss[-1]
            basin = result.basins[result.values["basin"][j, i]]
            assert np.hypot(basin["x"] - single.x[-1], basin["y"] - single.y[-1]) < 0.3


def test_basins_of_a_formula_are_found_by_the_runs_themselves() -> None:
    config = validate_config({"surface": {"expression": "(x**2 - 1)**2 + y**2",
                                          "view": [-2, 2, -1, 1]},
                              "steps": 300, "runs": [{"optimizer": "sgd",
                                                      "params": {"lr": 0.05}}]})
    result = basin_map(config, {"cells": [8, 3]})
    assert sorted(round(b["x"], 3) for b in result.basins) == [-1.0, 1.0]
    assert all(b["kind"] == "found" for b in result.basins)
    left = result.basins[result.values["basin"][0, 0]]
    right = result.basins[result.values["basin"][0, -1]]
    assert (round(left["x"]), round(right["x"])) == (-1, 1)


def test_basin_map_marks_divergence() -> None:
    config = validate_config({"surface": ROSEN, "steps": 50,
                              "runs": [{"optimizer": "sgd", "params": {"lr": 0.01}}]})
    result = basin_map(config, {"cells": 6})
    assert (result.values["basin"] == DIVERGED).any()
    assert np.isnan(result.values["final_loss"][result.values["basin"] == DIVERGED]).all()


def test_progress_is_monotone_and_rows_cover_the_grid() -> None:
    config = _config({"optimizer": "adam"}, {}, steps=40)
    spec = validate_hyper_map({"x": {"param": "lr", "cells": 16},
                               "y": {"param": "beta1", "cells": 12}}, config)
    items = list(iter_hyper_map(config, spec, block_cells=64))
    done = [i.done for i in items if isinstance(i, MapProgress)]
    assert done == sorted(done) and done[-1] == 16 * 12 * 40
    assert all(i.total == 16 * 12 * 40 for i in items if isinstance(i, MapProgress))
    rows = [i for i in items if isinstance(i, MapRows)]
    assert [r.first for r in rows] == [0, 4, 8]
    assert sum(r.count for r in rows) == 12
    # progress arrives inside a block, before that block's rows
    assert isinstance(items[0], MapProgress) and items[0].done < 4 * 16 * 40


def test_closing_the_generator_stops_the_work() -> None:
    config = _config({"optimizer": "adam"}, {}, steps=100)
    spec = validate_hyper_map({"x": {"param": "lr", "cells": 32},
                               "y": {"param": "beta1", "cells": 32}}, config)
    items = iter_hyper_map(config, spec, block_cells=128)
    first = next(items)
    assert isinstance(first, MapProgress) and first.done < first.total
    items.close()
    assert next(items, None) is None


@pytest.mark.parametrize(("spec", "field"), [
    ({"x": {"param": "lr"}, "y": {"param": "nope"}}, "map.y.param"),
    ({"x": {"param": "lr"}, "y": {"param": "lr"}}, "map.y.param"),
    ({"x": {"param": "lr"}, "y": {"param": "amsgrad"}}, "map.y.param"),
    ({"x": {"param": "lr", "cells": 129}, "y": {"param": "beta1"}}, "map.x.cells"),
    ({"x": {"param": "lr", "cells": 1}, "y": {"param": "beta1"}}, "map.x.cells"),
    ({"x": {"param": "lr", "min": 0, "scale": "log"}, "y": {"param": "beta1"}}, "map.x.min"),
    ({"x": {"param": "lr", "min": 1, "max": 0.1}, "y": {"param": "beta1"}}, "map.x.max"),
    ({"x": {"param": "lr"}, "y": {"param": "beta1", "max": 1.0}}, "map.y.max"),
    ({"x": {"param": "lr", "min": float("nan")}, "y": {"param": "beta1"}}, "map.x.min"),
    ({"x": {"param": "lr"}, "y": {"param": "beta1"}, "metric": "best"}, "map.metric"),
    ({"x": {"param": "lr"}, "y": {"param": "beta1"}, "run": 3}, "map.run"),
    ({"x": {"param": "lr"}, "y": {"param": "beta1"}, "threshold": float("inf")},
     "map.threshold"),
    ({"x": {"param": "lr"}, "y": {"param": "beta1"}, "colour": 1}, "map.colour"),
    ({"x": "lr", "y": {"param": "beta1"}}, "map.x"),
])
def test_bad_hyper_maps_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_hyper_map(spec, _config({"optimizer": "adam"}, {}))
    assert info.value.field == field


def test_map_limits_steps_and_cross_field_rules() -> None:
    with pytest.raises(ConfigError) as info:
        validate_hyper_map({"x": {"param": "lr"}, "y": {"param": "beta1"}},
                           _config({"optimizer": "adam"}, {}, steps=1001))
    assert info.value.field == "steps"
    nesterov = _config({"optimizer": "sgd", "params": {"nesterov": True, "momentum": 0.9}}, {})
    with pytest.raises(ConfigError) as info:
        validate_hyper_map({"x": {"param": "lr"}, "y": {"param": "momentum", "min": 0.0,
                                                        "max": 0.9}}, nesterov)
    assert info.value.field == "map.y" and "momentum" in info.value.message
    lbfgs = _config({"optimizer": "lbfgs"}, {}, steps=1000)
    with pytest.raises(ConfigError) as info:
        validate_hyper_map({"x": {"param": "lr", "cells": 128},
                            "y": {"param": "tolerance_grad", "cells": 128}}, lbfgs)
    assert info.value.field == "map.x.cells"


@pytest.mark.parametrize(("spec", "field"), [
    ({"cells": 257}, "map.cells"),
    ({"cells": [10]}, "map.cells"),
    ({"cells": [10, 300]}, "map.cells[1]"),
    ({"view": [1, 0, 0, 1]}, "map.view"),
    ({"color": "red"}, "map.color"),
    ({"run": -1}, "map.run"),
])
def test_bad_basin_maps_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_basin_map(spec, _config({"optimizer": "adam"}, {}))
    assert info.value.field == field


def test_basin_defaults_fill_in() -> None:
    config = _config({"optimizer": "adam"}, {})
    spec = validate_basin_map({}, config)
    assert spec == {"run": 0, "cells": [128, 128], "view": config["surface"]["view"],
                    "color": "minimum"}


def test_costly_surfaces_get_fewer_cells_times_steps() -> None:
    long_formula = "+".join(f"sin({i}*x+y)*exp(-x**2/{i + 1})" for i in range(30))
    for surface in ({"name": "logistic_regression"}, {"expression": long_formula}):
        config = validate_config({"surface": surface, "steps": 300,
                                  "runs": [{"optimizer": "adam"}]})
        with pytest.raises(ConfigError) as info:
            validate_basin_map({"cells": 256}, config)
        assert info.value.field == "map.cells" and "at most" in info.value.message
        with pytest.raises(ConfigError) as info:
            validate_hyper_map({"x": {"param": "lr", "cells": 128},
                                "y": {"param": "beta1", "cells": 128}}, config)
        assert info.value.field == "map.x.cells"
        validate_basin_map({"cells": 32}, config)  # a smaller map is fine
    cheap = validate_config({"surface": {"name": "rosenbrock"}, "steps": 1000})
    assert validate_basin_map({"cells": 256}, cheap)["cells"] == [256, 256]


def test_integers_too_large_for_a_double_are_refused_by_name() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"runs": [{"optimizer": "adam", "params": {"lr": 10**400}}]})
    assert info.value.field == "runs[0].params.lr"
    with pytest.raises(ConfigError) as info:
        validate_hyper_map({"x": {"param": "lr", "min": 10**400}, "y": {"param": "beta1"}},
                           _config({"optimizer": "adam"}, {}))
    assert info.value.field == "map.x.min"


def test_an_lbfgs_basin_map_on_a_kinked_formula_completes_cell_for_cell() -> None:
    """Its strong-Wolfe line searches meet equal slopes (the cubic interpolation divided by
    zero and the map failed); every cell is still its single run, bit for bit."""
    config = validate_config({"surface": {"expression": "abs(x) + abs(y)"}, "steps": 30,
                              "runs": [{"optimizer": "lbfgs",
                                        "params": {"line_search_fn": "strong_wolfe"}}]})
    result = basin_map(config, {"cells": [8, 8]})
    assert (result.values["basin"] != DIVERGED).all()
    for j, yv in enumerate(result.y.tolist()):
        for i, xv in enumerate(result.x.tolist()):
            single = run({**config, "start": [xv, yv]}).runs[0]
            assert single.status == "completed"
            assert result.values["end_x"][j, i] == single.x[-1]
            assert result.values["end_y"][j, i] == single.y[-1]
            assert np.isfinite(single.x).all() and np.isfinite(single.y).all()
