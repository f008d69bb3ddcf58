"""tests/fixtures/REFERENCES.md's pseudo-code, transcribed line for line in NumPy.

The executable form of that document (not the engine): tests/test_reference_fixtures.py runs each
fixture case through it and requires the reference's path to 1e-9 up to the case's horizon, so
the document cannot drift from what the references do. Pure NumPy: no reference package needed.
Each step function takes the parameter ``p``, a gradient function ``grad``, its state dict, the
hyperparameters in our names and the step number t (1, 2, ...), and returns the new parameter;
schedule-free steps also leave the average x (the path point) in ``st["path"]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Array = np.ndarray
Grad = Callable[[Array], Array]
State = dict[str, Any]
Hyper = Mapping[str, Any]
f32 = np.float32


# ---------------------------------------------------------------- shared pieces
def lerp(a: Array, b: Array, w: float) -> Array:
    """torch's lerp formula (without its FMA, which moves the result by an ulp at most)."""
    return a + w * (b - a) if abs(w) < 0.5 else b + (w - 1) * (b - a)


def norm(x: Array) -> float:
    """Euclidean norm as a Python float."""
    return math.sqrt(float(np.dot(x, x)))


def cautious(u: Array, g: Array) -> Array:
    """pytorch_optimizer's apply_cautious: keep agreeing coordinates, rescale by n/(kept+1)."""
    mask = (u * g > 0).astype(np.float64)
    return u * (mask * (mask.size / (mask.sum() + 1)))


def decay(p: Array, g: Array, lr: float, wd: float, decouple: bool,
          fixed: bool = False) -> tuple[Array, Array]:
    """pytorch_optimizer's apply_weight_decay: decoupled on p, or coupled into the gradient."""
    if wd == 0:
        return p, g
    if decouple:
        return p * (1 - wd * (1.0 if fixed else lr)), g
    return p, g + wd * p


def bf16(x: Any) -> Array:
    """Round float32 values to bfloat16 (round to nearest even), returned as float32."""
    u = np.atleast_1d(np.asarray(x, dtype=np.float32)).view(np.uint32)
    u = (u + (((u >> 16) & 1) + 0x7FFF)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32)


def f32_scale(n: float, numerator: float, eps: float) -> float:
    """numerator / (sqrt(float32 n^2) + eps) as pytorch_optimizer computes it, in float32."""
    n32 = f32(n)
    r = f32(f32(np.sqrt(f32(n32 * n32))) + f32(eps))
    return float(f32(f32(f32(1) / r) * f32(numerator)))


def growth(h: Hyper) -> float:
    """growth_rate, null in the fixtures meaning the references' default infinity."""
    return math.inf if h["growth_rate"] is None else h["growth_rate"]


def rectified(t: int, beta2: float, threshold: float, degenerated: bool) -> tuple[float, float]:
    """pytorch_optimizer's get_rectify_step_size factor rt and n_sma."""
    n_max = 2 / (1 - beta2) - 1
    b2t = beta2 ** t
    n_sma = n_max - 2 * t * b2t / (1 - b2t)
    if n_sma >= threshold:
        rt = math.sqrt((1 - b2t) * (n_sma - 4) / (n_max - 4) * (n_sma - 2) / n_sma * n_max
                       / (n_max - 2))
    else:
        rt = 1.0 if degenerated else -1.0
    return rt, n_sma


