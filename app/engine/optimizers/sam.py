"""SAM (Foret et al. 2021) and ASAM (Kwon et al. 2021) as pytorch_optimizer 4.1's ``SAM``.

A wrapper like Lookahead (``SAM.around(inner)`` is what the runner steps), with two gradients a
step: the step's gradient g at theta, then the gradient at the perturbed point theta + e, where
e moves a distance rho along g (ASAM: rho in coordinates rescaled by |theta|). The inner
optimizer steps from theta with that second gradient. The perturbed point is recorded as the
companion path ``perturbed``.

The reference computes the perturbation's scale rho / (||g|| + perturb_eps) in float32 (the norm
is rounded to float32, squared, square-rooted and inverted there); the same float32 operations
here give its scale bit for bit, which the fixtures need at 1e-9. The norm couples both
coordinates: on arrays the second gradient is the oracle's (``needs_oracle``); a single run steps
on floats through ``pair_update`` (both coordinates at once, the same float32 operations on NumPy
float32 scalars), bit for bit the array step.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, NoReturn

import numpy as np

from ..params import Param
from .base import (
    INNER,
    Array,
    Constants,
    GradAt,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    State,
    StateVar,
    copy,
    off,
    on,
)
from .norms import float32_scale

PERTURBED = "perturbed"  # the point of the second gradient: state name and companion path


def _unbound(*_: object) -> NoReturn:
    """The catalog entry alone has no inner optimizer to step."""
    raise TypeError("sam steps an inner optimizer: step SAM.around(inner)")


def perturbation_scale(norm: Array, rho: Any, perturb_eps: Any) -> Array:
    """rho / (norm + perturb_eps) per run, in float32 as the reference computes it
    (norms.float32_scale, Adan's clip factor too)."""
    return float32_scale(norm, rho, perturb_eps)


def perturbation(p: Array, grad: Array, hp: Hyper) -> Array:
    """e per run (B, 2): rho g / (||g|| + eps), or ASAM's rho p^2 g / (|| |p| g || + eps)."""
    adaptive = hp["adaptive"]
    weighted = grad * np.abs(p) if adaptive else grad
    norm = np.sqrt(weighted[:, :1] * weighted[:, :1] + weighted[:, 1:] * weighted[:, 1:])
    scale = perturbation_scale(norm, hp["rho"], hp["perturb_eps"])
    return (p * p) * grad * scale if adaptive else grad * scale


def perturbed_pair(x: float, y: float, gx: float, gy: float, hp: Hyper) -> tuple[float, float]:
    """The perturbed point of one run on floats, as :func:`perturbation` computes it."""
    if hp["adaptive"]:
        wx, wy = gx * abs(x), gy * abs(y)
        scale = perturbation_scale(math.sqrt(wx * wx + wy * wy), hp["rho"], hp["perturb_eps"])
        return x + (x * x) * gx * scale, y + (y * y) * gy * scale
    scale = perturbation_scale(math.sqrt(gx * gx + gy * gy), hp["rho"], hp["perturb_eps"])
    return x + gx * scale, y + gy * scale


def sam_around(inner: OptimizerSpec) -> OptimizerSpec:
    """SAM stepping ``inner``: the perturbed point's gradient (from the oracle) handed to the
    inner optimizer's update at the unperturbed point, on the nested records."""
    inner_init, inner_update = inner.init, inner.update

    def init(p: Array, hp: Hyper) -> State:
        """The inner optimizer's state, and the perturbed point (the start until a step)."""
        return {INNER: inner_init(p, hp[INNER]), PERTURBED: copy(p)}

    def update(p: Array, grad: Array, state: State, hp: Hyper, consts: Constants,
               t: int, oracle: Oracle | None) -> tuple[Array, State]:
        """e from g at p; g2 at p + e; the inner step from p with g2."""
        if oracle is None:
            raise ValueError("sam needs an oracle for its second gradient")
        perturbed = p + perturbation(p, grad, hp)
        second = oracle.gradient(perturbed)
        new_p, inner_state = inner_update(p, second, state[INNER], hp[INNER], consts, t, None)
        return new_p, {INNER: inner_state, PERTURBED: perturbed}

    def pair_update(x: float, y: float, gx: float, gy: float, sx: State, sy: State, hp: Hyper,
                    consts: Constants, t: int, grad_at: GradAt
                    ) -> tuple[float, float, State, State]:
        """One run's step on floats: the perturbed point, its gradient, the inner step on each
        coordinate from the point."""
        px, py = perturbed_pair(x, y, gx, gy, hp)
        g2x, g2y = grad_at(px, py)
        inner_hp = hp[INNER]
        new_x, inner_x = inner_update(x, g2x, sx[INNER], inner_hp, consts, t, None)
        new_y, inner_y = inner_update(y, g2y, sy[INNER], inner_hp, consts, t, None)
        return new_x, new_y, {INNER: inner_x, PERTURBED: px}, {INNER: inner_y, PERTURBED: py}

    # (an inner update that couples the coordinates steps on arrays: FloatKernel.supports)
    return replace(SAM, init=init, update=update, around=None, needs_oracle=True,
                   pair_update=pair_update)


SAM = OptimizerSpec(
    name="sam",
    label="SAM",
    description=(
        "Sharpness-aware minimization wraps any optimizer and takes two gradients a step: it "
        "first moves a distance rho uphill along the gradient, to the perturbed point (drawn "
        "beside the path), and the inner optimizer steps from the point with the gradient "
        "found there. So it descends the worst loss within rho, not the loss: high around a "
        "narrow minimum, barely above the loss in a wide one, hence its preference for flat "
        "minima, which generalize better. On a 2-D surface a run can also hover on the rim of a "
        "narrow pit, its perturbed point jumping across the rim and back. ASAM (adaptive) "
        "measures the neighbourhood relative to |theta| per coordinate, so rescaling a "
        "parameter no longer changes where SAM looks."
    ),
    family="wrapper",
    year=2021,
    paper="Foret, Kleiner, Mobahi & Neyshabur 2021, Sharpness-Aware Minimization for "
          "Efficiently Improving Generalization",
    reference="pytorch_optimizer 4.1 SAM (ASAM: Kwon et al. 2021); perturbation scale in float32",
    params=(
        Param("rho", 0.05, min=0.0, max=100.0, scale="log", slider_min=1e-3, slider_max=2.0,
              symbol=r"\rho", help="radius of the neighbourhood: how far the perturbed point "
              "lies from the point", zh={"help": "邻域半径：扰动点离当前点的距离"}),
        Param("adaptive", False, kind="bool",
              help="ASAM: the neighbourhood scaled by |theta| per coordinate",
              zh={"help": "ASAM：邻域按每个坐标的 |theta| 缩放"}),
        Param("perturb_eps", 1e-12, min=0.0, max=1.0, scale="log", slider_min=1e-12,
              slider_max=1e-2, symbol=r"\epsilon_\rho",
              help="added to the gradient's norm (no division by zero where g = 0)",
              zh={"help": "加到梯度范数上（在 g = 0 处避免除以零）"}),
    ),
    equations=(
        Line(r"e_t = \rho\,\frac{g_t}{\lVert g_t\rVert + \epsilon_\rho}", (off("adaptive"),)),
        Line(r"e_t = \rho\,\frac{\theta_{t-1}^2 \odot g_t}"
             r"{\lVert\, |\theta_{t-1}| \odot g_t \rVert + \epsilon_\rho}", (on("adaptive"),)),
        r"\tilde\theta_t = \theta_{t-1} + e_t",
        r"g_t \leftarrow \nabla f(\tilde\theta_t)",
    ),
    state=(StateVar(PERTURBED, r"\tilde\theta", "perturbed point: where the second gradient "
                    "is taken (plus the inner optimizer's state)", path=True,
                    zh={"help": "扰动点：计算第二个梯度的位置（以及内层优化器的状态）"}),),
    init=_unbound,
    update=_unbound,
    pair_update=_unbound,
    around=sam_around,
    needs_oracle=True,
    # the inner optimizers the page does not offer (they evaluate the objective themselves:
    # refused by validate_optimizer; tests/test_sam.py keeps the list in step with it)
    extra={},  # inner_excludes: set by the registry from the nesting rules
    zh={"label": "SAM",
        "description": ("锐度感知最小化（SAM）可以包裹任何优化器，每步计算两次梯度：它先沿梯度方向"
                        "（上坡）移动距离 rho，到达扰动点（画在路径旁），内层优化器再用该点的梯度"
                        "从当前点出发更新。因此它下降的是 rho 范围内最坏的损失，而不是损失本身："
                        "在狭窄的极小值周围它很高，在宽阔的极小值中只比损失略高，所以 SAM 偏好"
                        "平坦的极小值，这类极小值泛化更好。在二维曲面上，轨迹也可能徘徊在狭窄深坑的"
                        "边缘，扰动点在边缘两侧来回跳动。ASAM（adaptive）按每个坐标的 "
                        "|theta| 度量邻域，因此缩放某个参数不再改变 SAM 的探测位置。")},
)
