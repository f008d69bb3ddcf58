"""The schedules after transformers' get_*_schedule functions: recorded fixtures replayed,
vectorisation, the run's steps filling an empty num_training_steps, validation errors naming
their field, their place in configs, links and the exported script, and (when transformers is
importable) live random comparisons."""

from __future__ import annotations

import inspect
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.address.codec import decode, encode
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.runner import run
from app.engine.schedules import SCHEDULES, ParamGroup, build_scheduler, validate_schedule
from app.snippet import snippet
from tests.test_schedules import MAKER, assert_close, run_engine

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "tests" / "fixtures" / "schedules_transformers.json").read_text())
CASES = DATA["cases"]
NEW = list(MAKER.TRANSFORMERS)


def _s(name: str, **params: Any) -> dict[str, Any]:
    """A schedule config."""
    return {"name": name, "params": params}


# ------------------------------------------------------------------------------------------------
# Fixtures recorded from transformers


def test_fixtures_cover_every_transformers_schedule() -> None:
    """The fixture says which versions made it and exercises each schedule several times."""
    assert DATA["torch_version"].startswith("2.13.0") and DATA["transformers_version"]
    assert set(NEW) <= set(SCHEDULES)
    counts = {name: 0 for name in NEW}

    def walk(spec: dict[str, Any]) -> None:
        """Count the transformers schedules in a schedule tree."""
        if spec["name"] in counts:
            counts[spec["name"]] += 1
        for child in spec.get("params", {}).get("schedulers", []):
            walk(child)

    for case in CASES:
        walk(case["schedule"])
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixture_reproduced(case: dict[str, Any]) -> None:
    """Every recorded lr (and momentum, cycled by a OneCycleLR beside) is reproduced to 1e-12
    (bit for bit in practice)."""
    lrs, moms = run_engine(case["schedule"], case["lr"], case["steps"], case["optimizer"])
    assert_close(lrs[:, 0], case["expected_lr"])
    if "expected_momentum" in case:
        assert_close(moms[:, 0], case["expected_momentum"])
    else:
        assert np.all(moms == 0.9)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vectorised_and_scalar_groups_equal_per_run(case: dict[str, Any]) -> None:
    """B runs with different lrs give each run's own lrs; one run on floats gives the same bits
    (PolynomialWithWarmupLR divides by each run's own lr)."""
    base = case["lr"]
    lrs_in = np.array([base, base * 0.3, base * 3.7])
    lrs, _ = run_engine(case["schedule"], lrs_in, case["steps"], case["optimizer"])
    for b in range(3):
        one, _ = run_engine(case["schedule"], lrs_in[b], case["steps"], case["optimizer"])
        np.testing.assert_array_equal(lrs[:, b], one[:, 0])
    group = ParamGroup(base, momentum=0.9, momentum_name="momentum", scalar=True)
    scheduler = build_scheduler(case["schedule"], group, case["steps"])
    got = [group.lr]
    for _ in range(case["steps"]):
        scheduler.step()
        assert type(group.lr) is float
        got.append(group.lr)
    assert np.array(got).tobytes() == lrs[:, 0].tobytes()


# ------------------------------------------------------------------------------------------------
# The engine's conventions


@pytest.mark.parametrize("name", [n for n in NEW if n != "InverseSqrtLR"])
def test_empty_training_steps_is_the_run_or_the_phase(name: str) -> None:
    """num_training_steps left empty is the run's steps, inside SequentialLR its phase's."""
    n = 240
    got = run_engine(_s(name), 0.1, n)[0]
    np.testing.assert_array_equal(got, run_engine(_s(name, num_training_steps=n), 0.1, n)[0])
    seq = _s("SequentialLR", schedulers=[_s("ConstantLR"), _s(name)], milestones=[40])
    explicit = _s("SequentialLR", schedulers=[_s("ConstantLR"),
                                              _s(name, num_training_steps=n - 40)],
                  milestones=[40])
    np.testing.assert_array_equal(run_engine(seq, 0.1, n)[0], run_engine(explicit, 0.1, n)[0])


