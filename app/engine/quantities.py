"""Quantities every optimizer's step has (parameters, gradient, lr, step, loss, step scale).

The teaching table and the state panel name them beside each optimizer's own state: their
symbols and texts (English and Chinese) live here, once, and reach the page through
``/api/catalog`` as ``quantities``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .text import Translations, i18n


@dataclass(frozen=True)
class Quantity:
    """One quantity common to every step: its name, LaTeX symbol, label and help."""

    name: str
    symbol: str
    help: str
    label: str = ""
    zh: Translations = field(default_factory=dict)  # {"help", "label"} in Chinese

    def to_catalog(self) -> dict[str, Any]:
        """``{"name", "symbol", "label", "help", "i18n"}`` for the page."""
        return {"name": self.name, "symbol": self.symbol, "label": self.label,
                "help": self.help, **i18n(self.zh)}


QUANTITIES = (
    Quantity("params", r"\theta_{t-1}", "θ before the step",
             zh={"help": "更新前的 θ"}),
    Quantity("grad", r"\nabla f(\theta_{t-1})", "gradient",
             zh={"help": "梯度"}),
    Quantity("lr", r"\eta_t", "learning rate at this step",
             zh={"help": "本步学习率"}),
    Quantity("delta", r"\Delta\theta_t = \theta_t - \theta_{t-1}", "step taken",
             zh={"help": "实际更新量"}),
    Quantity("params_after", r"\theta_t", "θ after the step",
             zh={"help": "更新后的 θ"}),
    Quantity("loss", r"f(\theta_t)", "loss after the step",
             zh={"help": "更新后的损失"}),
    Quantity("step_scale", r"\hat\eta",
             "The positive factor each coordinate's step multiplies its direction by "
             "(plotted on a log axis in the state panel).",
             label="Step scale",
             zh={"label": "步长尺度",
                 "help": "每个分量的更新沿其方向所乘的正系数（状态面板中以对数坐标绘制）。"}),
    Quantity("effective_lr", r"\Delta\theta / (-g)",
             "update ratio −Δθ / g per coordinate (not a learning rate: it changes sign and "
             "spikes where g crosses zero)",
             zh={"help": "每个分量的更新比 −Δθ / g（不是学习率：g 过零时会变号并出现尖峰）"}),
)
