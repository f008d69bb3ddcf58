"""Reference trajectories computed with torch.optim (float64, CPU), for fixtures and live checks.

torch is a test/reference dependency only: this module is imported by the fixture script and by
the live comparison tests, never by the app. The gradient comes from the engine's analytic surface
(tested separately against finite differences), so these runs test optimizer and schedule semantics.
Optimizers torch does not ship (AdaBound, Lion, Lookahead) are written here in torch ops from their
reference definitions: Luolc/AdaBound, the Lion paper's Algorithm 2, and the Lookahead paper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch.optim import Optimizer, lr_scheduler

from app.engine.config import build_objective

torch.set_default_dtype(torch.float64)  # torch keeps step counters and mu_product in this dtype


class AdaBound(Optimizer):
    """AdaBound as Luolc/AdaBound defines it (adabound/adabound.py), in current torch ops."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 final_lr: float = 0.1, gamma: float = 1e-3, eps: float = 1e-8,
                 weight_decay: float = 0.0, amsbound: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, final_lr=final_lr, gamma=gamma, eps=eps,
                        weight_decay=weight_decay, amsbound=amsbound)
        super().__init__(params, defaults)
        self.base_lrs = [group["lr"] for group in self.param_groups]

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group, base_lr in zip(self.param_groups, self.base_lrs, strict=True):
            for p in group["params"]:
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsbound"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                beta1, beta2 = group["betas"]
                state["step"] += 1
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group["amsbound"]:
                    torch.max(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                    denom = state["max_exp_avg_sq"].sqrt().add_(group["eps"])
                else:
                    denom = exp_avg_sq.sqrt().add_(group["eps"])
                bias_correction1 = 1 - beta1 ** state["step"]
                bias_correction2 = 1 - beta2 ** state["step"]
                step_size = group["lr"] * math.sqrt(bias_correction2) / bias_correction1
                final_lr = group["final_lr"] * group["lr"] / base_lr
                lower = final_lr * (1 - 1 / (group["gamma"] * state["step"] + 1))
                upper = final_lr * (1 + 1 / (group["gamma"] * state["step"]))
                step = torch.full_like(denom, step_size)
                step.div_(denom).clamp_(lower, upper).mul_(exp_avg)
                p.add_(-step)


class Lion(Optimizer):
    """Lion, Algorithm 2 of Chen et al. 2023: sign of interpolated momentum, decoupled decay."""

    def __init__(self, params: Any, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99),
                 weight_decay: float = 0.0, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                c = m * beta1 + (1 - beta1) * grad
                if group["weight_decay"] == 0:
                    p.sub_(group["lr"] * torch.sign(c))
                else:
                    p.sub_(group["lr"] * (torch.sign(c) + group["weight_decay"] * p))
                m.mul_(beta2).add_((1 - beta2) * grad)


class Lookahead:
    """Lookahead over any torch optimizer: slow weights synced after inner steps k, 2k, ..."""

    def __init__(self, inner: Optimizer, k: int = 5, alpha: float = 0.5) -> None:
        self.inner, self.k, self.alpha = inner, k, alpha
        self.param_groups = inner.param_groups
        self.slow = [p.detach().clone() for g in inner.param_groups for p in g["params"]]
        self.count = 0

    def step(self, closure: Any = None) -> None:
        self.inner.step(closure) if closure is not None else self.inner.step()
        self.count += 1
        if self.count % self.k == 0:
            params = [p for g in self.inner.param_groups for p in g["params"]]
            with torch.no_grad():
                for p, slow in zip(params, self.slow, strict=True):
                    slow.add_(self.alpha * (p - slow))
                    p.copy_(slow)


def make_torch_optimizer(run: Mapping[str, Any], param: torch.Tensor) -> Any:
    """The torch optimizer for a validated run (our names mapped to torch's keywords)."""
    name, hp = run["optimizer"], dict(run["params"])
    if hp.pop("cautious", False):
        raise ValueError(f"no torch reference for {name} with cautious masking")
    if name == "lookahead":
        return Lookahead(make_torch_optimizer(run["inner"], param), k=hp["k"], alpha=hp["alpha"])
    if "beta1" in hp:
        hp["betas"] = (hp.pop("beta1"), hp.pop("beta2"))
    opt = torch.optim
    if name == "sgd":
        return opt.SGD([param], foreach=False, **hp)
    if name == "adagrad":
        return opt.Adagrad([param], foreach=False, **hp)
    if name == "rmsprop":
        return opt.RMSprop([param], foreach=False, **hp)
    if name == "adadelta":
        return opt.Adadelta([param], foreach=False, **hp)
    if name == "adam":
        return opt.Adam([param], foreach=False, **hp)
    if name == "adamw":
        return opt.AdamW([param], foreach=False, **hp)
    if name == "nadam":
        return opt.NAdam([param], foreach=False, **hp)
    if name == "radam":
        return opt.RAdam([param], foreach=False, **hp)
    if name == "adamax":
        return opt.Adamax([param], foreach=False, **hp)
    if name == "adabound":
        return AdaBound([param], **hp)
    if name == "lion":
        return Lion([param], **hp)
    if name == "asgd":
        return opt.ASGD([param], foreach=False, **hp)
    if name == "rprop":
        hp["etas"] = (hp.pop("etaminus"), hp.pop("etaplus"))
        hp["step_sizes"] = (hp.pop("step_size_min"), hp.pop("step_size_max"))
        return opt.Rprop([param], foreach=False, **hp)
    if name == "lbfgs":
        line = None if hp["line_search_fn"] == "none" else hp["line_search_fn"]
        return opt.LBFGS([param], lr=hp["lr"], max_iter=1, max_eval=hp["max_eval"],
                         tolerance_grad=hp["tolerance_grad"],
                         tolerance_change=hp["tolerance_change"],
                         history_size=hp["history_size"], line_search_fn=line)
    return _next_reference(name, hp, param)


class OnMatrix:
    """An optimizer over a (1, 2) matrix stepping the 2-vector ``param`` (torch.optim.Muon takes
    only matrices): each step copies the point and gradient in and the new point out."""

    def __init__(self, param: torch.Tensor, build: Any) -> None:
        self.param = param
        self.matrix = param.detach().clone().reshape(1, 2).requires_grad_(True)
        self.opt = build(self.matrix)
        self.param_groups = [{**self.opt.param_groups[0], "params": [param]}]
        self.state: dict[Any, Any] = {}

    def step(self, closure: Any = None) -> None:
        with torch.no_grad():
            self.matrix.copy_(self.param.detach().reshape(1, 2))
            self.matrix.grad = self.param.grad.detach().reshape(1, 2).clone()
        self.opt.step()
        with torch.no_grad():
            self.param.copy_(self.matrix.detach().reshape(2))


def _next_reference(name: str, hp: dict[str, Any], param: torch.Tensor) -> Any:
    """An optimizer of tests/reference_optimizers.py (the next optimizers' references), built
    from our hyperparameter names; a 1x2 one (Muon) through :class:`OnMatrix`."""
    from tests.reference_optimizers import REFERENCES

    if name not in REFERENCES:
        raise ValueError(f"no torch reference for {name}")
    ref = REFERENCES[name]
    if ref.shape == (1, 2):
        return OnMatrix(param, lambda matrix: ref.build(matrix, hp))
    return ref.build(param, hp)


def applied_lr(optimizer: Any, param: torch.Tensor) -> float:
    """The lr the next step applies: the group's, except ASGD's eta (its state, from the
    first step on), which the engine records as the run's lr (``applied_lr``)."""
    state = optimizer.state.get(param, {})
    if isinstance(optimizer, torch.optim.ASGD) and "eta" in state:
        return float(state["eta"])
    return float(optimizer.param_groups[0]["lr"])


def make_torch_scheduler(spec: Mapping[str, Any] | None, optimizer: Any, steps: int) -> Any:
    """The torch scheduler for a validated schedule spec (None for no schedule)."""
    if spec is None:
        return None
    name, params = spec["name"], dict(spec["params"])
    target = optimizer.inner if isinstance(optimizer, Lookahead) else optimizer
    if name in ("SequentialLR", "ChainedScheduler"):
        subs = [make_torch_scheduler(s, optimizer, steps) for s in params["schedulers"]]
        if name == "ChainedScheduler":
            return lr_scheduler.ChainedScheduler(subs, optimizer=target)
        return lr_scheduler.SequentialLR(target, subs, milestones=params["milestones"])
    if name == "LambdaLR":
        from app.engine.expression import parse_expression

        expr = parse_expression(params["lr_lambda"], ("k",))
        return lr_scheduler.LambdaLR(target, lambda k: float(expr.evaluate(k=float(k))))
    if name == "OneCycleLR":
        params["max_lr"] = params["max_lr"] if params.get("max_lr") is not None \
            else target.param_groups[0]["lr"]
        params["total_steps"] = params.get("total_steps") or steps
    if name == "CyclicLR":
        if params.get("base_lr") is None:
            params["base_lr"] = target.param_groups[0]["lr"]
        if params.get("max_lr") is None:
            params["max_lr"] = 10 * target.param_groups[0]["lr"]
        params.pop("scale_fn", None)
    cls = getattr(lr_scheduler, name)
    return cls(target, **params)


class Batches:
    """The engine's mini-batches (runner.Simulation.next_batch): epochs of permutations of the
    samples drawn from ``default_rng(seed)``, ``batch_size`` indices a step (None: full batch)."""

    def __init__(self, objective: Any, config: Mapping[str, Any]) -> None:
        n = getattr(objective, "n_samples", None) or 0
        size = config.get("batch_size")
        self.size = size if n and size and size < n else None
        self.n = n
        self.rng = np.random.default_rng(config.get("seed", 0))
        self.perm = np.empty(0, dtype=np.int64)
        self.pos = n

    def next(self) -> np.ndarray | None:
        """The next step's sample indices."""
        if self.size is None:
            return None
        if self.pos >= self.n:
            self.perm = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.size]
        self.pos += self.size
        return idx