def test_the_lr_chart_shapes() -> None:
    """What a student sees: a ramp from 0, a flat stage at the base lr, a decay to the floor."""
    lrs = run_engine(_s("WarmupStableDecay", num_warmup_steps=30, num_decay_steps=60,
                        min_lr_ratio=0.1), 0.2, 300)[0][:, 0]
    assert lrs[0] == pytest.approx(0.02) and np.all(np.diff(lrs[:31]) > 0)
    assert np.all(lrs[30:240] == 0.2)
    assert np.all(np.diff(lrs[240:301]) <= 0) and lrs[300] == pytest.approx(0.02)
    inv = run_engine(_s("InverseSqrtLR", num_warmup_steps=10), 1.0, 400)[0][:, 0]
    assert inv[0] == 0.0 and inv[10] == 1.0 and inv[40] == pytest.approx(0.5)
    assert np.all(inv[1:] > 0) and np.all(np.diff(inv[10:]) < 0)


def test_defaults_equal_transformers_defaults() -> None:
    """Every parameter is a keyword of transformers' function, with its default where it has
    one (num_training_steps is the run's steps where transformers requires it)."""
    optimization = pytest.importorskip("transformers.optimization")
    ours_only = {"num_training_steps", "num_warmup_steps", "num_decay_steps"}
    for name, function in MAKER.TRANSFORMERS.items():
        signature = inspect.signature(getattr(optimization, function))
        for param in SCHEDULES[name].params:
            assert param.name in signature.parameters, (name, param.name)
            default = signature.parameters[param.name].default
            if default is inspect.Parameter.empty or param.name in ours_only:
                continue
            assert param.default == default, (name, param.name, param.default, default)


# ------------------------------------------------------------------------------------------------
# Validation errors name the field


INVALID = [
    (_s("LinearWithWarmupLR", num_warmup_steps=-1), "params.num_warmup_steps"),
    (_s("LinearWithWarmupLR", num_training_steps=0), "params.num_training_steps"),
    (_s("CosineWithWarmupLR", num_cycles=-0.5), "params.num_cycles"),
    (_s("PolynomialWithWarmupLR", power=-1.0), "params.power"),  # 0 ** -1 divides by zero
    (_s("PolynomialWithWarmupLR", lr_end=-1e-3), "params.lr_end"),
    (_s("PolynomialWithWarmupLR", num_warmup_steps=50, num_training_steps=50),
     "params.num_training_steps"),  # a decay of zero steps: transformers divides by zero
    (_s("InverseSqrtLR", timescale=0), "params.timescale"),
    (_s("WarmupStableDecay", decay_type="exponential"), "params.decay_type"),
    (_s("WarmupStableDecay", warmup_type="sqrt"), "params.warmup_type"),
    (_s("WarmupStableDecay", min_lr_ratio=1.5), "params.min_lr_ratio"),
    (_s("WarmupStableDecay", num_stable_steps=2.5), "params.num_stable_steps"),
    (_s("WarmupStableDecay", warmup_steps=3), "params.warmup_steps"),
    (_s("SequentialLR", schedulers=[_s("LinearLR"), _s("InverseSqrtLR", timescale=-2)],
        milestones=[5]), "params.schedulers[1].params.timescale"),
]


@pytest.mark.parametrize("spec, field", INVALID, ids=[f for _, f in INVALID])
def test_invalid_config_names_field(spec: dict[str, Any], field: str) -> None:
    """Every invalid setting is a ConfigError naming the exact field."""
    with pytest.raises(ConfigError) as err:
        validate_schedule(spec, field="runs[0].schedule", total_steps=100)
    assert err.value.field == f"runs[0].schedule.{field}", str(err.value)


