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

The long race follows the headline's protocol (bench/engine.py: ``torch_families``): every
registered optimizer runs 1000 steps on Rosenbrock from (-1.2, 1.0) and the reference computes the
loss itself with torch autograd on each step (``(1 - p0)**2 + 100*(p1 - p0**2)**2``, then
``backward()``, then ``step()``, as a torch user does); SAM gets its second gradient from autograd
in its closure, L-BFGS evaluates its closure itself, Schedule-Free is put in ``train()`` mode, as
the harness does. The hyperparameters are those of the optimizer's first fixture case on Rosenbrock
whose engine run completes all 1000 steps, else its defaults with the lr of :data:`CHOSEN`; the
bench prints which. The reference is built by the harness's constructors (``make_torch_optimizer``
for a torch fixture case, ``Reference.build`` for a case of the reference fixtures); where an
optimizer has both, the reference package is preferred to the harness's own transcription in
torch ops (Lion: lion-pytorch rather than tests/torch_reference.py's ``Lion``).

The batch figure steps many runs of each optimizer together through the vectorised core
(``Simulation``), from starts scattered around its case's start: run-steps per second.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
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
from bench.common import best_of

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


def _torch_fixture_cases() -> Iterator[dict[str, Any]]:
    """The torch fixtures' cases on an analytic surface with no schedule, noise or
    mini-batches (the ones a race can step by hand)."""
    for name in TORCH_FILES:
        path = FIXTURES / name
        if not path.exists():
            continue
        for case in json.loads(path.read_text())["cases"]:
            cfg = case["config"]
            if not ("name" not in cfg["surface"] or cfg["runs"][0].get("schedule")
                    or cfg.get("noise") or cfg.get("batch_size")):
                yield case


def _torch_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, validated configuration) of the torch fixtures a race can step, run to the end."""
    for case in _torch_fixture_cases():
        if case["steps"] == case["config"]["steps"]:
            yield case["id"], validate_config(case["config"])


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
    """Each race timed on both sides (best of ``repeats``, the engine's and the reference's
    runs alternating), summed per family in FAMILIES' order."""
    out = {name: FamilyTimes(name, members={}) for name in FAMILIES}
    for race in all_races:
        engine, reference = math.inf, math.inf
        for _ in range(repeats):  # interleaved: both sides sample the same stretch of load
            t0 = time.perf_counter()
            run(race.config)
            t1 = time.perf_counter()
            race.reference()
            t2 = time.perf_counter()
            engine, reference = min(engine, t1 - t0), min(reference, t2 - t1)
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


# ---------------------------------------------------------------- the long race (autograd)
LONG_STEPS = 1000
LONG_START = [-1.2, 1.0]
CHOSEN: dict[str, dict[str, Any]] = {
    "radam": {"lr": 0.005},  # as the headline (0.01 diverges at step 4)
    "dadapt_sgd": {"lr": 0.5},  # its case's lr 1.0: autograd's path parts and diverges
}
"""Hyperparameters of the optimizers without a fixture case on Rosenbrock that completes 1000
steps from (-1.2, 1.0): their defaults with this lr (the engine's names)."""


def _rosenbrock_loss(p: Any, index: tuple[tuple[int, ...], tuple[int, ...]]) -> Any:
    """The Rosenbrock loss in torch ops on the parameter's two entries (as torch_families)."""
    p0, p1 = p[index[0]], p[index[1]]
    return (1 - p0) ** 2 + 100 * (p1 - p0 ** 2) ** 2


def autograd_reference(build: Callable[[Any], Any], shape: tuple[int, ...], steps: int,
                       mode: str, train: bool) -> Callable[[], list[float]]:
    """A torch user's loop: build the optimizer over the start, then each step the loss in
    torch ops, ``backward()`` and ``step()`` (``mode`` "sam": ``step(closure)`` after the first
    backward, the closure computing the second gradient; "closure": ``step(closure)`` alone,
    the optimizer evaluating it, as L-BFGS does)."""
    import torch

    index = ((0,), (1,)) if len(shape) == 1 else ((0, 0), (0, 1))

    def go() -> list[float]:
        p = torch.tensor(LONG_START, dtype=torch.float64).reshape(shape).requires_grad_(True)
        opt = build(p)
        if train:
            with contextlib.redirect_stdout(io.StringIO()):  # the reference classes print modes
                opt.train()

        def closure() -> Any:
            p.grad = None  # what zero_grad() does (set_to_none); Lookahead has no zero_grad
            loss = _rosenbrock_loss(p, index)
            loss.backward()
            return loss

        for _ in range(steps):
            if mode == "closure":
                opt.step(closure)
                continue
            p.grad = None
            loss = _rosenbrock_loss(p, index)
            loss.backward()
            if mode == "sam":
                opt.step(closure)
            else:
                opt.step()
        return p.detach().reshape(-1).tolist()  # where it ended

    return go


def _long_config(run_cfg: dict[str, Any]) -> dict[str, Any] | None:
    """The validated 1000-step Rosenbrock configuration of a run, or None if it is refused."""
    try:
        return validate_config({"surface": {"name": "rosenbrock"}, "start": LONG_START,
                                "steps": LONG_STEPS, "runs": [run_cfg]})
    except ConfigError:
        return None


def _mode(run_cfg: dict[str, Any]) -> str:
    """How the reference steps: "closure" for L-BFGS (alone or inner), "sam", else "step"."""
    names = (run_cfg["optimizer"], (run_cfg.get("inner") or {}).get("optimizer"))
    return "closure" if "lbfgs" in names else "sam" if "sam" in names else "step"


