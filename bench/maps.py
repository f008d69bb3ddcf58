"""Map speed (not a test): the two maps issue 5 names, on one core, from one process.

    python bench/maps.py [--repeats N] [--json]

1. A 128 x 128 lr x beta1 Adam hyperparameter map x 500 steps on Rosenbrock. Target: within 2 s.
2. A 256 x 256 basin map x 500 steps (Adam, lr 0.05, on Himmelblau's four minima). Target: 2 s.

Each is timed through the engine's streaming generator (what the API pulls), best of N, and
once more through the HTTP app in process (JSON serialisation included) for reference. NumPy's
element-wise kernels are single-threaded, so this is one core. ``--json`` prints the figures as
the last line for the benchmark runner.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.config import validate_config  # noqa: E402
from app.engine.maps import (  # noqa: E402
    iter_basin_map,
    iter_hyper_map,
    validate_basin_map,
    validate_hyper_map,
)
from bench.common import best_of  # noqa: E402

HYPER = {"config": {"surface": {"name": "rosenbrock"}, "steps": 500,
                    "runs": [{"optimizer": "adam"}]},
         "map": {"x": {"param": "lr", "min": 1e-4, "max": 1.0, "scale": "log", "cells": 128},
                 "y": {"param": "beta1", "min": 0.5, "max": 0.999, "cells": 128}}}
BASIN = {"config": {"surface": {"name": "himmelblau"}, "steps": 500,
                    "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]},
         "map": {"cells": 256}}
TARGET_S = 2.0



def engine_time(kind: str, request: dict[str, Any], repeats: int) -> float:
    """Seconds to pull the whole map from the engine's generator."""
    config = validate_config(request["config"])
    if kind == "hyper":
        spec, make = validate_hyper_map(request["map"], config), iter_hyper_map
    else:
        spec, make = validate_basin_map(request["map"], config), iter_basin_map
    return best_of(repeats, lambda: list(make(config, spec)))


def http_time(kind: str, request: dict[str, Any]) -> tuple[float, int]:
    """Seconds and bytes of the whole POST /api/map/<kind> response, in process."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    client = TestClient(create_app())
    t0 = time.perf_counter()
    response = client.post(f"/api/map/{kind}", json=request)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, response.text
    return elapsed, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args()
    figures = []
    for kind, request, label in (
        ("hyper", HYPER, "hyperparameter map 128x128 lr x beta1, Adam, 500 steps, Rosenbrock"),
        ("basin", BASIN, "basin map 256x256, Adam, 500 steps, Himmelblau"),
    ):
        cells = (128 * 128) if kind == "hyper" else 256 * 256
        cell_steps = cells * 500
        seconds = engine_time(kind, request, args.repeats)
        via_http, size = http_time(kind, request)
        print(f"{label}:")
        print(f"  engine  {seconds:6.3f} s  ({cell_steps / seconds:.3g} run-steps/s)  "
              f"target <= {TARGET_S} s: {'met' if seconds <= TARGET_S else 'NOT met'}")
        print(f"  HTTP    {via_http:6.3f} s  whole NDJSON response of {size / 1e6:.2f} MB "
              f"(in process)")
        figures += [
            {"issue": 5, "name": f"{label}: time", "value": round(seconds, 4), "unit": "s",
             "target": TARGET_S, "better": "lower"},
            {"issue": 5, "name": f"{label}: run-steps/s", "value": round(cell_steps / seconds),
             "unit": "run-steps/s", "target": None, "better": "higher"},
            {"issue": 5, "name": f"{label}: whole HTTP response", "value": round(via_http, 4),
             "unit": "s", "target": None, "better": "lower"},
        ]
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
