"""Muon as torch.optim.Muon defines it, on the 2-vector stepped as a 1x2 matrix.

torch's ``ns_coefficients`` triple is split as ``ns_a``, ``ns_b``, ``ns_c``; ``adjust_lr_fn`` is a
choice whose null (torch's None) means "original". torch runs the Newton-Schulz iteration in
bfloat16: every operation computes in float32 from bfloat16 inputs and rounds its result to
bfloat16 (round to nearest, ties to even). :func:`newton_schulz` emulates exactly that with
NumPy float32 arithmetic and a bit mask on arrays, and on floats with double operations cast to
float32 and Veltkamp's split (the same roundings), so the orthogonalised update is torch's bit
for bit (tests/test_matrix_optimizers.py checks the fixtures' ``ns_update``, and
torch's own function on random inputs); the path stays within 3e-14 (relative) of torch's, which
rounds its momentum's lerp with a fused multiply-add.

On one row, orthogonalisation is normalisation: NS(U) = U/|U| times a length that the quintic
maps to about 0.7 (0.68-0.72 after bfloat16 rounding), so every step has nearly the same length
lr * 0.7 whatever the gradient's size, and its direction keeps 8 significant bits.
"""

from __future__ import annotations

import math
import struct
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
    State,
    StateVar,
    is_per_run,
    join,
    lerp,
    maximum,
    off,
    on,
    positive,
    scale_of,
    split,
    zero,
)

f32 = np.float32
RMS_ADAMW = 0.2 * math.sqrt(2)  # torch's 0.2 sqrt(max(A, B)) for the 1x2 matrix
ADJUSTED = ("adjust_lr_fn", "==", "match_rms_adamw")
ORIGINAL = ("adjust_lr_fn", "!=", "match_rms_adamw")  # "original", or null (torch's None)


def bf16(a: Any) -> np.ndarray:
    """float32 values rounded to bfloat16 (to nearest, ties to even), kept as float32."""
    bits = np.array(a, dtype=f32, ndmin=1).view(np.uint32)
    return ((bits + (((bits >> 16) & 1) + 0x7FFF)) & 0xFFFF0000).view(f32)


_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F32X2, _F32X3, _F32X4 = struct.Struct("<2f"), struct.Struct("<3f"), struct.Struct("<4f")
# bound once: Newton-Schulz rounds ~75 values a step on the float path, several per call
_pack_f32, _unpack_f32 = _F32.pack, _F32.unpack
_pack_u32, _unpack_u32 = _U32.pack, _U32.unpack
_pack_f32x2, _unpack_f32x2 = _F32X2.pack, _F32X2.unpack
_pack_f32x4, _unpack_f32x4 = _F32X4.pack, _F32X4.unpack


def _f32(x: float) -> float:
    """A double rounded to float32 (to nearest even), as a double. With 53 >= 2 * 24 + 2 bits,
    an operation on float32 values computed in double and rounded once more is the float32
    operation's own result (double rounding is innocuous for + - * / sqrt). Beyond float32's
    range it raises OverflowError (an ArithmeticError: the run then steps on arrays)."""
    return _unpack_f32(_pack_f32(x))[0]


# Veltkamp's split: t = v (2^45 + 1), t - (t - v) is v rounded to its top 53 - 45 = 8 bits, to
# nearest even, for a float32 v of normal bfloat16 range, 2^-126 <= |v| < 2^127 (exactly when
# 2^-252 <= v^2 < 2^254: v^2 is exact in double); tests/test_matrix_optimizers.py checks it
# against the bit route on random values, ties, subnormals, the overflow edge, zeros, inf, nan.
_SPLIT = 2.0**45 + 1.0
_SQ_LOW, _SQ_HIGH = 2.0**-252, 2.0**254


def _bf16_bits(v: float) -> float:
    """A float32 value rounded to bfloat16 on its bits (torch's rounding, any value)."""
    bits = _unpack_u32(_pack_f32(v))[0]
    bits = (bits + (((bits >> 16) & 1) + 0x7FFF)) & 0xFFFF0000
    return _unpack_f32(_pack_u32(bits))[0]


