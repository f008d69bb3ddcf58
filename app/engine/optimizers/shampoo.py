"""Shampoo as pytorch_optimizer 4.1's Shampoo steps a vector: one full 2x2 preconditioner.

On a tensor of order 1 Shampoo keeps a single statistic H = matrix_eps I + sum g g^T and steps
along H^(-1/2) g: full-matrix AdaGrad. The inverse root comes, as in pytorch_optimizer, from the
singular value decomposition (LAPACK's gesdd, through ``numpy.linalg.svd``; H is symmetric,
so it is U diag(s^(-1/2)) V^T), on floats and arrays alike, so a single run and a map cell agree
bit for bit. H is recorded as its diagonal (per coordinate) and its off-diagonal entry (per
run); so is the inverse root (whose two off-diagonal entries agree to rounding; the step uses
both).
Because H^(-1/2) rotates with the surface, the path on a rotated surface is the rotated path
(tests/test_matrix_optimizers.py), as for plain SGD and unlike the per-coordinate adaptive
methods (AdaGrad, RMSprop, Adam).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..params import Param, lr_param, weight_decay_param
from .base import (
    GRADIENT_LINES,
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    State,
    StateVar,
    is_per_run,
    join,
    lerp,
    lr_step_scale,
    off,
    on,
    per_run,
    positive,
    select,
    split,
    sqrt,
)
from .classic import MAXIMIZE

Root = tuple[Any, Any, Any, Any]  # (r00, r01, r10, r11)


def _entries(u: tuple[Any, ...], s: tuple[Any, Any], vh: tuple[Any, ...]) -> Root:
    """(U diag(s^(-1/2)) V^T) entry by entry, from U and V^T's entries (row-major) and s: the
    same operations on floats and on columns. torch's ``s.pow_(-1/2)`` is 1 / sqrt(s)."""
    u00, u01, u10, u11 = u
    v00, v01, v10, v11 = vh
    r0, r1 = 1.0 / sqrt(s[0]), 1.0 / sqrt(s[1])
    a0, a1, b0, b1 = u00 * r0, u01 * r1, u10 * r0, u11 * r1
    return (a0 * v00 + a1 * v10, a0 * v01 + a1 * v11, b0 * v00 + b1 * v10, b0 * v01 + b1 * v11)


def inverse_root(h00: Any, h01: Any, h11: Any) -> Root:
    """H^(-1/2) of the symmetric [[h00, h01], [h01, h11]] (floats, or (B, 1) columns) by
    LAPACK's SVD, as (r00, r01, r10, r11); NaN where H is not finite or the SVD fails."""
    if type(h00) is float:
        if not (math.isfinite(h00) and math.isfinite(h01) and math.isfinite(h11)):
            return (math.nan,) * 4
        try:  # NumPy's public SVD (its private gufunc would be a third the cost, and fragile)
            u, s, vh = np.linalg.svd(np.array([[h00, h01], [h01, h11]]))
        except np.linalg.LinAlgError:
            return (math.nan,) * 4
        (s0, s1), (u00, u01), (u10, u11) = s.tolist(), *u.tolist()
        (v00, v01), (v10, v11) = vh.tolist()
        return _entries((u00, u01, u10, u11), (s0, s1), (v00, v01, v10, v11))
    rows = np.broadcast_shapes(np.shape(h00), np.shape(h01), np.shape(h11))[0]
    h = np.empty((rows, 2, 2))
    h[:, 0, 0] = np.broadcast_to(h00, (rows, 1))[:, 0]
    h[:, 0, 1] = h[:, 1, 0] = np.broadcast_to(h01, (rows, 1))[:, 0]
    h[:, 1, 1] = np.broadcast_to(h11, (rows, 1))[:, 0]
    out = np.full((rows, 4), np.nan)
    good = np.isfinite(h).all(axis=(1, 2))
    if good.any():
        try:
            u, s, vh = np.linalg.svd(h[good])
        except np.linalg.LinAlgError:
            u = None
        if u is not None:
            out[good] = np.column_stack(_entries(
                (u[:, 0, 0], u[:, 0, 1], u[:, 1, 0], u[:, 1, 1]), (s[:, 0], s[:, 1]),
                (vh[:, 0, 0], vh[:, 0, 1], vh[:, 1, 0], vh[:, 1, 1])))
    return out[:, 0:1], out[:, 1:2], out[:, 2:3], out[:, 3:4]


