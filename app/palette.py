"""The colours and line styles runs and maps are drawn in: one table for the page and notebook.

Served in ``/api/catalog`` as ``palette`` (the page holds no copy), imported by the notebook
figures. Run colours are Okabe & Ito's colour-blind-safe palette, most distinguishable first;
each run also gets a dash pattern and a marker symbol, so lines stay apart where colours
coincide in print. Basin colours are light tones, none of them near a run colour, so a basin
is never read as a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine.text import Translations, i18n


@dataclass(frozen=True)
class RunColour:
    """One run colour: its hex value and its name as the colour picker shows it."""

    name: str
    hex: str
    label: str
    zh: Translations = field(default_factory=dict)  # {"label"} in Chinese

    def to_catalog(self) -> dict[str, Any]:
        """``{"name", "hex", "label", "i18n"}`` for the page's colour picker."""
        return {"name": self.name, "hex": self.hex, "label": self.label, **i18n(self.zh)}


RUN_COLOURS = (
    RunColour("orange", "#E69F00", "orange", {"label": "橙色"}),
    RunColour("blue", "#0072B2", "blue", {"label": "蓝色"}),
    RunColour("bluish_green", "#009E73", "bluish green", {"label": "蓝绿色"}),
    RunColour("vermillion", "#D55E00", "vermillion", {"label": "朱红色"}),
    RunColour("reddish_purple", "#CC79A7", "reddish purple", {"label": "紫红色"}),
    RunColour("sky_blue", "#56B4E9", "sky blue", {"label": "天蓝色"}),
    RunColour("black", "#000000", "black", {"label": "黑色"}),
    RunColour("yellow", "#F0E442", "yellow", {"label": "黄色"}),
)
PALETTE = tuple(c.hex for c in RUN_COLOURS)  # the run colours' hex values, by palette index

# Plotly's dash names, with the canvas pattern (in line widths) that draws the same.
DASHES: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("solid", ()),
    ("dash", (6, 3)),
    ("dot", (1.5, 2.5)),
    ("dashdot", (6, 2.5, 1.5, 2.5)),
    ("longdash", (10, 3)),
    ("longdashdot", (10, 2.5, 1.5, 2.5)),
    ("5px,2px,1px,2px,1px,2px", (5, 2, 1, 2, 1, 2)),
    ("2px,4px", (2, 4)),
)
MARKERS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "triangle-down")

# One categorical colour per minimum a basin map found (cycling beyond twelve).
BASIN_COLORS = ("#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#8dd3c7", "#fccde5", "#ffff99",
                "#bebada", "#ccebc5", "#fb9a99", "#d9f0a3", "#e5d8bd")
DIVERGED_COLOR = "#7f1d1d"  # map cells whose run diverged
NEVER_COLOR = "#cbd2d9"  # hyperparameter-map cells that never reached the threshold
UNSETTLED_COLOR = "rgba(255,255,255,0)"  # basin cells still moving: the contour shows through


def palette_catalog() -> dict[str, Any]:
    """The catalog's ``palette``: run colours, dashes and markers, and the maps' colours."""
    return {
        "runs": [c.to_catalog() for c in RUN_COLOURS],
        "dashes": [{"plotly": name, "canvas": list(pattern)} for name, pattern in DASHES],
        "markers": list(MARKERS),
        "basins": list(BASIN_COLORS),
        "diverged": DIVERGED_COLOR,
        "never": NEVER_COLOR,
        "unsettled": UNSETTLED_COLOR,
    }
