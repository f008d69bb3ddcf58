"""Ready-made lessons: configured scenes with a short text in English and Chinese.

A lesson is one or more scenes (each a shareable page query, so it opens exactly as a link does,
including the step to start at and what to show), a text of 3-6 sentences and one question for
the class, in both languages. Each scene has a short instruction ("press play and watch ...").

Every statement about the maths that a text makes is also written down as a *claim*: a small
declarative record (:class:`Claim`) that :func:`check_claim` evaluates on the engine's own data
(the runs of the scene's query, or its basin map). The test suite checks every claim of every
lesson, so a lesson whose claim stops holding is a failing test, not a wrong lecture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import numpy as np

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Claim:
    """One checkable statement: ``kind`` names the check, ``args`` its arguments, ``scene`` which
    scene's data it reads, ``says`` the statement in words (English, for the test's message)."""

    kind: str
    says: str
    args: Mapping[str, Any] = field(default_factory=dict)
    scene: int = 0


@dataclass(frozen=True)
class Scene:
    """One configured view of a lesson: its page query and what to do there, in each language."""

    query: str
    do: Mapping[str, str]


@dataclass(frozen=True)
class Lesson:
    """A lesson: id, topic group, title, text and question per language, scenes and claims."""

    id: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    question: Mapping[str, str]
    scenes: tuple[Scene, ...]
    claims: tuple[Claim, ...]

    def entry(self) -> dict[str, Any]:
        """The lesson as the catalog serves it (claims included, as data the page may list)."""
        return {
            "id": self.id,
            "title": dict(self.title),
            "text": dict(self.text),
            "question": dict(self.question),
            "query": self.scenes[0].query,
            "scenes": [{"query": s.query, "do": dict(s.do)} for s in self.scenes],
            "claims": [{"kind": c.kind, "scene": c.scene, "says": c.says, **dict(c.args)}
                       for c in self.claims],
        }


def _scene(query: str, en: str, zh: str) -> Scene:
    return Scene(query, {"en": en, "zh": zh})


def _lang(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


# The page with no parameters: a race of four classic optimizers from one start on Rosenbrock,
# where they visibly differ (plain SGD crawls, momentum gets closest, RMSprop rattles across the
# valley floor, Adam curves in between), with the teaching panel on Adam. It plays once on load.
FIRST_SCREEN = ("surface=rosenbrock&start=-1.5,2&steps=500&r0=sgd,lr=0.001"
                "&r1=sgd,lr=0.001,momentum=0.9&r2=rmsprop,lr=0.01&r3=adam,lr=0.05&p.sel=3&p.speed=120")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="learning-rate",
        title=_lang("Gradient descent and the learning rate",
                    "梯度下降与学习率"),
        text=_lang(
            "On the bowl f = (x² + y²)/2 every direction has curvature L = 1, and one step of "
            "gradient descent multiplies the distance to the minimum by (1 − lr·L). "
            "With lr = 0.05 the run creeps: after 100 steps it is still not at the minimum. "
            "With lr = 1/L = 1 it lands on the minimum in a single step. "
            "With lr = 2/L = 2 it jumps to the mirror point and back forever, at a constant loss, "
            "and with lr = 2.5 every jump overshoots further until the run diverges.",
            "在碗形曲面 f = (x² + y²)/2 上，每个方向的曲率都是 L = 1，梯度下降的每一步把到最小值的"
            "距离乘以 (1 − lr·L)。lr = 0.05 时走得很慢：100 步后仍未到达最小值。"
            "lr = 1/L = 1 时一步就落在最小值上。lr = 2/L = 2 时它在对称点之间来回跳，损失永远不变；"
            "lr = 2.5 时每一跳都越过得更远，最终发散。"),
        question=_lang(
            "Which learning rates converge on this bowl, and what changes if the bowl is twice as "
            "steep?",
            "在这个碗上，哪些学习率会收敛？如果碗的陡度加倍，答案会怎样变化？"),
        scenes=(
            _scene("surface=quadratic&start=-2.5,2&steps=100&r0=sgd,lr=0.05&r1=sgd,lr=1"
                   "&r2=sgd,lr=2&r3=sgd,lr=2.5&p.step=1",
                   "Step 1: the lr = 1 run is already at the minimum. Press play and watch the "
                   "other three.",
                   "第 1 步：lr = 1 的运行已经到达最小值。按播放，观察其他三条路径。"),
        ),
        claims=(
            Claim("loss", "lr = 1 reaches the minimum in one step",
                  {"run": 1, "step": 1, "below": 1e-20}),
            Claim("loss", "lr = 0.05 is not at the minimum after 100 steps",
                  {"run": 0, "step": -1, "above": 1e-5}),
            Claim("loss_flat", "lr = 2 bounces at a constant loss",
                  {"run": 2, "from": 1, "to": 100, "rtol": 1e-9}),
            Claim("status", "lr = 2.5 diverges", {"run": 3, "is": "diverged"}),
        ),
    ),
    Lesson(
        id="ill-conditioning",
        title=_lang("Ill-conditioning: zig-zag across a narrow valley",
                    "病态条件数：在狭窄山谷中的之字形"),
        text=_lang(
            "This bowl curves κ = 100 times more steeply along y than along x. "
            "Gradient descent must keep lr below 2/κ = 0.02 or the steep direction blows up: "
            "at lr = 0.0195 the y coordinate changes sign at every step, a zig-zag across the "
            "valley, while x creeps along the flat floor and is still far from 0 after 150 steps. "
            "At lr = 0.025, above 2/κ, the run diverges. "
            "The steepest direction sets the learning rate; the flattest sets how long it takes.",
            "这个碗沿 y 方向的弯曲程度是沿 x 方向的 κ = 100 倍。梯度下降必须让 lr 小于 2/κ = 0.02，"
            "否则陡峭方向会发散：lr = 0.0195 时，y 坐标每一步都改变符号，在山谷两侧之字形跳动，"
            "而 x 沿平坦的谷底缓慢前进，150 步后仍远离 0。lr = 0.025 超过 2/κ，运行发散。"
            "最陡的方向决定学习率，最平的方向决定需要多久。"),
        question=_lang(
            "Move the condition number slider: how does the number of steps to reach the minimum "
            "grow with κ?",
            "拖动条件数滑块：到达最小值所需的步数如何随 κ 增长？"),
        scenes=(
            _scene("surface=ill_conditioned,condition_number=100&start=-2.5,1&steps=150"
                   "&r0=sgd,lr=0.0195&r1=sgd,lr=0.025&p.step=10",
                   "Step 10: follow the zig-zag of the first run, then press play.",
                   "第 10 步：观察第一条路径的之字形，然后按播放。"),
        ),
        claims=(
            Claim("sign_alternates", "y changes sign at every step at lr = 0.0195",
                  {"run": 0, "coord": "y", "from": 1, "to": 60}),
            Claim("coord_at", "x is still far from 0 after 150 steps",
                  {"run": 0, "coord": "x", "step": -1, "abs_above": 0.1}),
            Claim("status", "lr = 0.025 diverges", {"run": 1, "is": "diverged"}),
        ),
    ),
    Lesson(
        id="momentum",
        title=_lang("Momentum: overshoot and speed-up; heavy ball vs Nesterov",
                    "动量：越过与加速；重球法与 Nesterov"),
        text=_lang(
            "On the same narrow valley (κ = 50), plain gradient descent crawls along the flat "
            "direction. Momentum 0.9 accumulates the small, consistent gradient along the valley "
            "and reaches a loss of 10⁻⁴ far sooner. "
            "The price is overshoot: the heavy ball rolls past the minimum (x becomes positive) "
            "before it settles, which plain gradient descent never does here. "
            "Nesterov's version looks ahead before it steps and overshoots less.",
            "在同样狭窄的山谷（κ = 50）中，普通梯度下降沿平坦方向缓慢爬行。动量 0.9 沿山谷方向累积"
            "微小但一致的梯度，远更早地把损失降到 10⁻⁴。代价是越过：重球会滚过最小值（x 变为正），"
            "然后才稳定下来，而普通梯度下降在这里从不会这样。Nesterov 版本先“向前看”再迈步，越过得更少。"),
        question=_lang(
            "Why does momentum help most when the gradient keeps pointing the same way?",
            "为什么当梯度持续指向同一方向时，动量帮助最大？"),
        scenes=(
            _scene("surface=ill_conditioned,condition_number=50&start=-2.5,1&steps=150"
                   "&r0=sgd,lr=0.02&r1=sgd,lr=0.02,momentum=0.9"
                   "&r2=sgd,lr=0.02,momentum=0.9,nesterov=true&p.sel=1",
                   "Press play and compare how far each run gets along x.",
                   "按播放，比较每条路径沿 x 走了多远。"),
        ),
        claims=(
            Claim("reaches_first", "momentum reaches loss 1e-4 before plain gradient descent",
                  {"run": 1, "other": 0, "below": 1e-4}),
            Claim("coord_max", "the heavy ball overshoots: x becomes positive",
                  {"run": 1, "coord": "x", "above": 0.05}),
            Claim("coord_max", "plain gradient descent never overshoots in x",
                  {"run": 0, "coord": "x", "below": 0.0}),
            Claim("less_overshoot", "Nesterov overshoots less than the heavy ball",
                  {"run": 2, "other": 1, "coord": "x"}),
        ),
    ),
    Lesson(
        id="adagrad-rmsprop",
        title=_lang("AdaGrad's ever-shrinking step, and RMSprop's fix",
                    "AdaGrad 不断缩小的步长，以及 RMSprop 的修正"),
        text=_lang(
            "AdaGrad divides the learning rate by the square root of the sum of all squared "
            "gradients so far. That sum can only grow, so AdaGrad's step scale lr/(√sum + ε) "
            "shrinks at every step and, on the long curved valley of Rosenbrock, the run stalls "
            "far from the minimum. "
            "RMSprop replaces the sum by a moving average that forgets old gradients, so its "
            "step scale stays usable and it ends with a much lower loss.",
            "AdaGrad 用迄今所有梯度平方之和的平方根去除学习率。这个和只会增大，所以 AdaGrad 的"
            "步长尺度 lr/(√sum + ε) 每一步都在缩小；在 Rosenbrock 长而弯曲的山谷里，运行在远离最小值"
            "处停滞。RMSprop 用会遗忘旧梯度的滑动平均代替这个和，步长尺度保持可用，最终损失低得多。"),
        question=_lang(
            "When would AdaGrad's memory of every past gradient be an advantage?",
            "在什么情况下，AdaGrad 记住所有历史梯度反而是优点？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=500&r0=adagrad,lr=0.1"
                   "&r1=rmsprop,lr=0.01&p.sel=0",
                   "Press play and watch AdaGrad's sum in the state panel keep growing.",
                   "按播放，观察状态面板中 AdaGrad 的 sum 不断增大。"),
        ),
        claims=(
            Claim("state_monotone", "AdaGrad's sum never decreases",
                  {"run": 0, "name": "sum", "direction": "nondecreasing"}),
            Claim("state_monotone", "so its step scale lr/(sqrt(sum) + eps) only shrinks",
                  {"run": 0, "name": "step_scale", "direction": "nonincreasing"}),
            Claim("state_end_ratio", "RMSprop's step scale ends several times AdaGrad's",
                  {"run": 1, "num": "step_scale", "den": "step_scale", "other": 0, "above": 3.0}),
            Claim("loss", "AdaGrad stalls far from the minimum",
                  {"run": 0, "step": -1, "above": 1.0}),
            Claim("final_loss_ratio", "RMSprop ends with a much lower loss than AdaGrad",
                  {"run": 1, "other": 0, "below": 0.5}),
        ),
    ),
    Lesson(
        id="adam-bias-correction",
        title=_lang("Adam's bias correction in the first steps",
                    "Adam 在最初几步的偏差修正"),
        text=_lang(
            "Adam's moment estimates start at zero, so early on they are biased towards zero: "
            "after step 1, m = (1 − β₁)·g is only a tenth of the gradient and v = (1 − β₂)·g² "
            "a thousandth of its square. "
            "Dividing by 1 − β₁ᵗ and 1 − β₂ᵗ removes that bias: at step 1, m̂ is exactly the "
            "gradient and v̂ exactly its square. "
            "The correction fades as t grows; at step 10, m̂ is still about 1.54 times m.",
            "Adam 的矩估计从零开始，所以早期偏向于零：第 1 步之后，m = (1 − β₁)·g 只有梯度的十分之一，"
            "v = (1 − β₂)·g² 只有梯度平方的千分之一。除以 1 − β₁ᵗ 和 1 − β₂ᵗ 消除了这个偏差："
            "第 1 步时 m̂ 恰好等于梯度，v̂ 恰好等于梯度的平方。随着 t 增大，修正逐渐消失；"
            "第 10 步时 m̂ 仍约为 m 的 1.54 倍。"),
        question=_lang(
            "Without the correction, how large would Adam's very first step be compared with lr?",
            "如果没有修正，Adam 的第一步相对于 lr 会有多大？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=200&r0=adam,lr=0.05,beta2=0.999"
                   "&p.step=1",
                   "Step 1: compare m and m̂ in the teaching panel, then step to 10 with →.",
                   "第 1 步：在讲解面板中比较 m 和 m̂，然后用 → 前进到第 10 步。"),
        ),
        claims=(
            Claim("state_ratio", "at step 1, m-hat is ten times m",
                  {"run": 0, "step": 1, "num": "m_hat", "den": "exp_avg", "equals": 10.0}),
            Claim("state_ratio", "at step 1, v-hat is a thousand times v",
                  {"run": 0, "step": 1, "num": "v_hat", "den": "exp_avg_sq", "equals": 1000.0,
                   "rtol": 1e-9}),
            Claim("state_equals_grad", "at step 1, m-hat is exactly the gradient",
                  {"run": 0, "step": 1, "name": "m_hat"}),
            Claim("state_ratio", "at step 10, m-hat is about 1.54 times m",
                  {"run": 0, "step": 10, "num": "m_hat", "den": "exp_avg", "equals": 1.535,
                   "rtol": 1e-3}),
        ),
    ),
    Lesson(
        id="adam-scaling",
        title=_lang("Adam's per-coordinate scaling on an ill-conditioned bowl",
                    "Adam 在病态碗上的逐坐标缩放"),
        text=_lang(
            "On this bowl the gradient at the start is 40 times larger along y than along x. "
            "Gradient descent follows the gradient and has to use a tiny lr to stay stable along y. "
            "Adam divides each coordinate by its own √v̂, so its first step has the same length, "
            "lr, along x and along y: it moves diagonally, not down the steepest slope. "
            "That per-coordinate scaling lets Adam reach a loss of 10⁻³ long before gradient "
            "descent.",
            "在这个碗上，起点处的梯度沿 y 方向是沿 x 方向的 40 倍。梯度下降沿着梯度走，为了在 y 方向"
            "保持稳定只能使用很小的 lr。Adam 用各自的 √v̂ 除每个坐标，所以它的第一步在 x 和 y 方向"
            "长度相同，都是 lr：它沿对角线移动，而不是沿最陡的方向。这种逐坐标的缩放让 Adam 远早于"
            "梯度下降把损失降到 10⁻³。"),
        question=_lang(
            "Rotate the bowl with the angle slider: does Adam keep its advantage? Why not?",
            "用角度滑块旋转这个碗：Adam 还保持优势吗？为什么？"),
        scenes=(
            _scene("surface=ill_conditioned,condition_number=100&start=-2.5,1&steps=300"
                   "&r0=adam,lr=0.05&r1=sgd,lr=0.0195&p.step=1",
                   "Step 1: Adam's first step is diagonal. Press play.",
                   "第 1 步：Adam 的第一步沿对角线。按播放。"),
        ),
        claims=(
            Claim("grad_ratio", "the first gradient is 40 times larger along y than along x",
                  {"run": 0, "step": 1, "equals": 40.0}),
            Claim("first_move_equal", "Adam's first step moves x and y by the same amount, lr",
                  {"run": 0, "length": 0.05}),
            Claim("reaches_first", "Adam reaches loss 1e-3 before gradient descent",
                  {"run": 0, "other": 1, "below": 1e-3}),
        ),
    ),
    Lesson(
        id="amsgrad",
        title=_lang("AMSGrad's running maximum of v", "AMSGrad 对 v 的运行最大值"),
        text=_lang(
            "Adam's second moment v is a moving average (here β₂ = 0.99, a memory of about 100 "
            "steps), so it falls again when gradients get smaller, and Adam's step can grow back. "
            "AMSGrad keeps the running maximum of v and divides by that instead: it never "
            "decreases, so the step scale never grows. "
            "Near the minimum of Rosenbrock the gradients shrink, and the maximum ends far above "
            "the current v.",
            "Adam 的二阶矩 v 是滑动平均（这里 β₂ = 0.99，约记住 100 步），梯度变小时它会再次下降，Adam 的步长就会重新变大。AMSGrad "
            "保留 v 的运行最大值并用它做除数：它从不减小，所以步长尺度从不增大。在 Rosenbrock 的"
            "最小值附近梯度变小，最终这个最大值远高于当前的 v。"),
        question=_lang(
            "What did the AMSGrad paper want to prevent by never letting the step grow?",
            "AMSGrad 论文不让步长变大，是想防止什么？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=500&r0=adam,lr=0.05,beta2=0.99,amsgrad=true"
                   "&r1=adam,lr=0.05,beta2=0.99&p.sel=0",
                   "Press play and compare v and its maximum in the state panel.",
                   "按播放，在状态面板中比较 v 和它的最大值。"),
        ),
        claims=(
            Claim("state_monotone", "the running maximum never decreases",
                  {"run": 0, "name": "max_exp_avg_sq", "direction": "nondecreasing"}),
            Claim("state_ge", "the maximum is never below v",
                  {"run": 0, "name": "max_exp_avg_sq", "other": "exp_avg_sq"}),
            Claim("state_end_ratio", "at the end the maximum is far above the current v",
                  {"run": 0, "num": "max_exp_avg_sq", "den": "exp_avg_sq", "above": 10.0}),
        ),
    ),
    Lesson(
        id="adam-adamw",
        title=_lang("Adam vs AdamW: coupled and decoupled weight decay",
                    "Adam 与 AdamW：耦合与解耦的权重衰减"),
        text=_lang(
            "Weight decay pulls the parameters towards the origin; Booth's minimum is at (1, 3). "
            "Adam with weight_decay adds λθ to the gradient, so the decay passes through Adam's "
            "division by √v̂ and is weak wherever gradients are large. "
            "AdamW subtracts lr·λ·θ from the parameters directly, decoupled from the gradient "
            "statistics, so with the same λ = 0.5 it ends much closer to the origin. "
            "Without weight decay Adam ends near the minimum.",
            "权重衰减把参数拉向原点；Booth 函数的最小值在 (1, 3)。带 weight_decay 的 Adam 把 λθ 加到"
            "梯度上，所以衰减也要经过 Adam 除以 √v̂ 的缩放，在梯度大的地方就很弱。AdamW 直接从参数中"
            "减去 lr·λ·θ，与梯度统计量解耦，所以在同样的 λ = 0.5 下最终离原点近得多。没有权重衰减时，"
            "Adam 最终停在最小值附近。"),
        question=_lang(
            "Which of the two would you expect to regularise a large network more predictably, "
            "and why?",
            "对于大型网络，你认为哪一种的正则化效果更可预测？为什么？"),
        scenes=(
            _scene("surface=booth&start=-3,0&steps=500&r0=adam,lr=0.05"
                   "&r1=adam,lr=0.05,weight_decay=0.5&r2=adamw,lr=0.05,weight_decay=0.5&p.sel=2",
                   "Press play and compare where the three runs come to rest.",
                   "按播放，比较三条路径最终停在哪里。"),
        ),
        claims=(
            Claim("end_near", "without weight decay Adam ends near the minimum (1, 3)",
                  {"run": 0, "point": [1.0, 3.0], "within": 0.1}),
            Claim("end_closer_to", "AdamW ends much closer to the origin than coupled Adam",
                  {"run": 2, "other": 1, "point": [0.0, 0.0], "by": 0.5}),
        ),
    ),
    Lesson(
        id="schedules",
        title=_lang("Schedules: step, exponential and cosine decay",
                    "学习率调度：阶梯、指数与余弦衰减"),
        text=_lang(
            "The same gradient descent runs under three schedules; the lr chart shows each one. "
            "StepLR keeps lr constant and halves it every 30 steps. "
            "ExponentialLR multiplies lr by γ = 0.97 after every step. "
            "CosineAnnealingLR glides from lr down to 0 along half a cosine over T_max = 100 steps.",
            "同一个梯度下降在三种调度下运行，学习率图显示了每一种。StepLR 保持 lr 不变，每 30 步减半。"
            "ExponentialLR 每一步把 lr 乘以 γ = 0.97。CosineAnnealingLR 在 T_max = 100 步内沿半个余弦"
            "曲线把 lr 平滑地降到 0。"),
        question=_lang(
            "All three end with a small lr: which one spends the most steps at a large lr?",
            "三者最后的 lr 都很小：哪一个在大 lr 上停留的步数最多？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=100"
                   "&r0=sgd,lr=0.002,momentum=0.9&r0.schedule=StepLR,step_size=30,gamma=0.5"
                   "&r1=sgd,lr=0.002,momentum=0.9&r1.schedule=ExponentialLR,gamma=0.97"
                   "&r2=sgd,lr=0.002,momentum=0.9&r2.schedule=CosineAnnealingLR,T_max=100",
                   "Look at the lr chart first, then press play.",
                   "先看学习率图，再按播放。"),
        ),
        claims=(
            Claim("lr_at", "StepLR keeps lr for 30 steps", {"run": 0, "step": 30, "equals": 0.002}),
            Claim("lr_at", "then halves it", {"run": 0, "step": 31, "equals": 0.001}),
            Claim("lr_at", "ExponentialLR multiplies by 0.97 each step",
                  {"run": 1, "step": 11, "equals": 0.002 * 0.97 ** 10}),
            Claim("lr_at", "cosine reaches half its lr halfway",
                  {"run": 2, "step": 51, "equals": 0.001}),
            Claim("lr_at", "and ends near 0", {"run": 2, "step": 100, "below": 1e-6}),
        ),
    ),
    Lesson(
        id="warmup-cosine",
        title=_lang("Linear warmup, then cosine", "线性预热，然后余弦衰减"),
        text=_lang(
            "At the start Adam's statistics are built from very few gradients, so many training "
            "recipes begin with a small lr and raise it linearly. "
            "Here SequentialLR runs LinearLR for 20 steps, from 10 % of lr up to lr, then hands "
            "over to CosineAnnealingLR, which decays it to 0 by the last step. "
            "The lr chart shows the rise, the peak at step 21 and the long descent.",
            "开始时 Adam 的统计量只来自很少的梯度，因此许多训练方案从较小的 lr 开始并线性升高。"
            "这里 SequentialLR 先运行 20 步 LinearLR，从 lr 的 10% 升到 lr，再交给 CosineAnnealingLR，"
            "在最后一步前把它衰减到 0。学习率图显示了上升、第 21 步的峰值和漫长的下降。"),
        question=_lang(
            "What could go wrong in the first steps if Adam started at the peak lr?",
            "如果 Adam 一开始就用峰值学习率，最初几步可能出什么问题？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=300&r0=adam,lr=0.05"
                   "&r0.schedule=SequentialLR,milestones=20"
                   "&r0.schedule.0=LinearLR,start_factor=0.1,total_iters=20"
                   "&r0.schedule.1=CosineAnnealingLR&r1=adam,lr=0.05",
                   "Look at the lr chart, then press play and compare with constant lr.",
                   "先看学习率图，然后按播放，与恒定学习率比较。"),
        ),
        claims=(
            Claim("lr_at", "the warmup starts at 10 % of lr", {"run": 0, "step": 1,
                                                                "equals": 0.005}),
            Claim("lr_monotone", "lr rises during the warmup",
                  {"run": 0, "from": 1, "to": 21, "direction": "increasing"}),
            Claim("lr_at", "the peak is lr at step 21", {"run": 0, "step": 21, "equals": 0.05}),
            Claim("lr_monotone", "then the cosine only decreases",
                  {"run": 0, "from": 21, "to": 300, "direction": "decreasing"}),
        ),
    ),
    Lesson(
        id="warm-restarts",
        title=_lang("Warm restarts escaping a local minimum",
                    "热重启逃离局部最小值"),
        text=_lang(
            "This surface has a shallow well on the upper left and a deeper one on the lower right; "
            "both runs start in the shallow well and feel the same gradient noise. "
            "With a small constant lr the noise only rattles the run inside the shallow well. "
            "CosineAnnealingWarmRestarts raises lr back to its peak every 100 steps: right after "
            "a restart the large steps and the noise throw the run over the ridge, and the low lr "
            "at the end of the cycle lets it settle in the deep well.",
            "这个曲面左上方有一个浅井，右下方有一个更深的井；两次运行都从浅井出发，受到同样的梯度噪声。"
            "恒定的小 lr 下，噪声只让运行在浅井里晃动。CosineAnnealingWarmRestarts 每 100 步把 lr "
            "重新升到峰值：重启之后，大步长加上噪声把运行抛过山脊，周期末的小 lr 又让它在深井中稳定下来。"),
        question=_lang(
            "Why does the restart help only together with noise or momentum here?",
            "为什么在这里重启只有与噪声或动量一起才起作用？"),
        scenes=(
            _scene("surface=gaussian_wells&start=-1.5,1&steps=400&noise=0.3&seed=1"
                   "&r0=sgd,lr=0.05&r1=sgd,lr=1&r1.schedule=CosineAnnealingWarmRestarts,T_0=100",
                   "Look at the lr chart's restarts, then press play.",
                   "先看学习率图中的重启，然后按播放。"),
        ),
        claims=(
            Claim("coord_max", "the constant-lr run never leaves the shallow (left) well",
                  {"run": 0, "coord": "x", "below": 0.0}),
            Claim("coord_at", "the restarted run ends in the deep (right) well",
                  {"run": 1, "coord": "x", "step": -1, "above": 1.0}),
            Claim("first_cross_after_restart", "it crosses the ridge right after a restart",
                  {"run": 1, "coord": "x", "restarts": [101, 201, 301], "within": 20}),
            Claim("lr_at", "lr is back at its peak at the restart",
                  {"run": 1, "step": 201, "equals": 1.0}),
        ),
    ),
    Lesson(
        id="plateau",
        title=_lang("ReduceLROnPlateau reacting to a plateau",
                    "ReduceLROnPlateau 对平台期的反应"),
        text=_lang(
            "With lr = 0.04 = 2/κ on this κ = 50 valley, gradient descent bounces between the "
            "valley walls forever: the loss stops improving and stays at 25. "
            "ReduceLROnPlateau watches the loss after each step; after patience = 5 steps without "
            "improvement it halves lr. "
            "At lr = 0.02 the bounce dies out and the run goes on to a loss below 10⁻⁶.",
            "在 κ = 50 的山谷上，lr = 0.04 = 2/κ 时，梯度下降在谷壁之间永远来回反弹：损失不再下降，"
            "一直停在 25。ReduceLROnPlateau 在每一步后观察损失；连续 patience = 5 步没有改善，就把 lr "
            "减半。lr = 0.02 时反弹消失，运行继续把损失降到 10⁻⁶ 以下。"),
        question=_lang(
            "What would happen with a noisy loss and a very small patience?",
            "如果损失带有噪声，而 patience 又很小，会发生什么？"),
        scenes=(
            _scene("surface=ill_conditioned,condition_number=50&start=-2.5,1&steps=300"
                   "&r0=sgd,lr=0.04&r1=sgd,lr=0.04&r1.schedule=ReduceLROnPlateau,factor=0.5,"
                   "patience=5&p.log=1",
                   "Press play and watch the lr chart step down when the loss stalls.",
                   "按播放，观察损失停滞时学习率图的下降。"),
        ),
        claims=(
            Claim("loss", "the constant-lr run stays on its plateau at 25",
                  {"run": 0, "step": -1, "above": 24.0}),
            Claim("lr_at", "the plateau run's lr is halved", {"run": 1, "step": -1,
                                                              "equals": 0.02}),
            Claim("loss", "and then converges", {"run": 1, "step": -1, "below": 1e-6}),
        ),
    ),
    Lesson(
        id="one-cycle",
        title=_lang("One-cycle: lr and momentum cycling", "单周期：学习率与动量的循环"),
        text=_lang(
            "OneCycleLR raises lr from max_lr/25 to max_lr over the first 30 % of the steps, then "
            "anneals it to max_lr/(25·10⁴) by the end. "
            "At the same time it cycles momentum the other way, from 0.95 down to 0.85 at the lr "
            "peak and back up to 0.95: large steps get less momentum. "
            "The lr chart shows the single cycle.",
            "OneCycleLR 在前 30% 的步数里把 lr 从 max_lr/25 升到 max_lr，然后在结束前退火到 "
            "max_lr/(25·10⁴)。同时它反向循环动量：从 0.95 降到 lr 峰值处的 0.85，再升回 0.95："
            "步长大时动量小。学习率图显示了这唯一的一个周期。"),
        question=_lang(
            "Why might it help to lower momentum exactly when the learning rate is largest?",
            "为什么恰好在学习率最大时降低动量会有帮助？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=200"
                   "&r0=sgd,lr=0.001,momentum=0.9&r0.schedule=OneCycleLR,max_lr=0.002"
                   "&r1=sgd,lr=0.002,momentum=0.9",
                   "Look at the lr chart, then press play.",
                   "先看学习率图，然后按播放。"),
        ),
        claims=(
            Claim("lr_at", "lr starts at max_lr/25", {"run": 0, "step": 1, "equals": 0.002 / 25}),
            Claim("lr_peak", "the peak is max_lr, 30 % of the way",
                  {"run": 0, "equals": 0.002, "at_fraction": 0.3, "within_steps": 1}),
            Claim("lr_at", "it ends at max_lr/(25·10⁴)",
                  {"run": 0, "step": -1, "equals": 0.002 / 25 / 1e4, "rtol": 1e-6}),
            Claim("momentum_cycle", "momentum goes 0.95 -> 0.85 at the peak -> 0.95",
                  {"run": 0, "start": 0.95, "at_peak": 0.85, "end": 0.95}),
        ),
    ),
    Lesson(
        id="noise-batch",
        title=_lang("Noise and batch size: SGD's noise ball", "噪声与批大小：SGD 的噪声球"),
        text=_lang(
            "On the linear regression surface the two coordinates are the model's weight w and "
            "bias b, and the loss is the mean squared error over 64 data points. "
            "With the full batch every gradient is exact and the run settles on the minimum. "
            "With mini-batches of 8, and even more with a batch of 1, each gradient is an estimate, "
            "and the run ends up jittering in a noise ball around the minimum: the smaller the "
            "batch, the larger the ball.",
            "在线性回归曲面上，两个坐标是模型的权重 w 和偏置 b，损失是 64 个数据点上的均方误差。"
            "用全批量时每个梯度都是精确的，运行稳定在最小值上。用大小为 8 的小批量、更明显的是大小为 1 "
            "的批量时，每个梯度都只是估计，运行最终在最小值周围的“噪声球”里抖动：批越小，球越大。"),
        question=_lang(
            "How could you shrink the noise ball without making the batch larger?",
            "不增大批量，怎样才能缩小噪声球？"),
        scenes=(
            _scene("surface=linear_regression&steps=300&batch_size=64&r0=sgd,lr=0.1",
                   "Full batch: press play.", "全批量：按播放。"),
            _scene("surface=linear_regression&steps=300&batch_size=8&r0=sgd,lr=0.1",
                   "Batch 8: press play and watch the end of the path.",
                   "批大小 8：按播放，观察路径的末端。"),
            _scene("surface=linear_regression&steps=300&batch_size=1&r0=sgd,lr=0.1",
                   "Batch 1: the ball is larger still.", "批大小 1：噪声球更大。"),
        ),
        claims=(
            Claim("wander_order", "the smaller the batch, the larger the noise ball",
                  {"run": 0, "scenes": [0, 1, 2], "last": 100}),
            Claim("wander", "the full batch settles", {"run": 0, "last": 100, "below": 1e-6}),
        ),
    ),
    Lesson(
        id="saddle",
        title=_lang("Saddle points: stalling, and escaping with noise and momentum",
                    "鞍点：停滞，以及借助噪声和动量逃离"),
        text=_lang(
            "f = x² + (y² − 1)² has minima at (0, ±1) and a saddle at the origin, where f = 1. "
            "Started almost on the line y = 0, gradient descent slides into the saddle and stays "
            "near a loss of 1 for a long time, because the gradient there is almost zero. "
            "Momentum builds up the tiny pull along y and escapes several times sooner. "
            "Started exactly on y = 0, gradient descent never leaves the saddle, but gradient noise "
            "breaks the symmetry and the run escapes to a minimum.",
            "f = x² + (y² − 1)² 在 (0, ±1) 处有最小值，在原点有一个鞍点，那里 f = 1。从几乎位于 y = 0 "
            "的直线上出发，梯度下降滑入鞍点，并在损失约为 1 处停留很久，因为那里的梯度几乎为零。"
            "动量累积沿 y 方向的微小拉力，逃离得快好几倍。若恰好从 y = 0 出发，梯度下降永远离不开鞍点，"
            "但梯度噪声打破了对称性，运行逃向一个最小值。"),
        question=_lang(
            "In a network with millions of parameters, why are saddles more common than bad local "
            "minima?",
            "在有数百万参数的网络中，为什么鞍点比糟糕的局部最小值更常见？"),
        scenes=(
            _scene("expr=x**2%2B(y**2-1)**2&start=-2,0.0001&steps=300"
                   "&r0=sgd,lr=0.01&r1=sgd,lr=0.01,momentum=0.9&p.log=1",
                   "Press play: both slide towards the saddle; which one leaves first?",
                   "按播放：两者都滑向鞍点；哪一个先离开？"),
            _scene("expr=x**2%2B(y**2-1)**2&start=-2,0&steps=300&r0=sgd,lr=0.01",
                   "Exactly on y = 0: gradient descent stays on the saddle.",
                   "恰好在 y = 0 上：梯度下降停在鞍点。"),
            _scene("expr=x**2%2B(y**2-1)**2&start=-2,0&steps=300&noise=0.5&seed=0"
                   "&r0=sgd,lr=0.01",
                   "The same with gradient noise: press play.",
                   "加上梯度噪声：按播放。"),
        ),
        claims=(
            Claim("loss_between", "gradient descent lingers near the saddle's loss of 1",
                  {"run": 0, "from": 100, "to": 175, "lo": 0.95, "hi": 1.1}),
            Claim("reaches_first", "momentum escapes several times sooner",
                  {"run": 1, "other": 0, "below": 1e-3, "factor": 3}),
            Claim("loss", "exactly on y = 0 gradient descent ends on the saddle",
                  {"run": 0, "step": -1, "above": 0.999999}, scene=1),
            Claim("loss", "with noise the run escapes to a minimum",
                  {"run": 0, "step": -1, "below": 0.05}, scene=2),
        ),
    ),
    Lesson(
        id="basins",
        title=_lang("Local and global minima: the basin map", "局部与全局最小值：吸引域图"),
        text=_lang(
            "The Styblinski-Tang surface has four minima, only one of them global, at "
            "(−2.90, −2.90). "
            "The basin map runs gradient descent from the centre of every cell of the view and "
            "colours the cell by the minimum the run ends in. "
            "All four minima have a basin, and fewer than a third of the starts end in the global "
            "one: where you start decides what you find.",
            "Styblinski-Tang 曲面有四个最小值，只有一个是全局的，位于 (−2.90, −2.90)。吸引域图从视图中"
            "每个格子的中心运行梯度下降，并按运行最终落入的最小值给格子着色。四个最小值都有自己的吸引域，"
            "只有不到三分之一的起点最终到达全局最小值：从哪里出发决定了你找到什么。"),
        question=_lang(
            "Change the learning rate: do the basin borders move? Why would they?",
            "改变学习率：吸引域的边界会移动吗？为什么会？"),
        scenes=(
            _scene("surface=styblinski_tang&steps=300&r0=sgd,lr=0.02&basin.cells=64",
                   "Wait for the basin map, then click a cell to start a run there.",
                   "等待吸引域图完成，然后点击一个格子，从那里开始运行。"),
        ),
        claims=(
            Claim("basins_reached", "all four minima have a basin", {"at_least": 4}),
            Claim("global_basin_fraction", "fewer than a third of the starts find the global one",
                  {"below": 1 / 3}),
        ),
    ),
    Lesson(
        id="lbfgs",
        title=_lang("L-BFGS: curvature from history, and the line search",
                    "L-BFGS：从历史中估计曲率，以及线搜索"),
        text=_lang(
            "L-BFGS builds an estimate of the inverse Hessian from the last few steps and gradients, "
            "so its steps follow the curvature of Rosenbrock's valley instead of the gradient alone. "
            "Without a line search it takes the full quasi-Newton step, and its very first step "
            "overshoots to a far higher loss. "
            "With the strong Wolfe line search every step lowers the loss from the first one on. "
            "Both reach a loss below 10⁻⁸ within 100 steps, where gradient descent with momentum "
            "is still far away.",
            "L-BFGS 利用最近几步的位移和梯度估计 Hessian 的逆，因此它的步子沿着 Rosenbrock 山谷的曲率走，"
            "而不只是沿着梯度。没有线搜索时它走完整的拟牛顿步，第一步就越过到高得多的损失。使用强 Wolfe "
            "线搜索时，从第一步起每一步都降低损失。两者都在 100 步内把损失降到 10⁻⁸ 以下，而带动量的"
            "梯度下降此时还差得很远。"),
        question=_lang(
            "What does each L-BFGS step cost compared with a gradient descent step?",
            "与梯度下降的一步相比，L-BFGS 的每一步代价是多少？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=100&r0=lbfgs"
                   "&r1=lbfgs,line_search_fn=strong_wolfe&r2=sgd,lr=0.001,momentum=0.9&p.log=1",
                   "Step through the first steps with →, then press play.",
                   "先用 → 逐步查看最初几步，然后按播放。"),
        ),
        claims=(
            Claim("first_step_vs_start", "without line search the first step raises the loss",
                  {"run": 0, "higher": True}),
            Claim("loss_monotone", "with the line search every step lowers the loss",
                  {"run": 1, "from": 1, "to": 40}),
            Claim("first_step_vs_start", "the line search's first step lowers it",
                  {"run": 1, "higher": False}),
            Claim("loss", "L-BFGS reaches 1e-8", {"run": 0, "step": -1, "below": 1e-8}),
            Claim("loss", "with line search too", {"run": 1, "step": -1, "below": 1e-8}),
            Claim("loss", "momentum is still far away", {"run": 2, "step": -1, "above": 0.1}),
        ),
    ),
    Lesson(
        id="lion",
        title=_lang("Lion and sign updates", "Lion 与符号更新"),
        text=_lang(
            "Lion keeps a momentum of the gradients but steps by its sign only: every coordinate "
            "moves by exactly lr at every step, whatever the size of the gradient. "
            "So Lion crosses the flat parts of Rosenbrock as fast as the steep ones and gets close "
            "to the minimum far sooner than Adam with the same lr. "
            "Near the minimum it cannot take smaller steps, so it keeps hopping by lr around it "
            "instead of settling.",
            "Lion 保留梯度的动量，但只按它的符号迈步：无论梯度多大，每个坐标每一步都恰好移动 lr。"
            "因此 Lion 穿过 Rosenbrock 的平坦部分和陡峭部分一样快，比用同样 lr 的 Adam 早得多地接近"
            "最小值。在最小值附近它无法迈更小的步子，于是围绕最小值以 lr 为步长来回跳动，而不是稳定下来。"),
        question=_lang(
            "Which schedule would you pair with Lion to make it settle, and why?",
            "你会给 Lion 搭配什么样的学习率调度让它稳定下来？为什么？"),
        scenes=(
            _scene("surface=rosenbrock&start=-1.5,2&steps=500&r0=lion,lr=0.01&r1=adam,lr=0.01",
                   "Press play; then zoom into the minimum.",
                   "按播放，然后放大最小值附近。"),
        ),
        claims=(
            Claim("sign_steps", "every coordinate moves by exactly lr at every step",
                  {"run": 0, "length": 0.01}),
            Claim("reaches_first", "Lion gets close to the minimum far sooner than Adam",
                  {"run": 0, "other": 1, "below": 0.1}),
            Claim("keeps_moving", "near the minimum it keeps hopping instead of settling",
                  {"run": 0, "last": 50}),
        ),
    ),
    Lesson(
        id="shampoo-rotation",
        title=_lang("Shampoo: a full-matrix preconditioner is rotation invariant",
                    "Shampoo：全矩阵预条件具有旋转不变性"),
        text=_lang(
            "AdaGrad divides each coordinate by its own gradient history, so it can only stretch "
            "the x and y axes. Shampoo sums the outer products g gᵀ into a full 2×2 matrix H and "
            "steps along H^(−1/2) g: full-matrix AdaGrad, which learns the valley's own axes "
            "whatever their angle. The second scene turns the same bowl and the same start by "
            "45°. Shampoo's path turns with it point for point and reaches the minimum as fast; "
            "AdaGrad's changes shape and is still far from the minimum after 150 steps.",
            "AdaGrad 用每个坐标自己的梯度历史去除该坐标，所以只能拉伸 x 轴和 y 轴。Shampoo 把外积 "
            "g gᵀ 累加成完整的 2×2 矩阵 H，并沿 H^(−1/2) g 前进：这是全矩阵 AdaGrad，无论山谷的"
            "轴朝哪个角度，它都能学到。第二个场景把同一个碗和同一个起点旋转 45°。Shampoo 的路径"
            "随之逐点旋转，同样快地到达最小值；AdaGrad 的路径形状改变，150 步后仍离最小值很远。"),
        question=_lang(
            "What does Shampoo's matrix H look like in each scene, and why can no diagonal "
            "preconditioner do the same?",
            "在两个场景中 Shampoo 的矩阵 H 分别是什么样子？为什么任何对角预条件都做不到这一点？"),
        scenes=(
            _scene("surface=ill_conditioned,condition_number=50,angle=0&start=-2.5,1&steps=150"
                   "&r0=shampoo,lr=0.5&r1=adagrad,lr=0.5",
                   "The bowl's axes are x and y. Press play: both reach the minimum.",
                   "碗的轴就是 x 轴和 y 轴。按播放：两者都到达最小值。"),
            _scene("surface=ill_conditioned,condition_number=50,angle=45"
                   "&start=-2.474873734153,-1.06066017178&steps=150"
                   "&r0=shampoo,lr=0.5&r1=adagrad,lr=0.5",
                   "The same bowl and start turned by 45°. Press play and compare with scene 1.",
                   "同一个碗和起点旋转了 45°。按播放，并与场景 1 比较。"),
        ),
        claims=(
            Claim("rotated_path", "Shampoo's path on the turned bowl is its path turned by 45°",
                  {"run": 0, "of_scene": 0, "angle": 45, "within": 1e-9}, scene=1),
            Claim("rotated_path", "AdaGrad's path on the turned bowl is not its path turned",
                  {"run": 1, "of_scene": 0, "angle": 45, "beyond": 0.1}, scene=1),
            Claim("loss", "Shampoo reaches the minimum on the turned bowl",
                  {"run": 0, "step": -1, "below": 1e-20}, scene=1),
            Claim("loss", "AdaGrad reaches the minimum on the aligned bowl",
                  {"run": 1, "step": -1, "below": 1e-12}),
            Claim("loss", "AdaGrad is still far from the minimum on the turned bowl",
                  {"run": 1, "step": -1, "above": 1e-2}, scene=1),
        ),
    ),
    Lesson(
        id="learning-rate-free",
        title=_lang("Learning-rate free: Prodigy and D-Adaptation estimate the step",
                    "免学习率：Prodigy 与 D-Adaptation 自己估计步长"),
        text=_lang(
            "Prodigy and D-Adapt Adam run with lr = 1: they step with d x lr, where d estimates "
            "the distance from the start to the minimum. "
            "d starts at d0 = 1e-6, so for the first steps the runs barely move (the loss after "
            "5 steps is still the start's). "
            "d only grows: on the lr chart (log axis) d x lr climbs six decades to about 1 within "
            "20 steps, and both reach a loss of 1e-3 while Adam at its usual lr = 1e-3 is still "
            "far away after 150 steps. "
            "Adam with a hand-tuned lr = 1 is as fast: the estimate replaces the tuning.",
            "Prodigy 与 D-Adapt Adam 以 lr = 1 运行：它们的步长是 d × lr，其中 d 估计起点到最小值的"
            "距离。d 从 d0 = 1e-6 开始，所以最初几步几乎不动（5 步后的损失仍与起点相同）。d 只增不减："
            "在学习率图（对数坐标）上，d × lr 在 20 步内上升六个数量级到约 1，两者都把损失降到 1e-3，"
            "而用常见 lr = 1e-3 的 Adam 在 150 步后仍离得很远。手动调到 lr = 1 的 Adam 同样快："
            "估计取代了调参。"),
        question=_lang(
            "Why does d start tiny instead of at 1, and what would a d0 far too large do on a "
            "narrow valley?",
            "为什么 d 从极小值开始而不是从 1 开始？在狭窄的山谷里，过大的 d0 会怎样？"),
        scenes=(
            _scene("surface=quadratic&start=-2.5,2&steps=150&r0=prodigy&r1=dadapt_adam"
                   "&r2=adam&r3=adam,lr=1&p.lrlog=1",
                   "Press play and watch the lr chart and the first steps of runs 1 and 2.",
                   "按播放，观察学习率图以及运行 1、2 的最初几步。"),
        ),
        claims=(
            Claim("lr_at", "the first step uses d0 x lr = 1e-6", {"run": 0, "step": 1,
                                                                  "equals": 1e-6}),
            Claim("loss", "after 5 steps Prodigy's loss is still the start's",
                  {"run": 0, "step": 5, "above": 5.1}),
            Claim("state_monotone", "d never decreases", {"run": 0, "name": "d",
                                                          "direction": "nondecreasing"}),
            Claim("lr_at", "d x lr is about 1 at step 20", {"run": 0, "step": 20, "equals": 1.0,
                                                            "rtol": 0.1}),
            Claim("reaches_first", "Prodigy reaches 1e-3 before Adam with lr = 1e-3",
                  {"run": 0, "other": 2, "below": 1e-3}),
            Claim("reaches_first", "D-Adapt Adam too", {"run": 1, "other": 2, "below": 1e-3}),
            Claim("loss", "Adam with lr = 1e-3 is far away after 150 steps",
                  {"run": 2, "step": -1, "above": 1.0}),
            Claim("reaches_first", "hand-tuned Adam (lr = 1) is as fast",
                  {"run": 3, "other": 0, "below": 1e-3}),
        ),
    ),
)


def lesson_catalog() -> list[dict[str, Any]]:
    """Every lesson as the catalog serves it."""
    return [lesson.entry() for lesson in LESSONS]


def lesson_address(query: str) -> str | None:
    """The full page query of the lesson a short link names, or None.

    ``?p.lesson=momentum`` (a link typed by hand, or one whose configuration was cut off) names a
    lesson but carries no configuration: opened as it is, the lesson's text would sit above the
    default runs on the default surface. Such a query becomes the scene's own query (``p.scene``,
    clamped to the lesson's scenes) with the link's other page keys (language, presentation ...)
    kept and preferred to the scene's. A query with any configuration or map key is a link as
    shared and is left as it is (None), as is an unknown lesson.
    """
    items = [item for item in query.split("&") if item]
    keys = [unquote(item.split("=", 1)[0]) for item in items]
    if not keys or any(not key.startswith("p.") for key in keys):
        return None
    given = dict(zip(keys, (unquote(i.partition("=")[2]) for i in items), strict=True))
    lesson = next((each for each in LESSONS if each.id == given.get("p.lesson")), None)
    if lesson is None:
        return None
    try:
        index = min(max(int(given.get("p.scene", "0")), 0), len(lesson.scenes) - 1)
    except ValueError:
        index = 0
    own = {key for key in keys if key not in ("p.lesson", "p.scene")}
    scene = [item for item in lesson.scenes[index].query.split("&")
             if unquote(item.split("=", 1)[0]) not in own]
    kept = [item for item, key in zip(items, keys, strict=True)
            if key not in ("p.lesson", "p.scene")]
    own_keys = [f"p.lesson={lesson.id}", *([f"p.scene={index}"] if index else [])]
    return "&".join([*scene, *kept, *own_keys])


# ---- checking the claims on the engine's data -------------------------------------------------

@lru_cache(maxsize=64)
def scene_result(query: str) -> Any:
    """The engine's runs for a scene's query (the same numbers the page streams)."""
    from app.engine.runner import run
    from app.links import read_config

    config, _ = read_config(query)
    return config, run(config)


def _step_index(trajectory: Any, step: int) -> int:
    """A 1-based step (``-1``: the last recorded) as an index into the recorded arrays."""
    return trajectory.steps - 1 if step == -1 else step - 1


def _first_below(loss: np.ndarray, below: float) -> int | None:
    hits = np.flatnonzero(loss <= below)
    return int(hits[0]) + 1 if hits.size else None


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def _coord(trajectory: Any, coord: str) -> np.ndarray:
    return np.asarray(trajectory.x if coord == "x" else trajectory.y)


def _start_loss(config: Mapping[str, Any]) -> float:
    from app.engine.config import build_objective

    objective = build_objective(config["surface"])
    return float(objective.value(*config["start"]))


def _wander(trajectory: Any, last: int) -> float:
    """How far the last ``last`` points spread: the RMS distance from their mean."""
    pts = np.asarray(trajectory.points)[-last:]
    return float(np.sqrt(((pts - pts.mean(axis=0)) ** 2).sum(axis=1).mean()))


def _momentum_series(config: Mapping[str, Any], run_index: int) -> np.ndarray:
    """The momentum a run's schedule sets at each step (OneCycleLR / CyclicLR cycle it)."""
    from app.engine.optimizers import OPTIMIZERS
    from app.engine.schedules import ParamGroup, build_scheduler

    run_cfg = config["runs"][run_index]
    spec = OPTIMIZERS[run_cfg["optimizer"]]
    name = spec.momentum_name
    group = ParamGroup(run_cfg["params"]["lr"], run_cfg["params"][name], name)
    scheduler = build_scheduler(run_cfg["schedule"], group, config["steps"])
    out = []
    for _ in range(config["steps"]):
        out.append(float(np.asarray(group.momentum).reshape(-1)[0]))
        scheduler.step()
    return np.array(out)