def shampoo_init(p: Array, hp: Hyper) -> State:
    """H = matrix_eps I; the inverse root 0 until first computed; the buffer set at step 1."""
    rows = (p.shape[0], 1)
    eps = np.broadcast_to(hp["matrix_eps"], rows) + 0.0
    return {"pre_cond_0": np.concatenate((eps, eps), axis=1), "pre_cond_0_xy": np.zeros(rows),
            "inv_pre_cond_0": np.zeros_like(p), "inv_pre_cond_0_xy": np.zeros(rows),
            "_inv_yx": np.zeros(rows), "momentum_buffer": np.zeros_like(p), "_fresh": True}


def shampoo_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """g <- lerp(g, b, momentum); decay; H <- H + g g^T; every k steps R = H^(-1/2);
    u = g R; p <- p - lr u; b <- u."""
    gx, gy = split(grad)
    # pytorch_optimizer fills the buffer with the raw gradient before negating it (maximize)
    bx, by = (gx, gy) if state["_fresh"] else split(state["momentum_buffer"])
    if hp["maximize"]:
        gx, gy = -gx, -gy
    mom = hp["momentum"]
    if is_per_run(mom):
        gx, gy = select(mom > 0, lerp(gx, bx, mom), gx), select(mom > 0, lerp(gy, by, mom), gy)
    elif mom > 0:
        gx, gy = lerp(gx, bx, mom), lerp(gy, by, mom)
    x, y = split(p)
    wd, lr = hp["weight_decay"], hp["lr"]
    if hp["weight_decouple"]:
        keep = 1.0 - wd * (1.0 if hp["fixed_decay"] else lr)
        x, y = x * keep, y * keep
    else:  # coupled, where weight_decay > 0
        gx, gy = select(wd > 0, gx + wd * x, gx), select(wd > 0, gy + wd * y, gy)
    hx, hy = split(state["pre_cond_0"])
    hx, hxy, hy = hx + gx * gx, state["pre_cond_0_xy"] + gx * gy, hy + gy * gy
    rx, ry = split(state["inv_pre_cond_0"])
    rxy, ryx = state["inv_pre_cond_0_xy"], state["_inv_yx"]
    if t % hp["preconditioning_compute_steps"] == 0:
        rx, rxy, ryx, ry = inverse_root(hx, per_run(hxy, x), hy)
    ux, uy = gx * rx + gy * ryx, gx * rxy + gy * ry
    return join(x + (-lr) * ux, y + (-lr) * uy, p), {
        "pre_cond_0": join(hx, hy, p), "pre_cond_0_xy": per_run(hxy, x),
        "inv_pre_cond_0": join(rx, ry, p), "inv_pre_cond_0_xy": per_run(rxy, x),
        "_inv_yx": per_run(ryx, x), "momentum_buffer": join(ux, uy, p), "_fresh": False}