def _torch_long(run_cfg: dict[str, Any]) -> tuple[Callable[[Any], Any], tuple[int, ...], bool]:
    """make_torch_optimizer's builder for a validated run; whether it is a package's class
    (not one of tests/torch_reference.py's transcriptions in torch ops)."""
    import torch

    from tests.torch_reference import make_torch_optimizer

    probe = make_torch_optimizer(run_cfg, torch.zeros(2, dtype=torch.float64,
                                                      requires_grad=True))
    return (lambda p: make_torch_optimizer(run_cfg, p)), (2,), \
        type(probe).__module__ != "tests.torch_reference"


def _long_candidates() -> Iterator[tuple[str, str, dict[str, Any], Callable[[Any], Any],
                                         tuple[int, ...], tuple[str, ...], bool]]:
    """(optimizer, source, validated config, builder, shape, packages, is a package's class)
    of every fixture case on Rosenbrock, in fixture order."""
    from tests.reference_optimizers import reference_for

    for case in _torch_fixture_cases():
        if case["config"]["surface"] != {"name": "rosenbrock"}:
            continue
        config = _long_config(case["config"]["runs"][0])
        if config is None:
            continue
        run_cfg = config["runs"][0]
        try:
            build, shape, packaged = _torch_long(run_cfg)
        except ValueError:
            continue
        yield run_cfg["optimizer"], case["id"], config, build, shape, ("torch",), packaged
    data = json.loads((FIXTURES / NEXT_FILE).read_text())
    for case in data["cases"]:
        ours = _engine_run(case)
        if ours is None or case["surface"] != "rosenbrock":
            continue
        config = _long_config(ours)
        if config is None:
            continue
        ref = reference_for(case["optimizer"], case.get("package"))
        packages = [ref.package]
        inner = case.get("inner")
        if inner:
            packages.append(reference_for(inner["optimizer"]).package)

        def build(p: Any, ref: Any = ref, case: dict[str, Any] = case) -> Any:
            return ref.build(p, case["params"], case.get("inner"))

        yield case["optimizer"], case["id"], config, build, ref.shape, tuple(packages), True


def _chosen(name: str) -> tuple[dict[str, Any], Callable[[Any], Any], tuple[int, ...],
                                 tuple[str, ...]] | None:
    """An optimizer's defaults with its chosen lr, and the reference's builder."""
    if name not in CHOSEN:
        return None
    from tests.reference_optimizers import REFERENCES

    config = _long_config({"optimizer": name, "params": dict(CHOSEN[name])})
    if config is None:
        return None
    if name in REFERENCES:
        ref = REFERENCES[name]
        return (config, lambda p: ref.build(p, CHOSEN[name]), ref.shape, (ref.package,))
    build, shape, _ = _torch_long(config["runs"][0])
    return config, build, shape, ("torch",)


def _reference_completes(race: Race) -> bool:
    """Whether the reference's own run (autograd's gradient, rounded unlike the surface's
    analytic one) also ends at a finite point: a chaotic run may part from the engine's and
    diverge, and a fair race steps finite numbers on both sides."""
    return all(math.isfinite(v) for v in race.reference())


def long_races(check_reference: bool = True) -> tuple[list[Race], list[str]]:
    """One race per registered optimizer under the headline's protocol (1000 steps on
    Rosenbrock, the reference's loss and gradient by torch autograd), and a line for each
    optimizer that could not be raced, saying why. ``Race.case`` says where the hyperparameters
    come from (a fixture case's id, or "defaults" with CHOSEN's lr); both sides run to the end
    (the reference's side is run once to check it, unless ``check_reference`` is False: the
    test of this selection runs the engine only)."""
    if not _importable("torch"):
        return [], ["every reference needs torch: not installed (pip install -e '.[reference]')"]
    picked: dict[str, tuple[bool, Race]] = {}
    missing: dict[str, str] = {}

    def race(name: str, source: str, config: dict[str, Any], build: Callable[[Any], Any],
             shape: tuple[int, ...]) -> Race:
        run_cfg = config["runs"][0]
        go = autograd_reference(build, shape, LONG_STEPS, _mode(run_cfg),
                                name.endswith("_schedulefree"))
        return Race(name, OPTIMIZERS[name].family, source, config, go)

    for name, source, config, build, shape, packages, packaged in _long_candidates():
        if name not in OPTIMIZERS or (name in picked and (picked[name][0] or not packaged)):
            continue  # kept: the first completing case, a package's class over a transcription
        absent = sorted(p for p in packages if not _importable(p))
        if absent:
            missing.setdefault(name, f"reference package {', '.join(absent)} not importable")
            continue
        one = race(name, source, config, build, shape)
        if _completes(config) and (not check_reference or _reference_completes(one)):
            picked[name] = (packaged, one)
    for name in OPTIMIZERS:
        if name in picked:
            continue
        chosen = _chosen(name)
        if chosen is None:
            continue
        config, build, shape, packages = chosen
        absent = sorted(p for p in packages if not _importable(p))
        if absent:
            missing.setdefault(name, f"reference package {', '.join(absent)} not importable")
        else:
            one = race(name, f"defaults, lr={CHOSEN[name].get('lr'):g}", config, build, shape)
            if _completes(config) and (not check_reference or _reference_completes(one)):
                picked[name] = (True, one)
            else:
                missing[name] = f"its defaults with lr {CHOSEN[name]['lr']} do not complete"
    notes = [f"{name}: skipped, {missing.get(name, 'no Rosenbrock case completing 1000 steps')}"
             for name in OPTIMIZERS if name not in picked]
    return [picked[name][1] for name in OPTIMIZERS if name in picked], notes
