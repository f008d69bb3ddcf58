"""The run and map colours: one table (app/palette.py) for the catalog, the page and notebook."""

from __future__ import annotations

import re

from app.address.table import PALETTE_SIZE
from app.engine.config import MAX_RUNS
from app.palette import BASIN_COLORS, DASHES, MARKERS, PALETTE, RUN_COLOURS, palette_catalog

HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_every_run_gets_its_own_colour_dash_and_marker() -> None:
    for table in (PALETTE, DASHES, MARKERS):
        assert len(table) >= MAX_RUNS and len(set(table)) == len(table)
    assert PALETTE_SIZE == len(PALETTE)  # p.colors indexes the same table
    assert all(HEX.fullmatch(c) for c in (*PALETTE, *BASIN_COLORS))
    assert len({c.name for c in RUN_COLOURS}) == len(RUN_COLOURS)


def test_basin_colours_are_never_near_a_run_colour() -> None:
    for basin in BASIN_COLORS:
        nearest = min(sum((p - q) ** 2 for p, q in zip(_rgb(basin), _rgb(run), strict=True)) ** 0.5
                      for run in PALETTE)
        assert nearest > 40, basin


def test_catalog_palette_is_the_table() -> None:
    palette = palette_catalog()
    assert [c["hex"] for c in palette["runs"]] == list(PALETTE)
    assert [d["plotly"] for d in palette["dashes"]] == [name for name, _ in DASHES]
    assert palette["markers"] == list(MARKERS) and palette["basins"] == list(BASIN_COLORS)
    assert all(c["label"] and c["i18n"]["zh"]["label"] for c in palette["runs"])