def test_lr_end_must_be_below_the_runs_lr() -> None:
    """As transformers refuses lr_end >= the optimizer's lr, a run with one is refused (4xx)."""
    schedule = _s("PolynomialWithWarmupLR", lr_end=0.01)
    for lr in (0.01, 0.001):
        with pytest.raises(ConfigError) as err:
            validate_config({"runs": [{"optimizer": "sgd", "params": {"lr": lr},
                                       "schedule": schedule}]})
        assert err.value.field == "runs[0].schedule.params.lr_end"
        assert "smaller than the run's lr" in err.value.message
    inner = {"optimizer": "lookahead", "inner": {"optimizer": "adam", "params": {"lr": 0.001}},
             "schedule": schedule}
    with pytest.raises(ConfigError):
        validate_config({"runs": [inner]})  # the inner optimizer's lr is the one scheduled
    validate_config({"runs": [{"optimizer": "sgd", "params": {"lr": 0.02}, "schedule": schedule}]})


def test_cycling_momentum_without_momentum_is_refused_up_front(client: httpx.Client) -> None:
    """A schedule cycling momentum on an optimizer without it is a 422 naming the field, not an
    error in the middle of the stream."""
    response = client.get("/api/trajectory?r0=adagrad&r0.schedule=CyclicLR&steps=10")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "r0.schedule.cycle_momentum"  # the link's key
    ok = client.get("/api/trajectory?r0=adagrad&r0.schedule=CyclicLR,cycle_momentum=false"
                    "&steps=10")
    assert ok.status_code == 200


# ------------------------------------------------------------------------------------------------
# Everywhere a schedule works: configs, links, the stream, the exported script


RUNS = [
    {"optimizer": "sgd", "params": {"lr": 0.05, "momentum": 0.9},
     "schedule": _s("WarmupStableDecay", num_warmup_steps=20, num_decay_steps=40,
                    decay_type="1-sqrt", warmup_type="cosine", min_lr_ratio=0.1)},
    {"optimizer": "adam", "params": {"lr": 0.05},
     "schedule": _s("CosineWithWarmupLR", num_warmup_steps=15, num_cycles=1.5)},
    {"optimizer": "adam", "params": {"lr": 0.05},
     "schedule": _s("PolynomialWithWarmupLR", lr_end=1e-4, power=2.0)},
    {"optimizer": "rmsprop", "params": {"lr": 0.01}, "schedule": _s("InverseSqrtLR", timescale=7)},
    {"optimizer": "lookahead", "inner": {"optimizer": "sgd", "params": {"lr": 0.01}},
     "schedule": _s("SequentialLR", schedulers=[
         _s("LinearWithWarmupLR", num_warmup_steps=10, num_training_steps=30),
         _s("WarmupStableDecay", num_warmup_steps=0, num_decay_steps=30)], milestones=[30])},
]
CONFIG = {"surface": {"name": "himmelblau"}, "steps": 120, "runs": RUNS}


def test_links_round_trip_and_the_stream_carries_the_schedule(client: httpx.Client) -> None:
    """The config survives its link; the streamed lr is the schedule's."""
    config = validate_config(CONFIG)
    query = encode(config)
    assert "r0.schedule=WarmupStableDecay," in query and "decay_type=1-sqrt" in query
    assert validate_config(decode(query)) == config
    response = client.get(f"/api/trajectory?{query}")
    assert response.status_code == 200, response.text
    result = run(config)
    for i, r in enumerate(result.runs):
        cfg = config["runs"][i]
        lr0 = (cfg.get("inner") or cfg)["params"]["lr"]
        want = run_engine(cfg["schedule"], lr0, config["steps"])[0][:r.steps, 0]
        np.testing.assert_array_equal(r.lr, want)  # step t uses the lr after t - 1 steps


