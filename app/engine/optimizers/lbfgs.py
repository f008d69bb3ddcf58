"""L-BFGS as torch.optim.LBFGS, one visualizer step = one ``step(closure)`` with max_iter = 1.

The quasi-Newton history and the strong-Wolfe line search are inherently sequential and
data-dependent, so each run is stepped on its own in plain Python floats (cheap in 2D): on
arrays row by row (``update``, the oracle evaluating), a single run on the float kernel
(``pair_update``, the same step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..params import Param, lr_param
from .base import (
    STEP_SCALE,
    Array,
    Constants,
    Hyper,
    Line,
    OptimizerSpec,
    Oracle,
    PairOracle,
    State,
    StateVar,
    scale_of,
)

Vec = tuple[float, float]


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1]


def _axpy(alpha: float, x: Vec, y: Vec) -> Vec:
    """y + alpha * x."""
    return (y[0] + alpha * x[0], y[1] + alpha * x[1])


@dataclass
class RunMemory:
    """One run's L-BFGS memory, under torch's state names."""

    func_evals: int = 0
    n_iter: int = 0
    d: Vec = (0.0, 0.0)
    t: float = 0.0
    # torch's old_stps, old_dirs and ro, one entry per curvature pair: (s x, s y, y x, y y, rho)
    pairs: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    H_diag: float = 1.0
    prev_flat_grad: Vec | None = None


def _div(a: float, b: float) -> float:
    """``a / b`` as a float64 tensor divides (torch's line search divides 0-dim tensors): a zero
    divisor gives +-inf, or NaN for 0 / 0, where Python floats would raise."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimiser of the cubic through two points with slopes, clamped to the bounds.

    torch computes this on 0-dim tensors (the slopes are ``g.dot(d)``), so a vanishing
    denominator or an overflowing square gives inf or NaN instead of an exception: a NaN
    ``d2_square`` fails the ``>= 0`` test and takes the bisection, an infinite ``min_pos`` is
    clamped to a bound, and a NaN one passes Python's ``min`` / ``max`` unchanged. The same
    arithmetic here (``_div``, ``d1 * d1``, the same builtins) gives the same numbers.
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - _div(3 * (f1 - f2), x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * _div(g2 + d2 - d1, g2 - g1 + 2 * d2)
        else:
            min_pos = x1 - (x1 - x2) * _div(g1 + d2 - d1, g1 - g2 + 2 * d2)
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(  # noqa: C901 - a faithful transcription of a standard line search
    evaluate: Any, x: Vec, t: float, d: Vec, f: float, g: Vec, gtd: float, max_ls: int,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
) -> tuple[float, Vec, float, int]:
    """Bracketing + zoom line search for the strong Wolfe conditions (torch's algorithm)."""
    d_norm = max(abs(d[0]), abs(d[1]))
    f_new, g_new = evaluate(_axpy(t, d, x))
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Vec] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = evaluate(_axpy(t, d, x))
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        hi, lo = max(bracket), min(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insuf_progress or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = evaluate(_axpy(t, d, x))
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _lbfgs_step(
    x: Vec, loss: float, g: Vec, mem: RunMemory, hp: Hyper, evaluate: Any
) -> Vec:
    """One ``LBFGS.step(closure)`` with max_iter = 1 for one run; returns the new point."""
    lr = float(hp["lr"])
    mem.func_evals += 1
    if max(abs(g[0]), abs(g[1])) <= hp["tolerance_grad"]:
        return x
    mem.n_iter += 1
    if mem.n_iter == 1:
        d: Vec = (-g[0], -g[1])
        mem.pairs, mem.H_diag = [], 1.0
    else:
        prev = mem.prev_flat_grad or (0.0, 0.0)
        y = (g[0] - prev[0], g[1] - prev[1])
        s = (mem.d[0] * mem.t, mem.d[1] * mem.t)
        ys = _dot(y, s)
        if ys > 1e-10:
            if len(mem.pairs) == hp["history_size"]:
                mem.pairs.pop(0)
            mem.pairs.append((s[0], s[1], y[0], y[1], 1.0 / ys))
            mem.H_diag = ys / _dot(y, y)
        # torch's two-loop recursion, _dot and _axpy written out on the coordinates (the same
        # operations in the same order: up to 2 x history_size of each a step), newest pair
        # first, then oldest first
        pairs = mem.pairs
        al: list[float] = []
        qx, qy = -g[0], -g[1]
        for sx, sy, yx, yy, r in reversed(pairs):
            a = (sx * qx + sy * qy) * r
            al.append(a)
            qx, qy = qx + -a * yx, qy + -a * yy
        al.reverse()
        rx, ry = qx * mem.H_diag, qy * mem.H_diag
        for (sx, sy, yx, yy, r), a in zip(pairs, al, strict=True):
            c = a - (yx * rx + yy * ry) * r
            rx, ry = rx + c * sx, ry + c * sy
        d = (rx, ry)
    mem.prev_flat_grad = g
    t = min(1.0, 1.0 / (abs(g[0]) + abs(g[1]))) * lr if mem.n_iter == 1 else lr
    gtd = _dot(g, d)
    mem.d = d
    mem.t = t
    if gtd > -hp["tolerance_change"]:
        return x
    if hp["line_search_fn"] == "strong_wolfe":
        max_ls = hp["max_eval"] - 1
        _, _, t, evals = _strong_wolfe(evaluate, x, t, d, loss, g, gtd, max_ls)
        mem.t = t
        mem.func_evals += evals
    return _axpy(t, d, x)


def lbfgs_init(p: Array, hp: Hyper) -> State:
    """One memory per run, plus the arrays the page shows."""
    rows = p.shape[0]
    return {
        "_memory": [RunMemory() for _ in range(rows)],
        "d": np.zeros_like(p),
        "t": np.zeros((rows, 1)),
        "H_diag": np.ones((rows, 1)),
        "history": np.zeros((rows, 1)),
        "func_evals": np.zeros((rows, 1)),
    }


def lbfgs_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int, oracle: Oracle | None
) -> tuple[Array, State]:
    """Step every run through its own L-BFGS iteration (the line search calls the oracle)."""
    if oracle is None:
        raise ValueError("lbfgs needs an oracle")
    start_loss = oracle.start_loss()
    memories: list[RunMemory] = state["_memory"]
    new_p = p.copy()
    rows_total = p.shape[0]
    per_row = {k: np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), (rows_total,))
               for k, v in hp.items() if isinstance(v, np.ndarray)}  # scheduled lr, map axes
    for i, mem in enumerate(memories):
        rows = np.array([i])

        def evaluate(point: Vec, rows: Array = rows) -> tuple[float, Vec]:
            loss, g = oracle(np.array([point]), rows)
            return float(loss[0]), (float(g[0, 0]), float(g[0, 1]))

        run_hp = {**hp, **{k: float(v[i]) for k, v in per_row.items()}}
        x = _lbfgs_step(
            (float(p[i, 0]), float(p[i, 1])), float(start_loss[i]),
            (float(grad[i, 0]), float(grad[i, 1])), mem, run_hp, evaluate,
        )
        new_p[i] = x
    return new_p, {
        "_memory": memories,
        "d": np.array([m.d for m in memories], dtype=float).reshape(p.shape),
        "t": np.array([[m.t] for m in memories], dtype=float),
        "H_diag": np.array([[m.H_diag] for m in memories], dtype=float),
        "history": np.array([[len(m.pairs)] for m in memories], dtype=float),
        "func_evals": np.array([[m.func_evals] for m in memories], dtype=float),
    }