def check_claim(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Evaluate one claim on the engine's data: (holds, the numbers it was judged on)."""
    a = dict(claim.args)
    if claim.kind in ("basins_reached", "global_basin_fraction"):
        return _check_basins(lesson.scenes[claim.scene].query, claim.kind, a)
    config, result = scene_result(lesson.scenes[claim.scene].query)
    runs = result.runs
    t = runs[a["run"]] if "run" in a else None
    kind = claim.kind
    if kind == "status":
        return t.status == a["is"], f"status {t.status}"
    if kind == "loss":
        value = float(t.loss[_step_index(t, a["step"])])
        ok = ("below" not in a or value <= a["below"]) and ("above" not in a or value >= a["above"])
        return ok, f"loss {value:.6g}"
    if kind == "loss_flat":
        seg = np.asarray(t.loss[a["from"] - 1:a["to"]])
        return bool(np.all(np.abs(seg - seg[0]) <= a["rtol"] * abs(seg[0]))), f"loss {seg[[0, -1]]}"
    if kind == "loss_between":
        seg = np.asarray(t.loss[a["from"] - 1:a["to"]])
        return bool(seg.min() >= a["lo"] and seg.max() <= a["hi"]), f"{seg.min()}..{seg.max()}"
    if kind == "loss_monotone":
        seg = np.asarray(t.loss[a["from"] - 1:a["to"]])
        return bool(np.all(np.diff(seg) < 0)), f"max diff {np.diff(seg).max():.3g}"
    if kind == "reaches_first":
        mine = _first_below(np.asarray(t.loss), a["below"])
        theirs = _first_below(np.asarray(runs[a["other"]].loss), a["below"])
        factor = a.get("factor", 1)
        ok = mine is not None and (theirs is None or mine * factor <= theirs)
        return ok, f"steps {mine} vs {theirs}"
    if kind == "sign_alternates":
        seg = _coord(t, a["coord"])[a["from"] - 1:a["to"]]
        return bool(np.all(seg[1:] * seg[:-1] < 0)), f"{a['coord']} {seg[:4]}"
    if kind == "coord_at":
        value = float(_coord(t, a["coord"])[_step_index(t, a["step"])])
        ok = (("abs_above" not in a or abs(value) >= a["abs_above"])
              and ("above" not in a or value >= a["above"])
              and ("below" not in a or value <= a["below"]))
        return ok, f"{a['coord']} = {value:.6g}"
    if kind == "coord_max":
        value = float(_coord(t, a["coord"]).max())
        ok = ("above" not in a or value >= a["above"]) and ("below" not in a or value <= a["below"])
        return ok, f"max {a['coord']} = {value:.6g}"
    if kind == "less_overshoot":
        mine = float(_coord(t, a["coord"]).max())
        theirs = float(_coord(runs[a["other"]], a["coord"]).max())
        return mine < theirs, f"{mine:.4g} vs {theirs:.4g}"
    if kind == "state_monotone":
        diffs = np.diff(np.asarray(t.state[a["name"]]), axis=0)
        ok = np.all(diffs >= 0) if a["direction"] == "nondecreasing" else np.all(diffs <= 0)
        return bool(ok), a["name"]
    if kind == "state_ge":
        mine, other = np.asarray(t.state[a["name"]]), np.asarray(t.state[a["other"]])
        return bool(np.all(mine >= other)), f"{a['name']} >= {a['other']}"
    if kind == "state_end_ratio":
        other = runs[a["other"]] if "other" in a else t
        num, den = np.asarray(t.state[a["num"]])[-1], np.asarray(other.state[a["den"]])[-1]
        ratio = float(np.min(num / den))
        return ratio >= a["above"], f"ratio {ratio:.4g}"
    if kind == "state_ratio":
        i = _step_index(t, a["step"])
        num, den = np.asarray(t.state[a["num"]])[i], np.asarray(t.state[a["den"]])[i]
        ratios = num / den
        rtol = a.get("rtol", 1e-12)
        return all(_close(float(r), a["equals"], rtol) for r in ratios), f"ratios {ratios}"
    if kind == "state_equals_grad":
        i = _step_index(t, a["step"])
        value = np.asarray(t.state[a["name"]])[i]
        grad = np.array([t.grad_x[i], t.grad_y[i]])
        return bool(np.allclose(value, grad, rtol=1e-12, atol=0)), f"{value} vs {grad}"
    if kind == "grad_ratio":
        i = _step_index(t, a["step"])
        ratio = abs(float(t.grad_y[i]) / float(t.grad_x[i]))
        return _close(ratio, a["equals"], 1e-9), f"|g_y/g_x| = {ratio:.6g}"
    if kind == "first_move_equal":
        start = np.asarray(config["start"], dtype=float)
        move = np.abs(np.asarray(t.points[0]) - start)
        return bool(np.allclose(move, a["length"], rtol=1e-6)), f"moves {move}"
    if kind == "sign_steps":
        pts = np.vstack([np.asarray(config["start"], dtype=float), np.asarray(t.points)])
        moves = np.abs(np.diff(pts, axis=0))
        return bool(np.allclose(moves, a["length"], rtol=0, atol=1e-12)), \
            f"moves {moves.min():.17g}..{moves.max():.17g}"
    if kind == "keeps_moving":
        pts = np.asarray(t.points)[-a["last"]:]
        moves = np.abs(np.diff(pts, axis=0))
        return bool(np.all(moves.max(axis=1) > 0)), f"min move {moves.max(axis=1).min():.3g}"
    if kind == "end_near":
        d = float(np.hypot(*(np.asarray(t.points[-1]) - np.asarray(a["point"]))))
        return d <= a["within"], f"distance {d:.4g}"
    if kind == "end_closer_to":
        p = np.asarray(a["point"])
        mine = float(np.hypot(*(np.asarray(t.points[-1]) - p)))
        theirs = float(np.hypot(*(np.asarray(runs[a["other"]].points[-1]) - p)))
        return mine + a["by"] <= theirs, f"{mine:.4g} vs {theirs:.4g}"
    if kind == "final_loss_ratio":
        ratio = float(t.loss[-1] / runs[a["other"]].loss[-1])
        return ratio <= a["below"], f"ratio {ratio:.4g}"
    if kind == "first_step_vs_start":
        first, start = float(t.loss[0]), _start_loss(config)
        return (first > start) == a["higher"], f"{start:.6g} -> {first:.6g}"
    if kind == "first_cross_after_restart":
        coord = _coord(t, a["coord"])
        hits = np.flatnonzero(coord > 0)
        if not hits.size:
            return False, "never crosses"
        step = int(hits[0]) + 1
        ok = any(r <= step <= r + a["within"] for r in a["restarts"])
        return ok, f"first crosses at step {step}"
    if kind == "lr_at":
        value = float(t.lr[_step_index(t, a["step"])])
        if "below" in a:
            return value <= a["below"], f"lr {value:.6g}"
        return _close(value, a["equals"], a.get("rtol", 1e-12)), f"lr {value:.17g}"
    if kind == "lr_monotone":
        seg = np.diff(np.asarray(t.lr[a["from"] - 1:a["to"]]))
        ok = np.all(seg > 0) if a["direction"] == "increasing" else np.all(seg < 0)
        return bool(ok), f"diffs {seg.min():.3g}..{seg.max():.3g}"
    if kind == "lr_peak":
        lr = np.asarray(t.lr)
        peak = int(np.argmax(lr)) + 1
        target = a["at_fraction"] * config["steps"]
        ok = _close(float(lr.max()), a["equals"], 1e-12) and abs(peak - target) <= a["within_steps"]
        return ok, f"peak {lr.max():.6g} at step {peak}"
    if kind == "momentum_cycle":
        m = _momentum_series(config, a["run"])
        ok = (_close(m[0], a["start"], 1e-12) and _close(float(m.min()), a["at_peak"], 1e-9)
              and _close(m[-1], a["end"], 1e-3)
              and int(np.argmin(m)) == int(np.argmax(np.asarray(t.lr))))
        return ok, f"momentum {m[0]:.4g} -> {m.min():.4g} -> {m[-1]:.4g}"
    if kind == "rotated_path":  # this scene's path vs another scene's turned by ``angle``
        turn = np.radians(a["angle"])
        c, s = float(np.cos(turn)), float(np.sin(turn))
        base = scene_result(lesson.scenes[a["of_scene"]].query)[1].runs[a["run"]]
        want = np.asarray(base.points) @ np.array([[c, s], [-s, c]])
        got = np.asarray(t.points)
        n = min(len(want), len(got))
        dev = float(np.abs(got[:n] - want[:n]).max() / np.abs(want).max())
        ok = (len(want) == len(got) and ("within" not in a or dev <= a["within"])
              and ("beyond" not in a or dev >= a["beyond"]))
        return ok, f"deviation {dev:.3g} of the path's size"
    if kind == "wander":
        value = _wander(t, a["last"])
        return value <= a["below"], f"spread {value:.3g}"
    if kind == "wander_order":
        spreads = [_wander(scene_result(lesson.scenes[s].query)[1].runs[a["run"]], a["last"])
                   for s in a["scenes"]]
        return all(x < y for x, y in zip(spreads, spreads[1:], strict=False)), f"spreads {spreads}"
    raise ValueError(f"unknown claim kind {kind!r}")


def _check_basins(query: str, kind: str, a: Mapping[str, Any]) -> tuple[bool, str]:
    """Claims on a scene's basin map: how many minima are reached, and the global one's share."""
    from app.engine.maps import basin_map
    from app.links import read_config, read_map

    config, _ = read_config(query)
    result = basin_map(config, read_map(query, "basin", config))
    cells = np.asarray(result.values["basin"])
    reached = sorted({int(b) for b in np.unique(cells) if b >= 0})
    if kind == "basins_reached":
        return len(reached) >= a["at_least"], f"{len(reached)} basins"
    glob = [i for i, b in enumerate(result.basins) if b.get("kind") == "global"]
    share = float(np.isin(cells, glob).mean())
    return share < a["below"], f"global share {share:.3f}"
