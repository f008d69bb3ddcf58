"""Per-family engine speed against each optimizer's reference, generic over the registry.

Every registered optimizer with a fixture case races its reference on that case's trajectory
(surface, start, hyperparameters, steps): the engine's ``run()`` against the reference harness
the tests use, which steps the reference package with the gradient of the engine's surface
written into ``.grad`` (``tests/torch_reference.py``'s ``torch_trajectory`` for the torch
fixtures, ``tests/reference_optimizers.py``'s ``reference_trajectory`` for the optimizers added
since: schedule-free, learning-rate-free, pytorch_optimizer's, SAM...). Optimizers merged later
are measured as soon as they are registered and have fixture cases; one whose reference package
is not importable is skipped with a line saying so. Times are summed per family
(``FAMILIES`` in app/engine/optimizers/base.py) and compared as a ratio (reference / engine).

The batch figure steps many runs of each optimizer together through the vectorised core
(``Simulation``), from starts scattered around its case's start: run-steps per second.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.config import build_objective, validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import FAMILIES, OPTIMIZERS
from app.engine.runner import Simulation, run

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
TORCH_FILES = ("optimizers.json", "lookahead.json")  # tests/torch_reference.py's cases
NEXT_FILE = "reference_optimizers.json"  # tests/reference_optimizers.py's cases


@dataclass
class Race:
    """One trajectory run by the engine and by the reference."""

    optimizer: str
    family: str
    case: str
    config: dict[str, Any]  # the engine's validated configuration
    reference: Callable[[], Any]


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of several timings (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _engine_run(case: dict[str, Any]) -> dict[str, Any] | None:
    """A reference case's run in the engine's names, or None when the case sets something the
    engine's optimizer does not have (a variant, a flag the engine lacks)."""
    spec = OPTIMIZERS.get(case["optimizer"])
    if spec is None or case.get("variant") or bool(case.get("inner")) != spec.wraps:
        return None
    names = {p.name for p in spec.params}
    if any(k not in names and v != case["defaults"][k] for k, v in case["params"].items()):
        return None
    out: dict[str, Any] = {"optimizer": spec.name,
                           "params": {k: v for k, v in case["params"].items() if k in names}}
    if case.get("inner"):
        inner = case["inner"]
        inner_spec = OPTIMIZERS.get(inner["optimizer"])
        if inner_spec is None or not set(inner["params"]) <= {p.name for p in inner_spec.params}:
            return None
        out["inner"] = {"optimizer": inner_spec.name, "params": dict(inner["params"])}
    return out


def _completes(config: dict[str, Any]) -> bool:
    """Whether the engine runs every step (a fair race: both sides step to the end)."""
    return run(config).runs[0].status == "completed"


def _torch_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, validated configuration) of the torch fixtures: analytic surfaces, no schedule, no
    noise or mini-batches, run to the end."""
    for name in TORCH_FILES:
        path = FIXTURES / name
        if not path.exists():
            continue
        for case in json.loads(path.read_text())["cases"]:
            cfg = case["config"]
            one = cfg["runs"][0]
            if ("name" not in cfg["surface"] or one.get("schedule") or cfg.get("noise")
                    or cfg.get("batch_size") or case["steps"] != cfg["steps"]):
                continue
            yield case["id"], validate_config(cfg)


def _next_cases() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(id, case, validated configuration) of the reference fixtures the engine can run."""
    data = json.loads((FIXTURES / NEXT_FILE).read_text())
    for case in data["cases"]:
        ours = _engine_run(case)
        if ours is None or case["steps"] != data["steps"]:
            continue
        try:
            config = validate_config({"surface": {"name": case["surface"]},
                                      "start": case["start"], "steps": case["steps"],
                                      "runs": [ours]})
        except ConfigError:
            continue
        yield case["id"], case, config


