"""Reference trajectories of the optimizers the project adds next, from their reference packages.

Test-only (the ``[reference]`` extra): torch.optim 2.13 (Rprop, ASGD, Adafactor, Muon),
schedulefree, prodigyopt, dadaptation, pytorch_optimizer 4.1.0 and lion-pytorch, each run in
float64 on CPU on the 2-vector of a surface's coordinates. Hyperparameters are named as the project
names them: the reference's keyword names, tuple arguments split (``betas`` -> ``beta1``,
``beta2``, ``beta3``; see tests/fixtures/REFERENCES.md for every mapping). The gradient comes from
the engine's analytic surface, as in tests/torch_reference.py.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import inspect
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from app.engine.config import build_objective

torch.set_default_dtype(torch.float64)  # scalar state (ASGD's eta, mu; step counters) in float64

INF = math.inf
STATE_STEPS = 15
"""State quantities are recorded for the first steps only (the path itself for every step)."""

LR_FREE = ("prodigy", "dadapt_adam", "dadapt_sgd", "dadapt_adagrad")
"""The learning-rate-free methods, whose d estimate (group["d"]) is recorded per step."""

PACKAGES = {"torch": "torch", "schedulefree": "schedulefree", "prodigyopt": "prodigyopt",
            "dadaptation": "dadaptation", "pytorch_optimizer": "pytorch_optimizer",
            "lion_pytorch": "lion-pytorch"}


def package_version(module: str) -> str:
    """The installed version of a reference package (its distribution's metadata)."""
    return importlib.metadata.version(PACKAGES[module]).split("+")[0]


def _cls(path: str) -> Any:
    """Import ``module.attr`` lazily, so this module loads without every reference installed."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Reference:
    """One reference optimizer: its class, its defaults in our names, and how to build it."""

    name: str
    cls: str
    defaults: dict[str, Any]
    tuples: dict[str, tuple[str | float, ...]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    shape: tuple[int, ...] = (2,)
    group_keys: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        """The reference's top-level package (import name)."""
        return self.cls.split(".")[0]

    def kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor keywords for ``params`` in our names (tuples joined, fixed ones added)."""
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name}: unknown hyperparameters {sorted(unknown)}")
        # JSON has no infinity: null where the reference's default is infinity means infinity
        # (the fixtures' growth_rate; REFERENCES.md section 0)
        kw = {**self.defaults, **{k: INF if v is None and self.defaults.get(k) == INF else v
                                  for k, v in params.items()}}
        for joined, parts in self.tuples.items():
            kw[joined] = tuple(kw.pop(p) if isinstance(p, str) else p for p in parts)
        kw.update(self.fixed)
        cls = _cls(self.cls)
        if "foreach" in inspect.signature(cls.__init__).parameters and "foreach" not in kw:
            kw["foreach"] = False  # the single-tensor path, the one REFERENCES.md describes
        return kw

    def build(self, param: torch.Tensor, params: Mapping[str, Any],
              inner: Mapping[str, Any] | None = None) -> Any:
        """The reference optimizer over ``param``."""
        kw = self.kwargs(params)
        if self.name == "sam":
            base = REFERENCES[inner["optimizer"]]
            return _cls(self.cls)([param], base_optimizer=_cls(base.cls),
                                  **{**base.kwargs(inner["params"]), **kw})
        with contextlib.redirect_stdout(io.StringIO()):  # prodigy / dadaptation print notes
            return _cls(self.cls)([param], **kw)


BETAS = {"betas": ("beta1", "beta2")}
BETAS3 = {"betas": ("beta1", "beta2", "beta3")}
PO = "pytorch_optimizer."

_REFS = [
    # ---------------------------------------------------------------- torch.optim 2.13
    Reference("rprop", "torch.optim.Rprop",
              {"lr": 1e-2, "etaminus": 0.5, "etaplus": 1.2, "step_size_min": 1e-6,
               "step_size_max": 50.0, "maximize": False},
              {"etas": ("etaminus", "etaplus"), "step_sizes": ("step_size_min", "step_size_max")}),
    Reference("asgd", "torch.optim.ASGD",
              {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0,
               "maximize": False}),
    Reference("adafactor", "torch.optim.Adafactor",
              {"lr": 1e-2, "beta2_decay": -0.8, "eps1": None, "eps2": 1e-3, "d": 1.0,
               "weight_decay": 0.0, "maximize": False},
              {"eps": ("eps1", "eps2")}),
    Reference("muon", "torch.optim.Muon",
              {"lr": 1e-3, "weight_decay": 0.1, "momentum": 0.95, "nesterov": True,
               "ns_a": 3.4445, "ns_b": -4.7750, "ns_c": 2.0315, "eps": 1e-7, "ns_steps": 5,
               "adjust_lr_fn": None},
              {"ns_coefficients": ("ns_a", "ns_b", "ns_c")}, shape=(1, 2)),
    # ---------------------------------------------------------------- schedulefree
    Reference("sgd_schedulefree", "schedulefree.SGDScheduleFreeReference",
              {"lr": 1.0, "momentum": 0.9, "weight_decay": 0.0, "warmup_steps": 0, "r": 0.0,
               "weight_lr_power": 2.0},
              group_keys=("weight_sum", "lr_max", "scheduled_lr")),
    Reference("adamw_schedulefree", "schedulefree.AdamWScheduleFreeReference",
              {"lr": 0.0025, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
               "warmup_steps": 0, "r": 0.0, "weight_lr_power": 2.0, "decay_at_z": False},
              BETAS, group_keys=("weight_sum", "lr_max", "scheduled_lr")),
    Reference("radam_schedulefree", "schedulefree.RAdamScheduleFree",
              {"lr": 0.0025, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
               "r": 0.0, "weight_lr_power": 2.0, "silent_sgd_phase": True},
              BETAS, group_keys=("weight_sum", "lr_max", "scheduled_lr")),
    # ---------------------------------------------------------------- learning-rate free
    Reference("prodigy", "prodigyopt.Prodigy",
              {"lr": 1.0, "beta1": 0.9, "beta2": 0.999, "beta3": None, "eps": 1e-8,
               "weight_decay": 0.0, "decouple": True, "use_bias_correction": False,
               "safeguard_warmup": False, "d0": 1e-6, "d_coef": 1.0, "growth_rate": INF},
              BETAS, group_keys=("d", "d_max", "d_hat", "d_numerator", "d_denom")),
    Reference("dadapt_adam", "dadaptation.DAdaptAdam",
              {"lr": 1.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
               "decouple": False, "use_bias_correction": False, "d0": 1e-6, "growth_rate": INF},
              BETAS, group_keys=("d", "numerator_weighted")),
    Reference("dadapt_sgd", "dadaptation.DAdaptSGD",
              {"lr": 1.0, "momentum": 0.0, "weight_decay": 0.0, "d0": 1e-6, "growth_rate": INF},
              group_keys=("d", "numerator_weighted", "g0_norm")),
    Reference("dadapt_adagrad", "dadaptation.DAdaptAdaGrad",
              {"lr": 1.0, "momentum": 0.0, "weight_decay": 0.0, "eps": 1e-6, "d0": 1e-6,
               "growth_rate": INF},
              group_keys=("d", "gsq_weighted", "sksq_weighted", "skl1")),
    # ---------------------------------------------------------------- pytorch_optimizer 4.1.0
    Reference("adabelief", PO + "AdaBelief",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.0,
               "weight_decouple": True, "fixed_decay": False, "rectify": False,
               "n_sma_threshold": 5, "degenerated_to_sgd": True, "ams_bound": False,
               "eps": 1e-16, "maximize": False}, BETAS),
    Reference("yogi", PO + "Yogi",
              {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "initial_accumulator": 1e-6,
               "weight_decay": 0.0, "weight_decouple": True, "fixed_decay": False, "eps": 1e-3,
               "maximize": False}, BETAS),
    Reference("adan", PO + "Adan",
              {"lr": 1e-3, "beta1": 0.98, "beta2": 0.92, "beta3": 0.99, "weight_decay": 0.0,
               "weight_decouple": False, "max_grad_norm": 0.0, "eps": 1e-8, "maximize": False},
              BETAS3),
    Reference("adopt", PO + "ADOPT",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.9999, "weight_decay": 0.0,
               "weight_decouple": False, "fixed_decay": False, "eps": 1e-6, "maximize": False},
              BETAS),
    Reference("ademamix", PO + "AdEMAMix",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "beta3": 0.9999, "weight_decay": 0.0,
               "weight_decouple": False, "fixed_decay": False, "alpha": 5.0,
               "t_alpha_beta3": None, "eps": 1e-8, "maximize": False}, BETAS3),
    Reference("laprop", PO + "LaProp",
              {"lr": 4e-4, "beta1": 0.9, "beta2": 0.999, "centered": False,
               "steps_before_using_centered": 10, "weight_decay": 0.0, "weight_decouple": True,
               "fixed_decay": False, "ams_bound": False, "eps": 1e-15, "cautious": False,
               "maximize": False}, BETAS),
    Reference("mars", PO + "MARS",
              {"lr": 3e-3, "beta1": 0.95, "beta2": 0.99, "gamma": 0.025, "mars_type": "adamw",
               "optimize_1d": False, "lr_1d": 3e-3, "beta1_1d": 0.9, "beta2_1d": 0.95,
               "weight_decay": 0.0, "weight_decay_1d": 0.1, "weight_decouple": True,
               "fixed_decay": False, "ams_bound": False, "cautious": False, "eps": 1e-8,
               "maximize": False},
              {"betas": ("beta1", "beta2"), "betas_1d": ("beta1_1d", "beta2_1d")}),
    Reference("lamb", PO + "Lamb",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.0,
               "weight_decouple": True, "fixed_decay": False, "rectify": False,
               "degenerated_to_sgd": False, "n_sma_threshold": 5, "grad_averaging": True,
               "max_grad_norm": 1.0, "adam": False, "pre_norm": False, "eps": 1e-6,
               "maximize": False}, BETAS),
    Reference("lars", PO + "LARS",
              {"lr": 1e-3, "weight_decay": 0.0, "momentum": 0.9, "dampening": 0.0,
               "trust_coefficient": 1e-3, "nesterov": False, "maximize": False}),
    Reference("signsgd", PO + "SignSGD",
              {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0, "weight_decouple": True,
               "maximize": False}),
    Reference("qhm", PO + "QHM",
              {"lr": 1e-3, "momentum": 0.0, "nu": 1.0, "weight_decay": 0.0,
               "weight_decouple": False, "fixed_decay": False, "maximize": False}),
    Reference("qhadam", PO + "QHAdam",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "nu1": 1.0, "nu2": 1.0,
               "weight_decay": 0.0, "weight_decouple": False, "fixed_decay": False, "eps": 1e-8,
               "maximize": False},
              {"betas": ("beta1", "beta2"), "nus": ("nu1", "nu2")}),
    Reference("madgrad", PO + "MADGRAD",
              {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0, "weight_decouple": False,
               "eps": 1e-6, "maximize": False}),
    Reference("shampoo", PO + "Shampoo",
              {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0, "weight_decouple": False,
               "fixed_decay": False, "preconditioning_compute_steps": 1, "matrix_eps": 1e-6,
               "maximize": False}),
    # Cautious AdamW: pytorch_optimizer 4.1.0 has no AdamW class of its own; its AdEMAMix with
    # alpha=0 and decoupled decay is AdamW (checked against torch.optim.AdamW by the fixture
    # script) and takes the same cautious=True as its LaProp and Lion.
    Reference("adamw", PO + "AdEMAMix",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2,
               "cautious": False, "maximize": False},
              {"betas": ("beta1", "beta2", 0.9999)},  # beta3 unused with alpha=0
              fixed={"alpha": 0.0, "weight_decouple": True, "fixed_decay": False}),
    Reference("lion", "lion_pytorch.Lion",
              {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0,
               "decoupled_weight_decay": False}, BETAS),
    Reference("sam", PO + "SAM",
              {"rho": 0.05, "adaptive": False, "perturb_eps": 1e-12}),
    # inner optimizers of SAM (torch.optim, as the engine's sgd / adam)
    Reference("sgd", "torch.optim.SGD",
              {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
               "nesterov": False, "maximize": False}),
    Reference("adam", "torch.optim.Adam",
              {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
               "amsgrad": False, "maximize": False}, BETAS),
]
REFERENCES: dict[str, Reference] = {r.name: r for r in _REFS}
PO_LION = Reference("lion", PO + "Lion",
                    {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0,
                     "weight_decouple": True, "fixed_decay": False, "cautious": False,
                     "maximize": False}, BETAS)
"""pytorch_optimizer's Lion: the reference of ``lion`` with ``cautious=True``."""


def reference_for(name: str, package: str | None = None) -> Reference:
    """The reference of ``name`` (``package`` picks pytorch_optimizer's Lion)."""
    if name == "lion" and package == "pytorch_optimizer":
        return PO_LION
    return REFERENCES[name]


# ---------------------------------------------------------------- Muon's Newton-Schulz in float64
def _newton_schulz_float64(grad: torch.Tensor, ns_coefficients: tuple[float, float, float],
                           ns_steps: int, eps: float) -> torch.Tensor:
    """torch.optim.Muon's Newton-Schulz iteration without its bfloat16 cast (float64 throughout)."""
    a, b, c = ns_coefficients
    ortho = grad.clone()
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    ortho.div_(ortho.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram = ortho @ ortho.T
        gram_update = torch.addmm(gram, gram, gram, beta=b, alpha=c)
        ortho = torch.addmm(ortho, gram_update, ortho, beta=a)
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    return ortho


@contextlib.contextmanager
def muon_newton_schulz(record: list[torch.Tensor], float64: bool = False) -> Iterator[None]:
    """Record every orthogonalised update Muon takes (optionally computed in float64)."""
    import torch.optim._muon as muon_module

    real = muon_module._zeropower_via_newtonschulz
    inner = _newton_schulz_float64 if float64 else real

    def spy(grad: torch.Tensor, *args: Any) -> torch.Tensor:
        out = inner(grad, *args)
        record.append(out.detach().to(torch.float64).clone())
        return out

    muon_module._zeropower_via_newtonschulz = spy
    try:
        yield
    finally:
        muon_module._zeropower_via_newtonschulz = real


# ---------------------------------------------------------------- one run
def _values(v: Any) -> Any:
    """A state entry as JSON-ready floats (None for what cannot be shown)."""
    if isinstance(v, torch.Tensor):
        if v.numel() > 4:
            return None
        flat = [float(t) for t in v.detach().to(torch.float64).reshape(-1)]
        return flat[0] if v.dim() == 0 else flat
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    return None


def _state_snapshot(opt: Any, param: torch.Tensor, group_keys: tuple[str, ...]) -> dict[str, Any]:
    """The optimizer's per-parameter state and the named group scalars after a step."""
    snap: dict[str, Any] = {}
    for key, value in opt.state[param].items():
        if key in ("step", "old_p"):
            continue
        v = _values(value)
        if v is not None:
            snap[key] = v
    group = opt.param_groups[0]
    for key in group_keys:
        if key in group:
            v = _values(group[key])
            if v is not None:
                snap[key] = v
    if "step" in group:
        snap["step"] = float(group["step"])
    elif "step" in opt.state[param]:
        snap["step"] = float(_values(opt.state[param]["step"]))
    return snap


def reference_trajectory(case: Mapping[str, Any], start: list[float], steps: int,
                         state_steps: int = STATE_STEPS) -> dict[str, Any]:
    """Run one case (``optimizer``, ``params``, optional ``inner``, ``package``, ``variant``:
    ``matrix_1x2`` steps the 2-vector as a 1x2 matrix, ``newton_schulz_float64`` runs Muon's
    orthogonalisation in float64) from ``start`` on ``case['surface']``; stops at the first
    non-finite point."""
    ref = reference_for(case["optimizer"], case.get("package"))
    objective = build_objective({"name": case["surface"], "params": {}})
    shape = (1, 2) if case.get("variant") == "matrix_1x2" else ref.shape
    param = torch.tensor(start, dtype=torch.float64).reshape(shape).requires_grad_(True)
    opt = ref.build(param, case["params"], case.get("inner"))
    name = case["optimizer"]
    ns_updates: list[torch.Tensor] = []
    perturbed: list[list[float]] = []

    def point() -> tuple[float, float]:
        flat = param.detach().reshape(-1)
        return float(flat[0]), float(flat[1])

    def set_grad() -> torch.Tensor:
        x, y = point()
        gx, gy = objective.grad(np.array([x]), np.array([y]))
        with torch.no_grad():
            param.grad = torch.tensor([float(gx[0]), float(gy[0])]).reshape(shape)
        return torch.tensor(float(objective.value(np.array([x]), np.array([y]))[0]))

    def sam_closure() -> torch.Tensor:
        perturbed.append(list(point()))
        return set_grad()

    if name.endswith("_schedulefree"):
        with contextlib.redirect_stdout(io.StringIO()):  # the reference classes print modes
            opt.train()
    out: dict[str, Any] = {"x": [], "y": [], "lr": [], "companions": {}, "state": []}
    comp: dict[str, list[Any]] = out["companions"]
    group = opt.param_groups[0]
    stack = contextlib.ExitStack()
    if name == "muon":
        stack.enter_context(muon_newton_schulz(
            ns_updates, float64=case.get("variant") == "newton_schulz_float64"))
    with stack:
        for t in range(steps):
            lr = float(group["lr"])
            d_used = float(group["d"]) if name in LR_FREE else None
            if name == "sam":
                set_grad()
                opt.step(sam_closure)
            else:
                set_grad()
                opt.step()
            state = opt.state[param]
            if name in ("sgd_schedulefree", "adamw_schedulefree"):
                x_avg = state["x"].detach().reshape(-1)
                comp.setdefault("grad_point", []).append([float(v) for v in state["y"]])
                comp.setdefault("z", []).append([float(v) for v in state["z"]])
            elif name == "radam_schedulefree":  # x recovered from y and z exactly as eval() does
                beta1 = group["betas"][0]
                x_avg = param.detach().clone().lerp_(state["z"], 1 - 1 / beta1).reshape(-1)
                comp.setdefault("grad_point", []).append(list(point()))
                comp.setdefault("z", []).append([float(v) for v in state["z"]])
            else:
                x_avg = param.detach().reshape(-1)
            x, y = float(x_avg[0]), float(x_avg[1])
            if not (math.isfinite(x) and math.isfinite(y)):
                for seq in comp.values():
                    del seq[len(out["x"]):]
                break
            out["x"].append(x)
            out["y"].append(y)
            out["lr"].append(lr)
            if name == "asgd":
                comp.setdefault("ax", []).append([float(v) for v in state["ax"]])
            if d_used is not None:
                comp.setdefault("d", []).append(float(group["d"]))
                comp.setdefault("d_lr", []).append(d_used * lr)
            if name == "sam":
                comp.setdefault("perturbed", []).append(perturbed[-1])
            if name == "muon":
                comp.setdefault("ns_update", []).append(
                    [float(v) for v in ns_updates[-1].reshape(-1)])
            if t < state_steps:
                out["state"].append(_state_snapshot(opt, param, ref.group_keys))
    return out


def chaos_horizon(case: Mapping[str, Any], start: list[float], steps: int,
                  ref: Mapping[str, Any]) -> int:
    """Steps over which the reference's path ``ref`` stays within 1e-11 (relative) of its path
    from a start moved by a few ulps (as tests/fixtures/make_optimizer_fixtures.py measures)."""
    moved = [v * (1 + 4e-16) + 1e-300 for v in start]
    other = reference_trajectory(case, moved, steps, state_steps=0)
    n = min(len(ref["x"]), len(other["x"]))
    x, y = np.array(ref["x"][:n]), np.array(ref["y"][:n])
    scale = np.maximum(1e-3, np.maximum(np.abs(x), np.abs(y)))
    err = np.maximum(np.abs(x - np.array(other["x"][:n])),
                     np.abs(y - np.array(other["y"][:n]))) / scale
    bad = np.nonzero(err > 1e-11)[0]
    return int(bad[0]) if bad.size else n


def engine_surface_start(surface: str) -> list[float]:
    """The surface's default start, as the engine fills it in."""
    from app.engine.config import validate_config

    return list(validate_config({"surface": {"name": surface}})["start"])


def lion_pytorch_trajectory(surface: str, start: list[float], steps: int,
                            params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """lion-pytorch's path (x, y) for ``params`` in our names; used by the live test."""
    run = reference_trajectory({"optimizer": "lion", "params": dict(params), "surface": surface},
                               start, steps, state_steps=0)
    return {"x": np.array(run["x"]), "y": np.array(run["y"])}