def _bf16(x: float) -> float:
    """A double rounded to float32, then to bfloat16 (to nearest even), as a double."""
    v = _unpack_f32(_pack_f32(x))[0]
    if _SQ_LOW <= v * v < _SQ_HIGH:
        t = v * _SPLIT
        return t - (t - v)
    return _bf16_bits(v)


def _bf16_pair(x: float, y: float) -> tuple[float, float]:
    """:func:`_bf16` of two doubles, their float32 casts through one buffer."""
    u, v = _unpack_f32x2(_pack_f32x2(x, y))
    if _SQ_LOW <= u * u < _SQ_HIGH and _SQ_LOW <= v * v < _SQ_HIGH:
        t, w = u * _SPLIT, v * _SPLIT
        return t - (t - u), w - (w - v)
    return _bf16_bits(u), _bf16_bits(v)


def _newton_schulz_floats(ux: float, uy: float, hp: Hyper) -> tuple[float, float]:
    """:func:`newton_schulz` on Python floats: each float32 operation as a double operation
    rounded to float32 (:func:`_f32`; the independent ones of an iteration packed together),
    each torch op's result rounded to bfloat16 (:func:`_bf16`)."""
    a, b, c = _F32X3.unpack(_F32X3.pack(hp["ns_a"], hp["ns_b"], hp["ns_c"]))
    x0, x1 = _bf16_pair(ux, uy)
    s0, s1 = _unpack_f32x2(_pack_f32x2(x0 * x0, x1 * x1))
    norm = _bf16(math.sqrt(_f32(s0 + s1)))
    norm = maximum(norm, _bf16(hp["eps"]))
    x0, x1 = _bf16_pair(x0 / norm, x1 / norm)
    for _ in range(hp["ns_steps"]):
        s0, s1 = _unpack_f32x2(_pack_f32x2(x0 * x0, x1 * x1))
        gram = _bf16(s0 + s1)
        s0, s1 = _unpack_f32x2(_pack_f32x2(b * gram, c * _f32(gram * gram)))
        update = _bf16(s0 + s1)
        p0, p1, q0, q1 = _unpack_f32x4(_pack_f32x4(a * x0, a * x1, update * x0, update * x1))
        x0, x1 = _bf16_pair(p0 + q0, p1 + q1)
    return x0, x1


def newton_schulz(ux: Any, uy: Any, hp: Hyper) -> tuple[Any, Any]:
    """torch's ``_zeropower_via_newtonschulz`` of the 1x2 matrix [ux, uy], in bfloat16: float32
    arithmetic per operation, each result rounded to bfloat16; float64 results in the form of
    the input (floats, or (B, 1) columns)."""
    if type(ux) is float and type(uy) is float and not is_per_run(hp["ns_a"]):
        return _newton_schulz_floats(ux, uy, hp)
    a, b, c = f32(hp["ns_a"]), f32(hp["ns_b"]), f32(hp["ns_c"])
    x0, x1 = bf16(np.asarray(ux, dtype=f32)), bf16(np.asarray(uy, dtype=f32))
    norm = bf16(np.sqrt(x0 * x0 + x1 * x1))
    norm = np.maximum(norm, bf16(np.asarray(hp["eps"], dtype=f32)))
    x0, x1 = bf16(x0 / norm), bf16(x1 / norm)
    for _ in range(hp["ns_steps"]):
        gram = bf16(x0 * x0 + x1 * x1)
        update = bf16(b * gram + c * (gram * gram))
        x0, x1 = bf16(a * x0 + update * x0), bf16(a * x1 + update * x1)
    return x0.astype(np.float64).reshape(np.shape(ux)), x1.astype(np.float64).reshape(np.shape(uy))