def torch_trajectory(config: Mapping[str, Any], run_index: int = 0) -> dict[str, np.ndarray]:
    """Run one run of a validated noise-free configuration through torch (mini-batches drawn
    as the engine draws them, the closure evaluating this step's batch)."""
    objective = build_objective(config["surface"])
    run = config["runs"][run_index]
    param = torch.tensor(config["start"], dtype=torch.float64, requires_grad=True)
    optimizer = make_torch_optimizer(run, param)
    scheduler = make_torch_scheduler(run.get("schedule"), optimizer, config["steps"])
    target = optimizer.inner if isinstance(optimizer, Lookahead) else optimizer
    batches = Batches(objective, config)
    batch: list[np.ndarray | None] = [None]

    def closure() -> torch.Tensor:
        x, y = float(param.detach()[0]), float(param.detach()[1])
        if batch[0] is None:
            gx, gy = objective.grad(np.array([x]), np.array([y]))
            value = objective.value(np.array([x]), np.array([y]))
        else:
            value, gx, gy = objective.batch_value_grad(np.array([x]), np.array([y]), batch[0])
        with torch.no_grad():
            param.grad = torch.tensor([float(gx[0]), float(gy[0])], dtype=torch.float64)
        return torch.tensor(float(np.asarray(value).reshape(-1)[0]))

    # L-BFGS, alone or inside Lookahead, evaluates the closure itself (its line search may too).
    needs_closure = "lbfgs" in (run["optimizer"], (run.get("inner") or {}).get("optimizer"))
    xs, ys, lrs, losses = [], [], [], []
    for _ in range(config["steps"]):
        lrs.append(applied_lr(target, param))
        batch[0] = batches.next()
        if needs_closure:
            optimizer.step(closure)
        else:
            closure()
            optimizer.step()
        x, y = float(param.detach()[0]), float(param.detach()[1])
        loss = float(objective.value(np.array([x]), np.array([y]))[0])
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(loss)):
            break
        xs.append(x)
        ys.append(y)
        losses.append(loss)
        if scheduler is not None:
            if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
                scheduler.step(loss)
            else:
                scheduler.step()
    return {"x": np.array(xs), "y": np.array(ys), "lr": np.array(lrs[:len(xs)]),
            "loss": np.array(losses)}