def lbfgs_pair_update(
    x: float, y: float, gx: float, gy: float, sx: State, sy: State, hp: Hyper,
    consts: Constants, t: int, oracle: PairOracle,
) -> tuple[float, float, State, State]:
    """A single run's step on floats (the runner's float kernel): :func:`lbfgs_update`'s for
    one row, the line search evaluating through ``oracle``; the recorded state per coordinate
    (the memory is one object, kept in both)."""
    memory: list[RunMemory] = sx["_memory"]
    mem = memory[0]
    strong_wolfe = hp["line_search_fn"] == "strong_wolfe"  # the only reader of the start loss
    loss = oracle.value(x, y) if strong_wolfe else math.nan
    new_x, new_y = _lbfgs_step((x, y), loss, (gx, gy), mem, hp,
                               lambda point: oracle.search(*point))
    shared = {"_memory": memory, "t": mem.t, "H_diag": mem.H_diag,
              "history": float(len(mem.pairs)), "func_evals": float(mem.func_evals)}
    return new_x, new_y, {**shared, "d": mem.d[0]}, {**shared, "d": mem.d[1]}


def lbfgs_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale: the step length t along d (the lr, or the line search's)."""
    return {"step_scale": scale_of(state["t"], state["d"])}


LBFGS = OptimizerSpec(
    name="lbfgs",
    label="L-BFGS",
    description=(
        "L-BFGS is a quasi-Newton method: from the last few steps and gradient changes it "
        "builds an approximation of the inverse curvature (Hessian) and steps along "
        "-H g, which on a quadratic heads almost straight to the minimum. With the strong "
        "Wolfe line search it also chooses the step length t so the loss decreases enough and "
        "the slope flattens. One visualizer step is one torch LBFGS.step with max_iter = 1; the "
        "line search's extra function evaluations happen inside that step."
    ),
    family="second_order",
    year=1989,
    paper="Liu & Nocedal 1989, On the Limited Memory BFGS Method for Large Scale Optimization",
    reference="torch.optim.LBFGS (max_iter=1)",
    params=(
        lr_param(1.0),
        Param("history_size", 100, kind="int", min=1, max=1000, step=1, symbol="m",
              help="number of (step, gradient change) pairs kept",
              zh={"help": "保留的（位移, 梯度变化）对的数量"}),
        Param("line_search_fn", "none", kind="choice", choices=("none", "strong_wolfe"),
              help="line search: none (fixed step lr) or strong_wolfe",
              zh={"help": "线搜索：none（固定步长 lr）或 strong_wolfe"}),
        Param("tolerance_grad", 1e-7, min=0.0, max=1.0, scale="log", slider_min=1e-12,
              slider_max=1e-1, help="stop stepping when max |g| is at most this",
              zh={"help": "当 max |g| 不超过此值时停止迈步"}),
        Param("tolerance_change", 1e-9, min=0.0, max=1.0, scale="log", slider_min=1e-14,
              slider_max=1e-1, help="no step when the directional slope is above -this",
              zh={"help": "当方向斜率大于 −tolerance_change 时不迈步"}),
        Param("max_eval", 25, kind="int", min=1, max=100, step=1,
              help="function evaluations per step, line search included (torch's default "
                   "max_iter*5/4 would be 1 here and leave the line search no evaluations)",
                   zh={"help": ("每步的函数求值次数，包括线搜索在内（torch 的默认值 "
                                "max_iter*5/4 在这里等于 1，线搜索将没有可用的求值次数）")}),
    ),
    equations=(
        r"s_k = \theta_{k+1} - \theta_k, \quad y_k = g_{k+1} - g_k, \quad "
        r"\rho_k = 1/(y_k^\top s_k)",
        r"H^0_t = \gamma_t I, \quad \gamma_t = \frac{y_{t-1}^\top s_{t-1}}{y_{t-1}^\top y_{t-1}}",
        r"d_t = -H_t\, g_t, \quad H_t = H\big(H^0_t;\, (s_k, y_k)_{k=t-m}^{t-1}\big)",
        Line(r"t_1 = \eta\,\min\!\left(1, \frac{1}{\|g_1\|_1}\right), \quad t_t = \eta"
             r"\ \ (t > 1)", (("line_search_fn", "==", "none"),)),
        Line(r"f(\theta_{t-1} + t_t d_t) \le f(\theta_{t-1}) + c_1 t_t\, g_t^\top d_t",
             (("line_search_fn", "==", "strong_wolfe"),)),
        Line(r"|\nabla f(\theta_{t-1} + t_t d_t)^\top d_t| \le c_2\, |g_t^\top d_t|",
             (("line_search_fn", "==", "strong_wolfe"),)),
        r"\theta_t = \theta_{t-1} + t_t\, d_t",
    ),
    step_scale=(
        r"\hat\eta_t = t_t, \quad \theta_t = \theta_{t-1} + \hat\eta_t\, d_t",
    ),
    state=(
        StateVar("d", "d", "search direction -H g",
                 zh={"help": "搜索方向 -H g"}),
        StateVar("t", "t", "step length along d", scalar=True,
                 zh={"help": "沿 d 方向的步长"}),
        StateVar("H_diag", r"\gamma", "initial inverse-Hessian scale y's / y'y", scalar=True,
                 zh={"help": "初始逆 Hessian 的尺度 y's / y'y"}),
        StateVar("history", "k", "number of curvature pairs in memory", scalar=True,
                 zh={"help": "内存中保存的曲率对个数"}),
        StateVar("func_evals", r"n_f", "function evaluations so far", scalar=True,
                 zh={"help": "迄今的函数求值次数"}),
        STEP_SCALE,
    ),
    init=lbfgs_init,
    update=lbfgs_update,
    teaching=lbfgs_teaching,
    needs_oracle=True,
    by_row=True,
    pair_update=lbfgs_pair_update,
    zh={"label": "L-BFGS",
        "description": ("L-BFGS 是拟牛顿法：它根据最近几步的位移和梯度变化构造逆曲率（Hessian "
                        "的逆）的近似，沿 −H g 迈步；在二次函数上几乎直奔极小值。使用强 Wolfe "
                        "线搜索时，它还会选择步长 t，使损失下降足够多且斜率变平。"
                        "可视化中的一步对应 torch 中 max_iter = 1 的一次 LBFGS.step，"
                        "线搜索额外的函数求值都在这一步之内。")},
)