def adjusted_lr(hp: Hyper) -> Any:
    """The lr the step applies: lr ("original": sqrt(max(1, 1/2)) = 1), or 0.2 sqrt(2) lr."""
    return hp["lr"] * RMS_ADAMW if hp["adjust_lr_fn"] == "match_rms_adamw" else hp["lr"]


def muon_init(p: Array, hp: Hyper) -> State:
    """The momentum buffer starts at zero."""
    return {"momentum_buffer": np.zeros_like(p), "ns_update": np.zeros_like(p)}


def muon_update(
    p: Array, grad: Array, state: State, hp: Hyper, consts: Constants, t: int,
    oracle: Oracle | None,
) -> tuple[Array, State]:
    """B <- lerp(B, g, 1-mu); U = lerp(g, B, mu) (Nesterov) or B; O = NS(U) in bfloat16;
    p <- p (1 - lr wd) - lr' O."""
    gx, gy = split(grad)
    bx, by = split(state["momentum_buffer"])
    mu = hp["momentum"]
    bx, by = lerp(bx, gx, 1 - mu), lerp(by, gy, 1 - mu)
    ux, uy = (lerp(gx, bx, mu), lerp(gy, by, mu)) if hp["nesterov"] else (bx, by)
    ox, oy = newton_schulz(ux, uy, hp)
    x, y = split(p)
    keep = 1 - hp["lr"] * hp["weight_decay"]
    x, y = x * keep, y * keep
    step = -adjusted_lr(hp)
    return join(x + step * ox, y + step * oy, p), {
        "momentum_buffer": join(bx, by, p), "ns_update": join(ox, oy, p)}


def muon_teaching(state: State, hp: Hyper, consts: Constants) -> dict[str, Array]:
    """The step scale on the orthogonalised update O: the adjusted lr."""
    return {"step_scale": scale_of(adjusted_lr(hp), state["ns_update"])}


