"""Lookahead (Zhang et al. 2019): an inner optimizer moves fast weights; every k steps the slow
weights move a fraction alpha towards them and the fast weights restart from there.

Lookahead keeps its inner optimizer's records nested inside its own, as optax's lookahead keeps
``fast_state``: hyperparameters ``{"k", "alpha", "inner": {<the inner optimizer's>}}`` and state
``{"inner": {<the inner optimizer's>}, "slow_param": phi}``. A name both use (Lookahead's and
RMSprop's ``alpha``) is two entries of two records, never one. ``LOOKAHEAD`` is the catalog entry;
``LOOKAHEAD.around(inner)`` is the optimizer the runner steps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NoReturn

from ..params import Param
from .base import INNER, Array, Constants, Hyper, OptimizerSpec, Oracle, State, StateVar, copy

SLOW = "slow_param"  # the slow weights' name in the state record and the recorded columns


def _unbound(*_: object) -> NoReturn:
    """The catalog entry alone has no inner optimizer to step."""
    raise TypeError("lookahead steps an inner optimizer: step LOOKAHEAD.around(inner)")


def lookahead_around(inner: OptimizerSpec) -> OptimizerSpec:
    """Lookahead stepping ``inner``: its init and update on the nested records, the step's
    constants (the inner optimizer's) and the line search (oracle) passed through."""
    inner_init, inner_update = inner.init, inner.update

    def init(p: Array, hp: Hyper) -> State:
        """The inner optimizer's state, and the slow weights copied from the start point."""
        return {INNER: inner_init(p, hp[INNER]), SLOW: copy(p)}

    def update(p: Array, grad: Array, state: State, hp: Hyper, consts: Constants,
               t: int, oracle: Oracle | None) -> tuple[Array, State]:
        """One inner step; after every k-th: slow += alpha * (fast - slow); fast = slow."""
        new_p, inner_state = inner_update(p, grad, state[INNER], hp[INNER], consts, t, oracle)
        slow = state[SLOW]
        if t % hp["k"] == 0:
            slow = slow + hp["alpha"] * (new_p - slow)  # arrays, floats or Vec2 pairs alike
            new_p = copy(slow)
        return new_p, {INNER: inner_state, SLOW: slow}

    # how the float kernel steps it (joint) is the inner optimizer's: the runner asks
    # the driven spec
    return replace(LOOKAHEAD, init=init, update=update, around=None,
                   needs_oracle=inner.needs_oracle)


LOOKAHEAD = OptimizerSpec(
    name="lookahead",
    label="Lookahead",
    description=(
        "Lookahead wraps any optimizer. The inner optimizer explores k steps ahead with 'fast' "
        "weights; then the 'slow' weights move a fraction alpha of the way towards where it got, "
        "and the fast weights restart from the slow ones. This damps the inner optimizer's "
        "oscillations and makes it less sensitive to its learning rate."
    ),
    family="wrapper",
    year=2019,
    paper="Zhang, Lucas, Hinton & Ba 2019, Lookahead Optimizer: k steps forward, 1 step back",
    reference="Zhang, Lucas, Hinton, Ba 2019 (michaelrzhang/lookahead: sync after k, 2k, ...)",
    params=(
        Param("k", 5, kind="int", min=1, max=1000, step=1, symbol="k",
              help="inner steps between synchronisations",
              zh={"help": "两次同步之间的内层步数"}),
        Param("alpha", 0.5, min=0.0, max=1.0, step=0.01, symbol=r"\alpha",
              help="how far the slow weights move towards the fast ones",
              zh={"help": "慢权重朝快权重移动的比例"}),
    ),
    equations=(
        r"t \bmod k = 0:\quad \phi \leftarrow \phi + \alpha\,(\theta_t - \phi), \quad "
        r"\theta_t \leftarrow \phi",
    ),
    state=(StateVar(SLOW, r"\phi", "slow weights (plus the inner optimizer's state)",
                    zh={"help": "慢权重（以及内层优化器的状态）"}),),
    init=_unbound,
    update=_unbound,
    around=lookahead_around,
    zh={"label": "Lookahead",
        "description": ("Lookahead 可以包裹任何优化器。内层优化器用“快”权重向前探索 k 步；"
                        "然后“慢”权重朝快权重到达的位置移动 alpha 的比例，"
                        "快权重再从慢权重重新出发。这能抑制内层优化器的振荡，"
                        "并降低它对学习率的敏感性。")},
)