SHAMPOO = OptimizerSpec(
    name="shampoo",
    label="Shampoo",
    description=(
        "Shampoo preconditions the gradient with a full matrix: on this 2-vector it sums the "
        "outer products g g^T into a 2x2 matrix H and steps along H^(-1/2) g, full-matrix "
        "AdaGrad. Per-coordinate methods (AdaGrad, Adam) only rescale the x and y axes, so a "
        "long valley tilted between them still makes them zigzag. H learns the valley's own "
        "axes: unlike them (and like plain SGD, which does not adapt at all) Shampoo is rotation "
        "invariant, and on a rotated ill-conditioned bowl (angle) its path is the rotated path "
        "of the unrotated bowl."
    ),
    family="second_order",
    year=2018,
    paper="Gupta, Koren & Singer 2018, Shampoo: Preconditioned Stochastic Tensor Optimization",
    reference="pytorch_optimizer.Shampoo 4.1 (order 1: one 2x2 preconditioner, inverse root "
              "by SVD)",
    params=(
        lr_param(1e-3),
        Param("momentum", 0.0, min=0.0, max=1.0, max_open=True, step=0.01, symbol=r"\mu",
              help="mixes the gradient with the previous preconditioned update",
              zh={"help": "把梯度与上一步预条件后的更新混合"}),
        weight_decay_param(),
        Param("weight_decouple", False, kind="bool",
              help="decoupled weight decay: shrink p instead of adding lambda p to g",
              zh={"help": "解耦权重衰减：直接缩小 p，而不是把 lambda p 加到 g 上"}),
        Param("fixed_decay", False, kind="bool",
              help="decoupled decay by lambda itself, not lr lambda",
              zh={"help": "解耦衰减按 lambda 本身而不是 lr lambda"}),
        Param("preconditioning_compute_steps", 1, kind="int", min=1, max=10000, step=1,
              slider_max=100, symbol="k", help="recompute H^(-1/2) every k steps",
              zh={"help": "每 k 步重新计算 H^(-1/2)"}),
        Param("matrix_eps", 1e-6, min=0.0, max=10.0, scale="log", slider_min=1e-12,
              slider_max=1.0, symbol=r"\epsilon", help="H starts as matrix_eps times I",
              zh={"help": "H 的初值为 matrix_eps 乘以单位矩阵"}),
        MAXIMIZE,
    ),
    equations=(
        *GRADIENT_LINES,
        Line(r"g_t \leftarrow g_t + \mu\,(u_{t-1} - g_t)\quad (u_0 = g_1)",
             (positive("momentum"),)),
        Line(r"g_t \leftarrow g_t + \lambda\,\theta_{t-1}",
             (off("weight_decouple"), positive("weight_decay"))),
        Line(r"\theta_{t-1} \leftarrow (1 - \eta\lambda)\,\theta_{t-1}",
             (on("weight_decouple"), off("fixed_decay"), positive("weight_decay"))),
        Line(r"\theta_{t-1} \leftarrow (1 - \lambda)\,\theta_{t-1}",
             (on("weight_decouple"), on("fixed_decay"), positive("weight_decay"))),
        r"H_t = H_{t-1} + g_t g_t^\top \quad (H_0 = \epsilon I,\ 2\times 2)",
        r"t \bmod k = 0:\quad H_t = U\,\mathrm{diag}(s)\,V^\top\ (\mathrm{SVD})",
        r"R_t = H_t^{-1/2} = U\,\mathrm{diag}(s^{-1/2})\,V^\top",
        r"u_t = R_t\, g_t",
        r"\theta_t = \theta_{t-1} - \eta\, u_t",
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta, \quad \theta_t = \theta_{t-1} - \hat\eta_t\, R_t\, g_t"),
    ),
    state=(
        StateVar("pre_cond_0", r"\mathrm{diag}\,H", "diagonal of H: summed squared gradients",
                 log=True, zh={"help": "H 的对角线：梯度平方之和"}),
        StateVar("pre_cond_0_xy", "H_{xy}", "off-diagonal of H: summed g_x g_y (the "
                 "correlation a diagonal method ignores)", scalar=True,
                 zh={"help": "H 的非对角元：g_x g_y 之和（对角方法忽略的相关性）"}),
        StateVar("inv_pre_cond_0", r"\mathrm{diag}\,R", "diagonal of R = H^(-1/2)", log=True,
                 zh={"help": "R = H^(-1/2) 的对角线"}),
        StateVar("inv_pre_cond_0_xy", "R_{xy}", "off-diagonal of R = H^(-1/2)", scalar=True,
                 zh={"help": "R = H^(-1/2) 的非对角元"}),
        StateVar("momentum_buffer", "u", "preconditioned update R g (the next step's momentum "
                 "buffer)", zh={"help": "预条件后的更新 R g（下一步的动量缓冲）"}),
        STEP_SCALE,
    ),
    init=shampoo_init,
    update=shampoo_update,
    teaching=lr_step_scale("momentum_buffer"),
    momentum_name="momentum",
    joint=True,
    zh={"label": "Shampoo",
        "description": "Shampoo 用完整矩阵对梯度做预条件：在这个二维向量上，它把外积 g g^T 累加成 "
                       "2x2 矩阵 H，并沿 H^(-1/2) g 前进，即全矩阵 AdaGrad。逐坐标的方法（AdaGrad、"
                       "Adam）只缩放 x 轴和 y 轴，所以夹在两轴之间的倾斜长谷仍会让它们之字形前进。"
                       "H 学到的是山谷自身的轴：与它们不同（而与完全不做自适应的普通 SGD 一样），"
                       "Shampoo 具有旋转不变性；在旋转过的病态碗（angle）上，它的路径就是未旋转碗上"
                       "路径的旋转。"},
)