def test_the_exported_script_runs_and_reproduces_the_runs() -> None:
    """The snippet for these runs runs on its own and gives the same lrs and points."""
    text = snippet(validate_config(CONFIG))
    code = (
        "import json, sys\n"
        "ns = {'__name__': 'snippet'}\n"
        "exec(compile(sys.stdin.read(), 'snippet.py', 'exec'), ns)\n"
        "print(json.dumps([[r.lr.tolist(), r.points.tolist()] for r in ns['result'].runs]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=text, cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    result = run(validate_config(CONFIG))
    for (lr, points), r in zip(got, result.runs, strict=True):
        assert lr == r.lr.tolist() and points == r.points.tolist()


# ------------------------------------------------------------------------------------------------
# Live comparisons against transformers (skipped without it)


def _random_new(rng: random.Random, steps: int) -> dict[str, Any]:
    """A random transformers schedule with every parameter transformers requires given."""
    name = rng.choice(NEW)
    r, u = rng.randint, rng.uniform
    warmup = rng.choice([0, r(1, steps // 2 + 1)])
    total = r(warmup + 1, steps + 50)
    if name == "LinearWithWarmupLR":
        return _s(name, num_warmup_steps=warmup, num_training_steps=rng.choice([total, r(1, 20)]))
    if name == "CosineWithWarmupLR":
        return _s(name, num_warmup_steps=warmup, num_training_steps=total,
                  num_cycles=rng.choice([0.5, u(0.0, 3.0)]))
    if name == "PolynomialWithWarmupLR":
        return _s(name, num_warmup_steps=warmup, num_training_steps=total,
                  lr_end=rng.choice([0.0, 1e-7, u(0.0, 1e-4)]), power=u(0.0, 4.0))
    if name == "InverseSqrtLR":
        return _s(name, num_warmup_steps=warmup, timescale=rng.choice([None, r(1, 300)]))
    stable = rng.choice([None, 0, r(0, steps)])
    return _s(name, num_warmup_steps=warmup, num_decay_steps=r(0, steps),
              num_training_steps=total if stable is None else rng.choice([None, total]),
              num_stable_steps=stable, warmup_type=rng.choice(["linear", "cosine", "1-sqrt"]),
              decay_type=rng.choice(["linear", "cosine", "1-sqrt"]),
              min_lr_ratio=rng.choice([0.0, u(0.0, 1.0)]), num_cycles=rng.choice([0.5, u(0, 3)]))


def _random_tree(rng: random.Random, steps: int) -> dict[str, Any]:
    """A transformers schedule, alone or with torch's inside SequentialLR / ChainedScheduler."""
    kind = rng.random()
    if kind < 0.6:
        return _random_new(rng, steps)
    others = [_random_new(rng, steps), _s("ExponentialLR", gamma=rng.uniform(0.98, 1.0)),
              _s("LinearLR", start_factor=rng.uniform(0.1, 1.0), total_iters=rng.randint(1, 50))]
    rng.shuffle(others)
    children = others[:rng.randint(2, 3)]
    if kind < 0.8:
        return _s("ChainedScheduler", schedulers=children)
    milestones = sorted(rng.sample(range(1, steps), len(children) - 1))
    return _s("SequentialLR", schedulers=children, milestones=milestones)


@pytest.mark.torch
def test_random_configs_match_transformers_live() -> None:
    """Random settings (edge cases included), alone and in composites, equal transformers' lr
    sequence to 1e-12 step for step."""
    pytest.importorskip("transformers.optimization")
    rng = random.Random(20261201)
    done = 0
    while done < 120:
        steps = rng.randint(2, 400)
        spec = _random_tree(rng, steps)
        lr = 10 ** rng.uniform(-3, 0)
        try:
            validate_schedule(spec, total_steps=steps, run_lr=lr)
        except ConfigError:
            continue
        want, _ = MAKER.run_torch(spec, lr, steps, rng.choice(["sgd", "adam"]))
        got, _ = run_engine(spec, lr, steps)
        try:
            assert_close(got[:, 0], want)
        except AssertionError as exc:
            raise AssertionError(f"config {json.dumps(spec)} lr={lr} steps={steps}") from exc
        done += 1
