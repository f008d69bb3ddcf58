"""The shareable query string: exact round trips, short and readable, errors named as in the URL."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import pytest

from app.address.codec import (
    QueryError,
    as_query_error,
    decode,
    decode_lenient,
    encode,
    format_number,
    query_field,
)
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.optimizers import OPTIMIZERS
from app.engine.params import Param
from app.engine.schedules import SCHEDULES
from app.engine.surfaces import SURFACES

BRIEF_EXAMPLE = {
    "surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 300, "noise": 0.0,
    "seed": 0,
    "runs": [
        {"optimizer": "adam", "params": {"lr": 0.01, "beta1": 0.9},
         "schedule": {"name": "CosineAnnealingLR", "params": {"T_max": 300}}},
        {"optimizer": "lookahead", "params": {"k": 5, "alpha": 0.5},
         "inner": {"optimizer": "sgd", "params": {"lr": 0.001, "momentum": 0.9}}},
    ],
}


def canon(config: dict[str, Any]) -> str:
    """JSON text that tells -0.0 from 0.0 and 1 from 1.0 (exact comparison of configs)."""
    return json.dumps(config, sort_keys=True)


def round_trip(config: dict[str, Any]) -> dict[str, Any]:
    """Encode, decode and validate again."""
    return validate_config(decode(encode(config)))


def test_brief_example_reads_well() -> None:
    config = validate_config(BRIEF_EXAMPLE)
    query = encode(config)
    assert query == ("surface=rosenbrock&start=-1.5,2&r0=adam,lr=0.01"
                     "&r0.schedule=CosineAnnealingLR,T_max=300"
                     "&r1=lookahead&r1.inner=sgd,momentum=0.9")
    assert canon(round_trip(config)) == canon(config)


def test_defaults_are_left_out() -> None:
    config = validate_config({})
    assert encode(config) == "surface=rosenbrock&r0=adam,lr=0.05"
    assert canon(round_trip(config)) == canon(config)


# ---------------------------------------------------------------------- random configurations


def _sample(p: Param, rng: random.Random) -> Any:
    """A random valid-looking value of one parameter (floats with all their digits)."""
    if p.kind == "bool":
        return rng.random() < 0.5
    if p.kind == "choice":
        return rng.choice(p.choices)
    if p.kind in ("expression", "list") or (p.default is None and rng.random() < 0.5):
        return p.default
    lo = p.slider_min if p.slider_min is not None else (p.min if p.min is not None else -10.0)
    hi = p.slider_max if p.slider_max is not None else (p.max if p.max is not None else 10.0)
    if p.kind == "int":
        return rng.randint(int(math.ceil(lo)), int(min(hi, lo + 500)))
    if p.scale == "log" and lo > 0:
        return 10 ** rng.uniform(math.log10(lo), math.log10(hi))
    return rng.uniform(lo, hi)


def _params(specs: tuple[Param, ...], rng: random.Random) -> dict[str, Any]:
    return {p.name: _sample(p, rng) for p in specs if rng.random() < 0.6}


def _schedule(rng: random.Random, depth: int = 1) -> dict[str, Any]:
    names = [n for n in SCHEDULES if n != "ReduceLROnPlateau" or depth == 1]
    name = rng.choice(names)
    spec = SCHEDULES[name]
    params = _params(tuple(p for p in spec.params if p.kind != "list"), rng)
    if name == "LambdaLR":
        params["lr_lambda"] = rng.choice(["0.95**k", "min(1, (k+1)/10)", "1/(1 + 0.1*k)"])
    if spec.composite and depth < 3 and rng.random() < 0.7:
        count = rng.randint(1, 3)
        children = [_schedule(rng, depth + 1) for _ in range(count)]
        if name == "SequentialLR":
            children = [children[0]] + [c for c in children[1:]
                                        if not SCHEDULES[c["name"]].composite]
            params["milestones"] = sorted(rng.sample(range(1, 200), len(children) - 1))
        params["schedulers"] = children
    return {"name": name, "params": params}


def _run(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(list(OPTIMIZERS))
    run: dict[str, Any] = {"optimizer": name, "params": _params(OPTIMIZERS[name].params, rng)}
    if OPTIMIZERS[name].wraps:
        inner = rng.choice([n for n in OPTIMIZERS if not OPTIMIZERS[n].wraps])
        run["inner"] = {"optimizer": inner, "params": _params(OPTIMIZERS[inner].params, rng)}
    if rng.random() < 0.6:
        run["schedule"] = _schedule(rng)
    if rng.random() < 0.3:
        run["label"] = rng.choice(["fast", "a, b & c", "50% + more", "ünïcödé run", "=;#?/"])
    return run


def _config(rng: random.Random) -> dict[str, Any]:
    raw: dict[str, Any] = {"steps": rng.randint(1, 500), "seed": rng.randint(0, 2**32 - 1)}
    if rng.random() < 0.3:
        raw["surface"] = {"expression": rng.choice(["x**2 + 10*y**2", "max(x, y)**2 + sin(x)",
                                                    "log(1 + x**2) + (y - 1)**2"])}
    else:
        name = rng.choice(list(SURFACES))
        raw["surface"] = {"name": name, "params": _params(SURFACES[name].params, rng)}
        if SURFACES[name].kind == "data" and rng.random() < 0.5:
            raw["batch_size"] = rng.randint(1, 16)
    if rng.random() < 0.4:
        x0, y0 = rng.uniform(-5, 4), rng.uniform(-5, 4)
        raw["surface"]["view"] = [x0, x0 + rng.uniform(0.1, 9), y0, y0 + rng.uniform(0.1, 9)]
    if rng.random() < 0.5:
        raw["start"] = [rng.uniform(-3, 3), rng.uniform(-3, 3)]
    if rng.random() < 0.3:
        raw["noise"] = rng.uniform(0, 2)
    raw["runs"] = [_run(rng) for _ in range(rng.randint(1, 8))]
    return raw


def random_configs(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` valid random configurations (samples the engine refuses are skipped)."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    while len(out) < count:
        try:
            out.append(validate_config(_config(rng)))
        except ConfigError:
            continue
    return out


@pytest.mark.parametrize("config", random_configs(150), ids=lambda c: encode(c)[:60])
def test_random_configs_round_trip_exactly(config: dict[str, Any]) -> None:
    query = encode(config)
    again = round_trip(config)
    assert canon(again) == canon(config)
    assert encode(again) == query  # canonical: stable under a second round


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_round_trips(name: str) -> None:
    config = validate_config({"runs": [{"optimizer": name}]})
    assert canon(round_trip(config)) == canon(config)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_round_trips(name: str) -> None:
    config = validate_config({"runs": [{"optimizer": "sgd", "schedule": {"name": name}}]})
    assert canon(round_trip(config)) == canon(config)


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_surface_round_trips(name: str) -> None:
    config = validate_config({"surface": {"name": name}})
    assert encode(config).startswith(f"surface={name}&")
    assert canon(round_trip(config)) == canon(config)


def test_floats_are_written_exactly() -> None:
    rng = random.Random(7)
    values = [0.1 + 0.2, 1 / 3, 1e-300, 5e-324, 123456789.12345679, 1e16, 2.5e-8, -0.0, 0.0,
              1.7976931348623157e308, 300.0, -1.5]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(62)))[0] for _ in range(500)]
    for x in values:
        text = format_number(x)
        assert struct.pack("d", float(text)) == struct.pack("d", x), (x, text)
        assert len(text) <= len(repr(x))
    assert format_number(1e-08) == "1e-8"
    assert format_number(300.0) == "300"
    assert format_number(7) == "7"


def test_six_runs_fit_in_2000_characters() -> None:
    runs = [
        {"optimizer": "adam", "params": {"lr": 0.0123456789, "beta1": 0.85, "beta2": 0.995,
                                         "amsgrad": True},
         "schedule": {"name": "OneCycleLR", "params": {"max_lr": 0.1, "pct_start": 0.25}}},
        {"optimizer": "sgd", "params": {"lr": 0.00987654321, "momentum": 0.9, "nesterov": True},
         "schedule": {"name": "SequentialLR", "params": {
             "schedulers": [{"name": "LinearLR", "params": {"start_factor": 0.01,
                                                            "total_iters": 20}},
                            {"name": "CosineAnnealingLR", "params": {"eta_min": 1e-5}}],
             "milestones": [20]}}},
        {"optimizer": "lookahead", "params": {"k": 7, "alpha": 0.6},
         "inner": {"optimizer": "radam", "params": {"lr": 0.0333333333333}}},
        {"optimizer": "rmsprop", "params": {"lr": 0.002, "alpha": 0.95, "centered": True,
                                            "momentum": 0.5}, "label": "RMSprop, centred"},
        {"optimizer": "adamw", "params": {"lr": 0.004, "weight_decay": 0.05},
         "schedule": {"name": "LambdaLR", "params": {"lr_lambda": "min(1, (k + 1) / 10)"}}},
        {"optimizer": "lion", "params": {"lr": 0.0003, "beta1": 0.95, "beta2": 0.98}},
    ]
    config = validate_config({"surface": {"name": "ill_conditioned", "params": {
        "condition_number": 50.0, "angle": 30.0}}, "start": [-2.75, 1.125], "steps": 1000,
        "noise": 0.05, "seed": 42, "runs": runs})
    query = encode(config)
    assert len(query) < 2000, len(query)
    assert canon(round_trip(config)) == canon(config)


def test_text_is_escaped_and_comes_back_verbatim() -> None:
    config = validate_config({
        "surface": {"expression": "x**2 + 10*y**2 + max(x, y)"},
        "runs": [{"optimizer": "sgd", "label": "a&b=c #1 50% +",
                  "schedule": {"name": "LambdaLR", "params": {"lr_lambda": "min(1, (k+1)/10)"}}}],
    })
    query = encode(config)
    parts = dict(p.split("=", 1) for p in query.split("&"))
    assert set(parts) == {"expr", "r0", "r0.schedule", "r0.label"}
    for value in parts.values():
        assert not set(value) & set(" &#+%") - {"%"}
    assert "%2B" in parts["expr"] and "%2C" in parts["r0.schedule"]
    again = round_trip(config)
    assert again["surface"]["expression"] == "x**2 + 10*y**2 + max(x, y)"
    assert again["runs"][0]["label"] == "a&b=c #1 50% +"
    assert again["runs"][0]["schedule"]["params"]["lr_lambda"] == "min(1, (k+1)/10)"


def test_nested_schedules_are_expressible() -> None:
    schedule = {"name": "SequentialLR", "params": {
        "schedulers": [
            {"name": "ChainedScheduler", "params": {"schedulers": [
                {"name": "ConstantLR", "params": {"factor": 0.25, "total_iters": 4}},
                {"name": "ExponentialLR", "params": {"gamma": 0.97}}]}},
            {"name": "MultiStepLR", "params": {"milestones": [30, 80, 120], "gamma": 0.5}},
        ],
        "milestones": [15]}}
    config = validate_config({"runs": [{"optimizer": "sgd", "schedule": schedule}]})
    query = encode(config)
    assert "r0.schedule=SequentialLR,milestones=15" in query
    assert "r0.schedule.0=ChainedScheduler" in query
    assert "r0.schedule.0.0=ConstantLR,factor=0.25,total_iters=4" in query
    assert "r0.schedule.1=MultiStepLR,milestones=30;80;120,gamma=0.5" in query
    assert canon(round_trip(config)) == canon(config)


def test_hand_edited_links_are_forgiven() -> None:
    raw = decode("expr=x**2+y**2&r0=sgd,lr=0.1&r0.schedule=LambdaLR,lr_lambda=min(1,(k+1)/10)")
    assert raw["surface"]["expression"] == "x**2+y**2"
    assert raw["runs"][0]["schedule"]["params"]["lr_lambda"] == "min(1,(k+1)/10)"
    config = validate_config(raw)
    assert config["runs"][0]["params"]["lr"] == 0.1


def test_page_keys_are_left_to_the_page() -> None:
    assert decode("p.speed=3&r0=sgd&p.lang=zh") == {"runs": [{"optimizer": "sgd"}]}
    config, warnings = decode_lenient("p.speed=3&r0=sgd&p.unknown=1")
    assert warnings == [] and encode(config) == "surface=rosenbrock&r0=sgd"


def test_non_canonical_queries_canonicalise() -> None:
    query = "r0=adam,beta1=0.9,lr=0.01&steps=300&surface=rosenbrock&noise=0&start=-1.5,2.0"
    config = validate_config(decode(query))
    assert encode(config) == "surface=rosenbrock&start=-1.5,2&r0=adam,lr=0.01"


# --------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("query", "field"), [
    ("foo=1", "foo"),
    ("r0=adam,lr=0.1,lr=0.2", "r0.lr"),
    ("r0=adam,0.1", "r0"),
    ("r0=sgd&r0=adam", "r0"),
    ("r1=sgd", "r0"),
    ("r0.label=x", "r0"),
    ("r0=sgd&r0.schedule=SequentialLR&r0.schedule.1=StepLR", "r0.schedule.1"),
    ("r0=sgd&r0.schedule.0=StepLR", "r0.schedule"),
    ("r0=sgd&r0.schedule=StepLR,schedulers=1", "r0.schedule.schedulers"),
    ("surface=rosenbrock&expr=x", "expr"),
    ("r0=adam,=3", "r0"),
    ("r64=sgd", "r64"),
    ("steps", "steps"),
])
def test_syntax_errors_name_the_query_parameter(query: str, field: str) -> None:
    with pytest.raises(QueryError) as info:
        decode(query)
    assert info.value.field == field


@pytest.mark.parametrize(("query", "field", "words"), [
    ("r0=sgd&r1=adam,lr=-1", "r1.lr", "[0, 1000]"),
    ("r0=adam,lr=abc", "r0.lr", "'abc'"),
    ("r0=adam,lr=nan", "r0.lr", "nan"),
    ("r0=adam,lr=inf", "r0.lr", "inf"),
    ("r0=adam,beta1=1", "r0.beta1", "[0, 1)"),
    ("r0=adam,bogus=1", "r0.bogus", "allowed"),
    ("r0=nope", "r0", "allowed"),
    ("r0=lookahead&r0.inner=sgd,lr=-2", "r0.inner.lr", "[0, 1000]"),
    ("r0=sgd&r0.schedule=StepLR,gamma=0", "r0.schedule.gamma", "(0, 10]"),
    ("r0=sgd&r0.schedule=SequentialLR,milestones=10&r0.schedule.0=StepLR"
     "&r0.schedule.1=CosineAnnealingLR,T_max=0", "r0.schedule.1.T_max", "[1, "),
    ("r0=sgd&r0.schedule=LambdaLR,lr_lambda=k**", "r0.schedule.lr_lambda", "syntax"),
    ("surface=ill_conditioned,condition_number=0.5&r0=sgd", "surface.condition_number", "[1, "),
    ("surface=nowhere", "surface", "allowed"),
    ("expr=x**&r0=sgd", "expr", "syntax"),
    ("expr=z*2&r0=sgd", "expr", "z"),
    ("view=1,0,0,1&r0=sgd", "view", "xmin < xmax"),
    ("start=1&r0=sgd", "start", "two numbers"),
    ("steps=0&r0=sgd", "steps", "[1, 10000]"),
    ("steps=1.5&r0=sgd", "steps", "integer"),
    ("seed=-1&r0=sgd", "seed", "[0, "),
    ("noise=1e999&r0=sgd", "noise", "finite"),
    ("r0=sgd,nesterov=maybe", "r0.nesterov", "true or false"),
])
def test_value_errors_name_the_query_parameter(query: str, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(decode(query))
    error = as_query_error(info.value)
    assert error.field == field, error
    assert words in error.message


@pytest.mark.parametrize(("config_field", "name"), [
    ("runs[1].params.lr", "r1.lr"),
    ("runs[0].optimizer", "r0"),
    ("runs[0]", "r0"),
    ("runs", "runs"),
    ("runs[2].inner.params.momentum", "r2.inner.momentum"),
    ("runs[2].inner.optimizer", "r2.inner"),
    ("runs[0].schedule.name", "r0.schedule"),
    ("runs[0].schedule.params.T_max", "r0.schedule.T_max"),
    ("runs[0].schedule.params.milestones[1]", "r0.schedule.milestones"),
    ("runs[0].schedule.params.schedulers[1].params.schedulers[0].params.gamma",
     "r0.schedule.1.0.gamma"),
    ("runs[0].schedule.params.schedulers[1].name", "r0.schedule.1"),
    ("runs[3].label", "r3.label"),
    ("surface.params.angle", "surface.angle"),
    ("surface.name", "surface"),
    ("surface.expression", "expr"),
    ("surface.view[2]", "view"),
    ("start[1]", "start"),
    ("batch_size", "batch_size"),
])
def test_query_field(config_field: str, name: str) -> None:
    assert query_field(config_field) == name


# --------------------------------------------------------------------------------- lenient


def test_lenient_drops_each_bad_value_to_its_default() -> None:
    query = ("surface=rosenbrock&r0=adam,lr=abc,beta1=0.8&r1=sgd,momentum=2&steps=0"
             "&start=1,2,3&r0.schedule=Bogus&seed=5")
    config, warnings = decode_lenient(query)
    assert sorted(w["field"] for w in warnings) == ["r0.lr", "r0.schedule", "r1.momentum",
                                                    "start", "steps"]
    assert all(w["msg"] for w in warnings)
    default = validate_config({})
    assert config["runs"][0]["params"]["lr"] == 0.001
    assert config["runs"][0]["params"]["beta1"] == 0.8
    assert config["runs"][0]["schedule"] is None
    assert config["runs"][1]["params"]["momentum"] == 0.0
    assert config["steps"] == default["steps"] and config["start"] == default["start"]
    assert config["seed"] == 5


def test_lenient_keeps_runs_after_a_gap_and_ignores_unknown_keys() -> None:
    config, warnings = decode_lenient("foo=1&r0=sgd&r2=adam&r3=nope")
    assert [r["optimizer"] for r in config["runs"]] == ["sgd", "adam"]
    assert {w["field"] for w in warnings} == {"foo", "r1", "r2"}


def test_lenient_keeps_the_first_runs_when_there_are_too_many() -> None:
    query = "&".join(f"r{i}=sgd,lr={i + 1}e-3" for i in range(10))
    config, warnings = decode_lenient(query)
    assert len(config["runs"]) == 8
    assert config["runs"][7]["params"]["lr"] == 8e-3
    assert len(warnings) == 2


def test_lenient_on_garbage_gives_the_default() -> None:
    config, _ = decode_lenient("%%%&&==&r0.schedule.5.5=x&expr=(((&view=a,b")
    assert canon(config) == canon(validate_config({}))
    config, warnings = decode_lenient("")
    assert warnings == [] and canon(config) == canon(validate_config({}))