MUON = OptimizerSpec(
    name="muon",
    label="Muon",
    description=(
        "Muon keeps a momentum of the gradient and orthogonalises it before stepping: a few "
        "Newton-Schulz iterations push the singular values of the update matrix towards 1. Here "
        "the 2-vector is a 1x2 matrix, as torch steps it, and a single row has one singular "
        "value, its length: orthogonalising normalises it, so every step has about the same "
        "length 0.7 lr, large gradient or small. Like normalised SGD with (Nesterov) momentum, "
        "it crosses flat regions and steep walls at one pace and jitters around a minimum at "
        "that pace. torch iterates in bfloat16, emulated here bit for bit: the direction keeps "
        "8 significant bits."
    ),
    family="second_order",
    year=2024,
    paper="Jordan et al. 2024, Muon: An optimizer for hidden layers in neural networks",
    reference="torch.optim.Muon (the 2-vector as a 1x2 matrix, Newton-Schulz in bfloat16)",
    params=(
        lr_param(1e-3),
        Param("weight_decay", 0.1, min=0.0, max=10.0, step=1e-3, symbol=r"\lambda",
              help="decoupled weight decay: p shrinks by lr * weight_decay each step",
              zh={"help": "解耦权重衰减：每步参数按 lr × weight_decay 收缩"}),
        Param("momentum", 0.95, min=0.0, max=1.0, step=0.01, symbol=r"\mu",
              help="momentum of the buffer B the update is built from",
              zh={"help": "构造更新所用缓冲 B 的动量"}),
        Param("nesterov", True, kind="bool", help="Nesterov: orthogonalise g + mu (B - g)",
              zh={"help": "Nesterov：对 g + mu (B - g) 做正交化"}),
        Param("ns_a", 3.4445, min=-100.0, max=100.0, step=1e-4, symbol="a",
              help="Newton-Schulz coefficient of X", zh={"help": "Newton-Schulz 中 X 的系数"}),
        Param("ns_b", -4.775, min=-100.0, max=100.0, step=1e-4, symbol="b",
              help="Newton-Schulz coefficient of (X X^T) X",
              zh={"help": "Newton-Schulz 中 (X X^T) X 的系数"}),
        Param("ns_c", 2.0315, min=-100.0, max=100.0, step=1e-4, symbol="c",
              help="Newton-Schulz coefficient of (X X^T)^2 X",
              zh={"help": "Newton-Schulz 中 (X X^T)^2 X 的系数"}),
        Param("eps", 1e-7, min=0.0, max=1.0, scale="log", slider_min=1e-12, slider_max=1.0,
              symbol=r"\epsilon", help="smallest norm U is divided by before the iterations",
              zh={"help": "迭代前 U 所除范数的最小值"}),
        Param("ns_steps", 5, kind="int", min=0, max=99, step=1, slider_max=10, symbol="k",
              help="Newton-Schulz iterations", zh={"help": "Newton-Schulz 迭代次数"}),
        Param("adjust_lr_fn", "original", kind="choice", nullable=True,
              choices=("original", "match_rms_adamw"),
              help="lr adjustment by shape: original keeps lr on a 1x2 matrix; "
                   "match_rms_adamw uses 0.2 sqrt(2) lr (null: original)",
              zh={"help": "按形状调整学习率：original 对 1x2 矩阵保持 lr；match_rms_adamw "
                          "使用 0.2 sqrt(2) lr（null 即 original）"}),
    ),
    equations=(
        r"g_t = \nabla f(\theta_{t-1})",
        r"B_t = B_{t-1} + (1 - \mu)(g_t - B_{t-1})",
        Line(r"U_t = g_t + \mu\,(B_t - g_t)", (on("nesterov"),)),
        Line(r"U_t = B_t", (off("nesterov"),)),
        r"X_0 = U_t / \max(\lVert U_t \rVert, \epsilon)",
        r"X_{j+1} = (a + b A_j + c A_j^2)\,X_j,\quad A_j = X_j X_j^\top",
        r"O_t = X_k \approx 0.7\,U_t / \lVert U_t \rVert \quad (\mathrm{bfloat16})",
        Line(r"\eta' = \eta", (ORIGINAL,)),
        Line(r"\eta' = 0.2\sqrt{2}\,\eta", (ADJUSTED,)),
        Line(r"\theta_t = (1 - \eta\lambda)\,\theta_{t-1} - \eta'\, O_t",
             (positive("weight_decay"),)),
        Line(r"\theta_t = \theta_{t-1} - \eta'\, O_t", (zero("weight_decay"),)),
    ),
    step_scale=(
        Line(r"\hat\eta_t = \eta', \quad \theta_t = (1 - \eta\lambda)\,\theta_{t-1} "
             r"- \hat\eta_t\, O_t"),
    ),
    state=(
        StateVar("momentum_buffer", "B", "momentum buffer",
                 zh={"help": "动量缓冲"}),
        StateVar("ns_update", "O", "orthogonalised update NS(U) (bfloat16 values): about "
                 "0.7 U/|U|", zh={"help": "正交化后的更新 NS(U)（bfloat16 数值）：约为 0.7 U/|U|"}),
        STEP_SCALE,
    ),
    init=muon_init,
    update=muon_update,
    teaching=muon_teaching,
    momentum_name="momentum",
    joint=True,
    zh={"label": "Muon",
        "description": "Muon 保存梯度的动量，并在更新前将其正交化：几次 Newton-Schulz 迭代把更新"
                       "矩阵的奇异值推向 1。这里按 torch 的方式把二维向量当作 1x2 矩阵，而单行只有"
                       "一个奇异值，即它的长度：正交化就是归一化，所以无论梯度大小，每步长度都约为 "
                       "0.7 lr。它像带（Nesterov）动量的归一化 SGD，以同一步幅穿过平坦区和陡壁，"
                       "并以此步幅在极小值附近抖动。torch 在 bfloat16 中迭代，这里逐位模拟："
                       "方向只保留 8 位有效数字。"},
)