# ---------------------------------------------------------------- 1. torch.optim
def rprop(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """torch.optim.Rprop."""
    g = grad(p)
    if t == 1:
        st.update(prev=np.zeros(2), size=np.full(2, h["lr"]))
    s = np.sign(g * st["prev"])
    factor = np.where(s > 0, h["etaplus"], np.where(s < 0, h["etaminus"], 1.0))
    st["size"] = np.clip(st["size"] * factor, h["step_size_min"], h["step_size_max"])
    g = np.where(factor == h["etaminus"], 0.0, g)
    st["prev"] = g
    return p - np.sign(g) * st["size"]


def asgd(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """torch.optim.ASGD."""
    g = grad(p)
    if t == 1:
        st.update(eta=h["lr"], mu=1.0, ax=np.zeros(2))
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    p = p * (1 - h["lambd"] * st["eta"])
    p = p + (-st["eta"]) * g
    st["ax"] = p.copy() if st["mu"] == 1 else st["ax"] + (p - st["ax"]) * st["mu"]
    st["eta"] = h["lr"] / (1 + h["lambd"] * h["lr"] * t) ** h["alpha"]
    st["mu"] = 1 / max(1, t - h["t0"])
    return p


def adafactor(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """torch.optim.Adafactor on a vector (not factored)."""
    g = grad(p)
    if t == 1:
        st["v"] = np.zeros(2)
    eps1 = np.finfo(np.float64).eps if h["eps1"] is None else h["eps1"]
    rho = min(h["lr"], 1 / float(t) ** 0.5)
    alpha = max(h["eps2"], norm(p) / 2 ** 0.5) * rho
    if h["weight_decay"]:
        p = p * (1 - h["lr"] * h["weight_decay"])
    st["v"] = lerp(st["v"], g * g, float(t) ** h["beta2_decay"])
    u = g * (1 / np.sqrt(np.maximum(st["v"], eps1 * eps1)))
    return p + (-alpha / max(1.0, norm(u) / (2 ** 0.5 * h["d"]))) * u


def newton_schulz_bf16(u: Array, h: Hyper) -> Array:
    """Muon's Newton-Schulz on a 1x2 matrix: float32 arithmetic, bfloat16 after each op."""
    a, b, c = f32(h["ns_a"]), f32(h["ns_b"]), f32(h["ns_c"])
    x = bf16(u.astype(np.float32))  # float64 -> float32 -> bfloat16
    n = bf16(np.sqrt(f32(x[0] * x[0] + x[1] * x[1])))
    x = bf16(x / max(n[0], bf16(h["eps"])[0]))
    for _ in range(h["ns_steps"]):
        gram = bf16(f32(x[0] * x[0] + x[1] * x[1]))[0]
        upd = bf16(b * gram + c * f32(gram * gram))[0]
        x = bf16(a * x + upd * x)
    return x.astype(np.float64)


def muon(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """torch.optim.Muon on the 2-vector as a 1x2 matrix."""
    g = grad(p)
    if t == 1:
        st["buf"] = np.zeros(2)
    st["buf"] = lerp(st["buf"], g, 1 - h["momentum"])
    u = lerp(g, st["buf"], h["momentum"]) if h["nesterov"] else st["buf"]
    scale = 0.2 * math.sqrt(2) if h["adjust_lr_fn"] == "match_rms_adamw" else 1.0
    p = p * (1 - h["lr"] * h["weight_decay"])
    return p + (-h["lr"] * scale) * newton_schulz_bf16(u, h)


# ---------------------------------------------------------------- 2. schedulefree
def _weights(st: State, h: Hyper, t: int, lr_t: float) -> float:
    """Schedule-free's averaging weight c for step t."""
    st["lr_max"] = max(lr_t, st["lr_max"])
    weight = t ** h["r"] * st["lr_max"] ** h["weight_lr_power"]
    st["weight_sum"] += weight
    return weight / st["weight_sum"] if st["weight_sum"] else 0.0


def schedulefree_reference(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """SGDScheduleFreeReference / AdamWScheduleFreeReference (beta1 present: the AdamW one)."""
    if t == 1:
        st.update(z=p.copy(), x=p.copy(), y=p.copy(), v=np.zeros(2), lr_max=-1.0,
                  weight_sum=0.0)
    lr_t = h["lr"] * ((t / h["warmup_steps"]) if t - 1 < h["warmup_steps"] else 1.0)
    c = _weights(st, h, t, lr_t)
    g = grad(st["y"])
    if "beta1" in h:
        beta1, beta2 = h["beta1"], h["beta2"]
        if h["weight_decay"]:
            point = st["z"] if h["decay_at_z"] else st["y"]
            st["z"] = st["z"] - (lr_t * h["weight_decay"]) * point
        st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
        st["z"] = st["z"] + (-lr_t) * (g / (np.sqrt(st["v"] / (1 - beta2 ** t)) + h["eps"]))
    else:
        beta1 = h["momentum"]
        if h["weight_decay"]:
            g = g + h["weight_decay"] * st["y"]
        st["z"] = st["z"] - lr_t * g
    st["x"] = st["x"] * (1 - c) + c * st["z"]
    st["y"] = st["x"] * beta1 + (1 - beta1) * st["z"]
    st["path"] = st["x"]
    return st["y"]


def radam_schedulefree(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """schedulefree.RAdamScheduleFree (p holds y; x recovered as eval() does)."""
    beta1, beta2 = h["beta1"], h["beta2"]
    if t == 1:
        st.update(z=p.copy(), v=np.zeros(2), lr_max=-1.0, weight_sum=0.0)
    g = grad(p)
    bc2 = 1 - beta2 ** t
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / bc2
    if rho_t > 4:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    else:
        rect = float(not h["silent_sgd_phase"])
    lr_t = h["lr"] * rect
    c = _weights(st, h, t, lr_t)
    st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
    gn = g / (np.sqrt(st["v"] / bc2) + h["eps"]) if rho_t > 4 else g
    if h["weight_decay"]:
        gn = gn + h["weight_decay"] * p
    y = lerp(p, st["z"], c)
    y = y + (lr_t * (beta1 * (1 - c) - 1)) * gn
    st["z"] = st["z"] - lr_t * gn
    st["path"] = lerp(y, st["z"], 1 - 1 / beta1)
    return y


# ---------------------------------------------------------------- 3. learning-rate free
def prodigy(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """prodigyopt.Prodigy."""
    g = grad(p)
    beta1, beta2, d0 = h["beta1"], h["beta2"], h["d0"]
    beta3 = math.sqrt(beta2) if h["beta3"] is None else h["beta3"]
    if t == 1:
        st.update(k=0, d=d0, d_max=d0, num=0.0, s=np.zeros(2), p0=p.copy(), m=np.zeros(2),
                  v=np.zeros(2))
    k, d = st["k"], st["d"]
    bc = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) \
        if h["use_bias_correction"] else 1
    dlr = d * h["lr"] * bc
    num = st["num"] * beta3
    if h["weight_decay"] and not h["decouple"]:
        g = g + h["weight_decay"] * p
    delta = (d / d0) * dlr * float(np.dot(g, st["p0"] - p))
    st["m"] = st["m"] * beta1 + (d * (1 - beta1)) * g
    st["v"] = st["v"] * beta2 + (d * d * (1 - beta2)) * (g * g)
    st["s"] = st["s"] * beta3 + ((d / d0) * d if h["safeguard_warmup"] else (d / d0) * dlr) * g
    d_denom = float(np.abs(st["s"]).sum())
    if d_denom == 0:
        return p
    st["num"] = num + delta
    d_hat = h["d_coef"] * st["num"] / d_denom
    if d == d0:
        d = max(d, d_hat)
    st["d_max"] = max(st["d_max"], d_hat)
    st["d"] = d = min(st["d_max"], d * growth(h))
    if h["weight_decay"] and h["decouple"]:
        p = p + (-h["weight_decay"] * dlr) * p
    st["k"] = k + 1
    return p + (-dlr) * (st["m"] / (np.sqrt(st["v"]) + d * h["eps"]))


def dadapt_adam(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """dadaptation.DAdaptAdam."""
    g = grad(p)
    beta1, beta2, eps = h["beta1"], h["beta2"], h["eps"]
    if t == 1:
        st.update(k=0, d=h["d0"], nw=0.0, s=np.zeros(2), m=np.zeros(2), v=np.zeros(2))
    k, d = st["k"], st["d"]
    bc = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) \
        if h["use_bias_correction"] else 1
    dlr = d * h["lr"] * bc
    sb2 = beta2 ** 0.5
    if h["weight_decay"] and not h["decouple"]:
        g = g + h["weight_decay"] * p
    acc = dlr * float(np.dot(g, st["s"] / (np.sqrt(st["v"]) + eps)))
    st["m"] = st["m"] * beta1 + (dlr * (1 - beta1)) * g
    st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
    st["s"] = st["s"] * sb2 + (dlr * (1 - sb2)) * g
    sk_l1 = float(np.abs(st["s"]).sum())
    nw = sb2 * st["nw"] + (1 - sb2) * acc
    if sk_l1 == 0:
        return p
    st["nw"] = nw
    st["d"] = max(d, min(nw / ((1 - sb2) * sk_l1), d * growth(h)))
    if h["weight_decay"] and h["decouple"]:
        p = p + (-h["weight_decay"] * dlr) * p
    st["k"] = k + 1
    return p - st["m"] / (np.sqrt(st["v"]) + eps)


def dadapt_sgd(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """dadaptation.DAdaptSGD (g0 without weight decay, as the reference computes it)."""
    g = grad(p)
    if t == 1:
        st.update(d=h["d0"], nw=0.0, g0=norm(g), s=np.zeros(2), x0=p.copy())
    d = st["d"]
    dlr = d * h["lr"] / st["g0"]
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p
    st["nw"] = st["nw"] + dlr * float(np.dot(g, st["s"]))
    st["s"] = st["s"] + dlr * g
    sk_sq = float((st["s"] * st["s"]).sum())
    d = max(d, min(2 * st["nw"] / math.sqrt(sk_sq), d * growth(h)))
    if sk_sq == 0:
        return p
    st["d"] = d
    ck = 1 - h["momentum"]
    return p * (1 - ck) + ck * (st["x0"] - st["s"])


def dadapt_adagrad(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """dadaptation.DAdaptAdaGrad (alphak starts at 1e-6)."""
    g = grad(p)
    eps = h["eps"]
    if t == 1:
        st.update(d=h["d0"], a=np.full(2, 1e-6), sk=np.zeros(2), x0=p.copy(), gsq_w=0.0,
                  sksq_w=0.0, skl1=0.0)
    d = st["d"]
    dlr = d * h["lr"]
    if h["weight_decay"]:
        g = g + h["weight_decay"] * p

    def weighted(sk: Array) -> float:
        return float((sk * sk / (np.sqrt(st["a"]) + eps)).sum())

    old_w, old_l1 = weighted(st["sk"]), float(np.abs(st["sk"]).sum())
    st["a"] = st["a"] + g * g
    g_sq = float((g * g / (np.sqrt(st["a"]) + eps)).sum())
    st["sk"] = st["sk"] + dlr * g
    st["sksq_w"] = st["sksq_w"] + (weighted(st["sk"]) - old_w)
    st["skl1"] = st["skl1"] + (float(np.abs(st["sk"]).sum()) - old_l1)
    if st["skl1"] == 0:
        return p
    st["gsq_w"] = st["gsq_w"] + dlr * dlr * g_sq
    st["d"] = max(d, min((st["sksq_w"] - st["gsq_w"]) / st["skl1"], d * growth(h)))
    z = st["x0"] - st["sk"] / (np.sqrt(st["a"]) + eps)
    ck = 1 - h["momentum"]
    return p * (1 - ck) + ck * z if h["momentum"] else z


# ---------------------------------------------------------------- 4. pytorch_optimizer
def adabelief(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.AdaBelief."""
    beta1, beta2, lr, eps = h["beta1"], h["beta2"], h["lr"], h["eps"]
    if t == 1:
        st.update(m=np.zeros(2), s=np.zeros(2), s_max=np.zeros(2))
    p, g = decay(p, grad(p), lr, h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    st["m"] = lerp(st["m"], g, 1 - beta1)
    r = g - st["m"]
    st["s"] = st["s"] * beta2 + (1 - beta2) * (r * r) + eps
    s = st["s"]
    if h["ams_bound"]:
        st["s_max"] = s = np.maximum(st["s_max"], st["s"])
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
    if not h["rectify"]:
        return p + (-lr / bc1) * (st["m"] / (np.sqrt(s) / math.sqrt(bc2) + eps))
    rt, n_sma = rectified(t, beta2, h["n_sma_threshold"], h["degenerated_to_sgd"])
    step = lr * rt / bc1
    if n_sma >= h["n_sma_threshold"]:
        return p + (-step) * (st["m"] / (np.sqrt(s) + eps))
    return p + (-step) * st["m"] if step > 0 else p


def yogi(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.Yogi (both moments start at initial_accumulator)."""
    beta1, beta2, lr = h["beta1"], h["beta2"], h["lr"]
    if t == 1:
        st.update(m=np.full(2, h["initial_accumulator"]), v=np.full(2, h["initial_accumulator"]))
    p, g = decay(p, grad(p), lr, h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    st["m"] = lerp(st["m"], g, 1 - beta1)
    g2 = g * g
    st["v"] = st["v"] + (-(1 - beta2)) * (np.sign(st["v"] - g2) * g2)
    denom = np.sqrt(st["v"]) / math.sqrt(1 - beta2 ** t) + h["eps"]
    return p + (-lr / (1 - beta1 ** t)) * (st["m"] / denom)


def adan(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.Adan."""
    g = grad(p)
    beta1, beta2, beta3, lr, wd = h["beta1"], h["beta2"], h["beta3"], h["lr"], h["weight_decay"]
    clip = min(1.0, f32_scale(norm(g), h["max_grad_norm"], h["eps"])) \
        if h["max_grad_norm"] else 1.0
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2), n=np.zeros(2), prev=g * (-clip))
    g = g * clip
    diff = st["prev"] + g
    st["m"] = lerp(st["m"], g, 1 - beta1)
    st["n"] = lerp(st["n"], diff, 1 - beta2)
    diff = diff * beta2 + g
    st["v"] = st["v"] * beta3 + (1 - beta3) * diff * diff
    denom = np.sqrt(st["v"]) / math.sqrt(1 - beta3 ** t) + h["eps"]
    if wd and h["weight_decouple"]:
        p = p * (1 - lr * wd)
    p = p + (-lr / (1 - beta1 ** t)) * (st["m"] / denom)
    p = p + (-lr * beta2 / (1 - beta2 ** t)) * (st["n"] / denom)
    if wd and not h["weight_decouple"]:
        p = p / (1 + lr * wd)
    st["prev"] = -g
    return p


def adopt(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.ADOPT (default clip_lambda: t ** 0.25)."""
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2))
    p, g = decay(p, grad(p), h["lr"], h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    if t == 1:
        st["v"] = st["v"] + g * g
        return p
    clip = math.pow(t, 0.25)
    normed = np.clip(g / np.maximum(np.sqrt(st["v"]), h["eps"]), -clip, clip)
    st["m"] = lerp(st["m"], normed, 1 - h["beta1"])
    p = p + (-h["lr"]) * st["m"]
    st["v"] = st["v"] * h["beta2"] + (1 - h["beta2"]) * g * g
    return p


def ademamix(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.AdEMAMix (and, with alpha 0, the cautious AdamW reference)."""
    beta1, beta2, lr = h["beta1"], h["beta2"], h["lr"]
    beta3, alpha, horizon = h.get("beta3", 0.9999), h.get("alpha", 0.0), h.get("t_alpha_beta3")
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2), slow=np.zeros(2))
    alpha_t = alpha if horizon is None else min(t * alpha / horizon, alpha)
    if horizon is None:
        beta3_t = beta3
    else:
        l1, l3 = math.log(beta1), math.log(beta3)
        beta3_t = min(math.exp(l1 * l3 / ((1.0 - t / horizon) * l3 + (t / horizon) * l1)), beta3)
    p, g = decay(p, grad(p), lr, h["weight_decay"], h.get("weight_decouple", True),
                 h.get("fixed_decay", False))
    st["m"] = lerp(st["m"], g, 1 - beta1)
    st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
    st["slow"] = lerp(st["slow"], g, 1 - beta3_t)
    denom = np.sqrt(st["v"]) / math.sqrt(1 - beta2 ** t) + h["eps"]
    u = cautious(st["m"], g) if h.get("cautious") else st["m"]
    u = u / (1 - beta1 ** t) + alpha_t * st["slow"]
    return p + (-lr) * (u / denom)


def laprop(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.LaProp."""
    g = grad(p)
    beta1, beta2, lr = h["beta1"], h["beta2"], h["lr"]
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2), lr1=0.0, mean=np.zeros(2), v_max=np.zeros(2))
    st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
    st["lr1"] = st["lr1"] * beta1 + (1 - beta1) * lr
    second = st["v"]
    if h["centered"]:
        st["mean"] = lerp(st["mean"], g, 1 - beta2)
        if t > h["steps_before_using_centered"]:
            second = st["v"] - st["mean"] ** 2
    if h["ams_bound"]:
        st["v_max"] = second = np.maximum(st["v_max"], second)
    denom = (np.sqrt(second + 1e-15) + h["eps"]) / math.sqrt(1 - beta2 ** t)
    st["m"] = st["m"] * beta1 + ((1 - beta1) * lr) * (g / denom)
    u = cautious(st["m"], g) if h["cautious"] else st["m"]
    p = p + (-(1.0 / (st["lr1"] / lr))) * u
    return decay(p, g, lr, h["weight_decay"], h["weight_decouple"], h["fixed_decay"])[0]


def mars(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.MARS on a 1-D parameter (AdamW fallback unless optimize_1d)."""
    g = grad(p)
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2), last=np.zeros(2))
    if h["optimize_1d"]:
        beta1, beta2, lr, wd = h["beta1"], h["beta2"], h["lr"], h["weight_decay"]
        c = (g - st["last"]) * (h["gamma"] * (beta1 / (1 - beta1))) + g
        if norm(c) > 1:
            c = c / norm(c)
    else:
        beta1, beta2, wd = h["beta1_1d"], h["beta2_1d"], h["weight_decay_1d"]
        lr, c = h["lr"] * (h["lr_1d"] / h["lr"]), g
    st["m"] = lerp(st["m"], c, 1 - beta1)
    u = cautious(st["m"], g) if h["cautious"] else st["m"]
    if h["optimize_1d"] and h["mars_type"] == "lion":
        u = np.sign(u)
    else:
        st["v"] = st["v"] * beta2 + (1 - beta2) * c * c
        u = u / ((np.sqrt(st["v"] + 1e-15) + h["eps"]) / math.sqrt(1 - beta2 ** t)
                 * (1 - beta1 ** t))
    p, g = decay(p, g, lr, wd, h["weight_decouple"], h["fixed_decay"])
    st["last"] = g
    return p + (-lr) * u


def lamb(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.Lamb."""
    g = grad(p)
    beta1, beta2, lr, eps, wd = h["beta1"], h["beta2"], h["lr"], h["eps"], h["weight_decay"]
    if t == 1:
        st.update(m=np.zeros(2), v=np.zeros(2))
    if h["pre_norm"]:
        g = g * min(1.0, f32_scale(norm(g), h["max_grad_norm"], eps))
    st["m"] = st["m"] * beta1 + ((1 - beta1) if h["grad_averaging"] else 1.0) * g
    st["v"] = st["v"] * beta2 + (1 - beta2) * g * g
    if wd and h["weight_decouple"]:
        p = p * (1 - wd * (1.0 if h["fixed_decay"] else lr))
    step, n_sma = lr, 0.0
    if h["rectify"]:
        rt, n_sma = rectified(t, beta2, h["n_sma_threshold"], h["degenerated_to_sgd"])
        step = lr * rt
    step = step / (1 - beta1 ** t)
    adaptive = n_sma >= h["n_sma_threshold"]
    direction = st["m"] / (np.sqrt(st["v"]) + eps)
    if h["rectify"]:
        if step <= 0:
            return p
        direction = direction if adaptive else st["m"]
        u = p - step * direction
    else:
        u = direction + wd * p if (not h["weight_decouple"] and wd > 0) else direction
        direction = u
    w, un = min(norm(p), 10.0), norm(u)
    trust = 1.0 if w == 0 or un == 0 or h["adam"] else w / (un + eps)
    return p + (-step * trust) * direction


def lars(p: Array, grad: Grad, st: State, h: Hyper, t: int, matrix: bool = False) -> Array:
    """pytorch_optimizer.LARS (the trust ratio and decay only on a matrix parameter)."""
    g = grad(p)
    wd = h["weight_decay"]
    if matrix:
        pn, gn = norm(p), norm(g)
        den = gn + wd * pn
        g = (g + wd * p) * (h["trust_coefficient"] * pn / den if pn > 0 and den > 0 else 1.0)
    if h["momentum"] > 0:
        st["b"] = st.get("b", np.zeros(2)) * h["momentum"] + (1 - h["dampening"]) * g
        g = g + h["momentum"] * st["b"] if h["nesterov"] else st["b"]
    return p + (-h["lr"]) * g


def signsgd(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.SignSGD (Signum with momentum)."""
    p, g = decay(p, grad(p), h["lr"], h["weight_decay"], h["weight_decouple"])
    if h["momentum"] > 0:
        st["b"] = g = lerp(st.get("b", np.zeros(2)), g, 1 - h["momentum"])
    return p + (-h["lr"]) * np.sign(g)


def qhm(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.QHM."""
    p, g = decay(p, grad(p), h["lr"], h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    st["b"] = lerp(st.get("b", np.zeros(2)), g, 1 - h["momentum"])
    p = p + (-h["lr"] * h["nu"]) * st["b"]
    return p + (-h["lr"] * (1 - h["nu"])) * g


def qhadam(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.QHAdam (float32 bias-correction weights)."""
    if t == 1:
        st.update(w1=f32(0), w2=f32(0), m=np.zeros(2), v=np.zeros(2))
    p, g = decay(p, grad(p), h["lr"], h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    st["w1"] = f32(f32(st["w1"] * f32(h["beta1"])) + f32(1))
    st["w2"] = f32(f32(st["w2"] * f32(h["beta2"])) + f32(1))
    st["m"] = lerp(st["m"], g, float(f32(1) / st["w1"]))
    st["v"] = lerp(st["v"], g * g, float(f32(1) / st["w2"]))
    a = st["m"] * h["nu1"] + (1 - h["nu1"]) * g if h["nu1"] != 1 else st["m"]
    r = st["v"] * h["nu2"]
    if h["nu2"] != 1:
        r = r + (1 - h["nu2"]) * g * g
    return p + (-h["lr"]) * (a / (np.sqrt(r) + h["eps"]))


def madgrad(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.MADGRAD (lr + eps; cube root as pow(1/3))."""
    g = grad(p)
    momentum, eps, wd = h["momentum"], h["eps"], h["weight_decay"]
    lr = h["lr"] + eps
    lam = lr * math.pow(t, 0.5)
    if t == 1:
        st.update(gss=np.zeros(2), s=np.zeros(2), x0=p.copy())
    if wd > 0 and not h["weight_decouple"]:
        g = g + wd * p

    def rms(x: Array) -> Array:
        return np.power(x, 1.0 / 3.0) + eps

    x0 = p + st["s"] / rms(st["gss"]) if momentum == 0 else st["x0"]
    st["gss"] = st["gss"] + lam * (g * g)
    st["s"] = st["s"] + lam * g
    z = x0 - st["s"] / rms(st["gss"])
    new = lerp(p, z, 1 - momentum) if momentum > 0 else z
    return new + (-lr * wd) * p if wd > 0 and h["weight_decouple"] else new


def shampoo(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """pytorch_optimizer.Shampoo on a vector: one full 2x2 preconditioner (inverse root by SVD)."""
    g = grad(p)
    if t == 1:
        st.update(H=np.eye(2) * h["matrix_eps"], b=g.copy(), H_inv=np.zeros((2, 2)))
    if h["momentum"] > 0:
        g = lerp(g, st["b"], h["momentum"])
    p, g = decay(p, g, h["lr"], h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    st["H"] = st["H"] + np.outer(g, g)
    if t % h["preconditioning_compute_steps"] == 0:
        u, s, vh = np.linalg.svd(st["H"])
        st["H_inv"] = (u * s ** -0.5) @ vh
    st["b"] = g @ st["H_inv"]
    return p + (-h["lr"]) * st["b"]


def sam(p: Array, grad: Grad, st: State, h: Hyper, t: int, inner: Mapping[str, Any]) -> Array:
    """pytorch_optimizer.SAM around torch's SGD or Adam (float32 perturbation scale)."""
    g = grad(p)
    n = norm(g * np.abs(p)) if h["adaptive"] else norm(g)
    scale = f32_scale(n, h["rho"], h["perturb_eps"])
    g2 = grad(p + ((p * p) if h["adaptive"] else 1.0) * g * scale)
    ih = inner["params"]
    if inner["optimizer"] == "sgd":  # torch SGD with momentum, no dampening / nesterov here
        st["b"] = g2.copy() if t == 1 else ih["momentum"] * st["b"] + g2
        return p - ih["lr"] * st["b"]
    beta1, beta2 = ih["beta1"], ih["beta2"]
    st["m"] = lerp(st.get("m", np.zeros(2)), g2, 1 - beta1)
    st["v"] = st.get("v", np.zeros(2)) * beta2 + (1 - beta2) * g2 * g2
    denom = np.sqrt(st["v"]) / math.sqrt(1 - beta2 ** t) + ih["eps"]
    return p - (ih["lr"] / (1 - beta1 ** t)) * (st["m"] / denom)


def lion(p: Array, grad: Grad, st: State, h: Hyper, t: int) -> Array:
    """lion-pytorch's Lion, or pytorch_optimizer's (with cautious) when it has weight_decouple."""
    g = grad(p)
    beta1, beta2, lr = h["beta1"], h["beta2"], h["lr"]
    st.setdefault("m", np.zeros(2))
    if "decoupled_weight_decay" in h:  # lion-pytorch
        lr0 = st.setdefault("lr0", lr)
        wd = h["weight_decay"] / lr0 if h["decoupled_weight_decay"] else h["weight_decay"]
        p = p * (1 - lr * wd) + (-lr) * np.sign(st["m"] * beta1 + (1 - beta1) * g)
        st["m"] = st["m"] * beta2 + (1 - beta2) * g
        return p
    p, g = decay(p, g, lr, h["weight_decay"], h["weight_decouple"], h["fixed_decay"])
    u = np.sign(lerp(st["m"], g, 1 - beta1))
    st["m"] = lerp(st["m"], g, 1 - beta2)
    return p + (-lr) * (cautious(u, g) if h["cautious"] else u)


STEPS: dict[str, Callable[..., Array]] = {
    "rprop": rprop, "asgd": asgd, "adafactor": adafactor, "muon": muon,
    "sgd_schedulefree": schedulefree_reference, "adamw_schedulefree": schedulefree_reference,
    "radam_schedulefree": radam_schedulefree, "prodigy": prodigy, "dadapt_adam": dadapt_adam,
    "dadapt_sgd": dadapt_sgd, "dadapt_adagrad": dadapt_adagrad, "adabelief": adabelief,
    "yogi": yogi, "adan": adan, "adopt": adopt, "ademamix": ademamix, "laprop": laprop,
    "mars": mars, "lamb": lamb, "lars": lars, "signsgd": signsgd, "qhm": qhm, "qhadam": qhadam,
    "madgrad": madgrad, "shampoo": shampoo, "adamw": ademamix, "lion": lion, "sam": sam,
}


def transcribed_path(case: Mapping[str, Any], grad: Grad, steps: int) -> Array:
    """The path (steps x 2) of a fixture case under the transcription (Muon's float64 variant is
    not torch's behaviour and is not transcribed)."""
    step = STEPS[case["optimizer"]]
    extra: dict[str, Any] = {}
    if case.get("variant") == "matrix_1x2":
        extra["matrix"] = True
    if "inner" in case:
        extra["inner"] = case["inner"]
    st: State = {}
    p = np.array(case["start"], dtype=np.float64)
    out = np.empty((steps, 2))
    for t in range(1, steps + 1):
        p = step(p, grad, st, case["params"], t, **extra)
        out[t - 1] = st.pop("path", p)
    return out
