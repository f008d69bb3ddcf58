"""Lookahead (Zhang et al. 2019): an inner optimizer moves fast weights; every k steps the slow
weights move a fraction alpha towards them and the fast weights restart from there."""

from __future__ import annotations

from typing import Any

from ..params import Param
from .base import Array, Hyper, OptimizerSpec, Oracle, State, StateVar, copy


def _inner(hp: Hyper) -> OptimizerSpec:
    return hp["_inner_spec"]


def lookahead_init(p: Array, hp: Hyper) -> State:
    """The inner optimizer's state plus the slow weights, copied from the start point."""
    return {**_inner(hp).init(p, hp), "slow_param": copy(p)}


def lookahead_update(
    p: Array, grad: Array, state: State, hp: Hyper, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """One inner step; after every k-th: slow += alpha * (fast - slow); fast = slow.

    The inner update reads its own keys of the state and returns a new record (every update
    does), to which the slow weights are added."""
    new_p, new_state = _inner(hp).update(p, grad, state, hp, t, oracle)
    slow = state["slow_param"]
    if t % hp["k"] == 0:
        slow = slow + hp["alpha"] * (new_p - slow)
        new_p = copy(slow)
    new_state["slow_param"] = slow
    return new_p, new_state


def lookahead_factors(hp: Hyper, t: int) -> dict[str, Any]:
    """The inner optimizer's per-step factors."""
    factors = _inner(hp).factors
    return factors(hp, t) if factors else {}


def lookahead_teach(state: State, hp: Hyper) -> dict[str, Array]:
    """Whatever the inner optimizer derives for teaching."""
    teach = _inner(hp).teach
    return teach(state, hp) if teach else {}


LOOKAHEAD = OptimizerSpec(
    name="lookahead",
    label="Lookahead",
    description=(
        "Lookahead wraps any optimizer. The inner optimizer explores k steps ahead with 'fast' "
        "weights; then the 'slow' weights move a fraction alpha of the way towards where it got, "
        "and the fast weights restart from the slow ones. This damps the inner optimizer's "
        "oscillations and makes it less sensitive to its learning rate."
    ),
    reference="Zhang, Lucas, Hinton, Ba 2019 (michaelrzhang/lookahead: sync after k, 2k, ...)",
    params=(
        Param("k", 5, kind="int", min=1, max=1000, step=1, symbol="k",
              help="inner steps between synchronisations"),
        Param("alpha", 0.5, min=0.0, max=1.0, step=0.01, symbol=r"\alpha",
              help="how far the slow weights move towards the fast ones"),
    ),
    equations=(
        r"t \bmod k = 0:\quad \phi \leftarrow \phi + \alpha\,(\theta_t - \phi), \quad "
        r"\theta_t \leftarrow \phi",
    ),
    state=(StateVar("slow_param", r"\phi", "slow weights (plus the inner optimizer's state)"),),
    init=lookahead_init,
    update=lookahead_update,
    teach=lookahead_teach,
    factors=lookahead_factors,
    wraps=True,
)