def races(per_optimizer: int) -> tuple[list[Race], list[str]]:
    """Up to ``per_optimizer`` races per registered optimizer (on different surfaces first; the
    torch fixtures where an optimizer has them, else the reference fixtures), and a line for
    each optimizer that could not be measured, saying why."""
    if not _importable("torch"):
        return [], ["every reference needs torch: not installed (pip install -e '.[reference]')"]
    from tests.reference_optimizers import reference_for, reference_trajectory
    from tests.torch_reference import torch_trajectory

    chosen: dict[str, list[Race]] = {name: [] for name in OPTIMIZERS}
    surfaces: dict[str, set[str]] = {name: set() for name in OPTIMIZERS}
    missing: dict[str, str] = {}

    def take(name: str, surface: str, config: dict[str, Any]) -> bool:
        """Whether this case adds a surface (or fills the quota) and runs to the end."""
        if name not in chosen or len(chosen[name]) >= per_optimizer:
            return False
        if surface in surfaces[name] and len(surfaces[name]) < 3:
            return False
        return _completes(config)

    for case_id, config in _torch_cases():
        name, surface = config["runs"][0]["optimizer"], config["surface"]["name"]
        if take(name, surface, config):
            surfaces[name].add(surface)
            chosen[name].append(Race(name, OPTIMIZERS[name].family, case_id, config,
                                     lambda c=config: torch_trajectory(c)))
    torch_measured = {name for name, got in chosen.items() if got}
    for case_id, case, config in _next_cases():
        name = case["optimizer"]
        if name in torch_measured:
            continue
        ref = reference_for(name, case.get("package"))
        packages = {ref.package}
        if case.get("inner"):
            packages.add(reference_for(case["inner"]["optimizer"]).package)
        absent = sorted(p for p in packages if not _importable(p))
        if absent:
            missing.setdefault(name, f"reference package {', '.join(absent)} not importable")
            continue
        if take(name, case["surface"], config):
            surfaces[name].add(case["surface"])
            chosen[name].append(Race(name, OPTIMIZERS[name].family, case_id, config,
                                     lambda c=case: reference_trajectory(
                                         c, c["start"], c["steps"], state_steps=0)))
    notes = [f"{name}: skipped, {missing.get(name, 'no fixture case it runs to the end')}"
             for name, got in chosen.items() if not got]
    return [r for got in chosen.values() for r in got], notes


@dataclass
class FamilyTimes:
    """One family's summed times and its members' own ratios."""

    family: str
    engine: float = 0.0
    reference: float = 0.0
    cases: int = 0
    members: dict[str, tuple[float, float]] | None = None

    @property
    def ratio(self) -> float:
        """Reference seconds over engine seconds."""
        return self.reference / self.engine if self.engine else float("nan")


def time_families(all_races: list[Race], repeats: int) -> list[FamilyTimes]:
    """Each race timed on both sides (best of ``repeats``), summed per family in FAMILIES'
    order."""
    out = {name: FamilyTimes(name, members={}) for name in FAMILIES}
    for race in all_races:
        engine = best_of(repeats, lambda r=race: run(r.config))
        reference = best_of(repeats, race.reference)
        fam = out[race.family]
        fam.engine += engine
        fam.reference += reference
        fam.cases += 1
        assert fam.members is not None
        e, r = fam.members.get(race.optimizer, (0.0, 0.0))
        fam.members[race.optimizer] = (e + engine, r + reference)
    return [f for f in out.values() if f.cases]


def batch_rate(config: dict[str, Any], rows: int, steps: int, repeats: int) -> float:
    """Run-steps per second of ``rows`` runs of a configuration's optimizer stepped together,
    from starts scattered around its start."""
    objective = build_objective(config["surface"])
    rng = np.random.default_rng(0)
    starts = np.asarray(config["start"], dtype=float) + rng.uniform(-0.5, 0.5, (rows, 2))

    def go() -> None:
        sim = Simulation(objective, config["runs"][0], starts, steps)
        with np.errstate(all="ignore"):
            for _ in range(steps):
                sim.step()

    return rows * steps / best_of(repeats, go)


def batch_families(all_races: list[Race], rows: int, steps: int, repeats: int
                   ) -> list[tuple[str, str, float]]:
    """(family, its slowest optimizer, that optimizer's run-steps per second) per family: each
    optimizer's first race as a batch (optimizers stepping row by row get rows / 50)."""
    first: dict[str, Race] = {}
    for race in all_races:
        first.setdefault(race.optimizer, race)
    slowest: dict[str, tuple[str, float]] = {}
    for name, race in first.items():
        by_row = OPTIMIZERS[name].by_row
        rate = batch_rate(race.config, max(1, rows // 50) if by_row else rows, steps, repeats)
        if race.family not in slowest or rate < slowest[race.family][1]:
            slowest[race.family] = (name, rate)
    return [(family, *slowest[family]) for family in FAMILIES if family in slowest]
