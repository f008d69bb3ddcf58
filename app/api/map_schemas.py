"""Pydantic models for /docs of the map endpoints: requests and stream records.

As for trajectories, they document the contract; the engine's validate_hyper_map /
validate_basin_map are the validation authority, and the tests check real records against them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import TrajectoryConfig
from app.engine.maps import BASIN_COLORS, BASIN_MAX_CELLS, HYPER_MAX_CELLS, METRICS, SCALES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AxisSpec(_Strict):
    """One axis of a hyperparameter map."""

    param: str = Field(..., description="a real-valued hyperparameter of the run (lr, beta1, ...)")
    min: float | None = Field(None, description="first value (default: the slider's minimum)")
    max: float | None = Field(None, description="last value (default: the slider's maximum)")
    scale: str | None = Field(None, description="spacing of the values (default: the "
                                                "catalog's scale)",
                              json_schema_extra={"enum": list(SCALES)})
    cells: int | None = Field(64, ge=2, le=HYPER_MAX_CELLS, description="number of values")


class HyperMapSpec(_Strict):
    """Two hyperparameters of one run varied over a grid."""

    run: int = Field(0, ge=0, description="which run of the configuration")
    x: AxisSpec
    y: AxisSpec
    metric: str = Field("final_loss", description="what the page colours cells by",
                        json_schema_extra={"enum": list(METRICS)})
    threshold: float | None = Field(None, description="the loss a cell must reach for "
                                                      "steps_to_threshold (default: the lowest "
                                                      "known minimum + 1e-3)")


class BasinMapSpec(_Strict):
    """One run started from every cell of a grid over a view box."""

    run: int = Field(0, ge=0, description="which run of the configuration")
    cells: int | list[int] = Field(128, description=f"cells per side, or [nx, ny] (2 to "
                                                    f"{BASIN_MAX_CELLS})")
    view: list[float] | None = Field(None, description="[xmin, xmax, ymin, ymax] (default: the "
                                                       "surface's view)")
    color: str = Field("minimum", description="what the page colours cells by",
                       json_schema_extra={"enum": list(BASIN_COLORS)})


class HyperMapRequest(_Strict):
    """POST /api/map/hyper: a configuration and the map of one of its runs."""

    config: TrajectoryConfig
    map: HyperMapSpec


class BasinMapRequest(_Strict):
    """POST /api/map/basin: a configuration and the basin map of one of its runs."""

    config: TrajectoryConfig
    map: BasinMapSpec = Field(default_factory=lambda: BasinMapSpec())


class MapStart(BaseModel):
    """First line: the validated configuration and map, the grid's values, the shareable query."""

    type: Literal["start"]
    kind: Literal["hyper", "basin"]
    config: dict[str, Any]
    map: dict[str, Any]
    query: str = Field(..., description="the page's query for the configuration and this map")
    x: list[float] = Field(..., description="the x value of each column")
    y: list[float] = Field(..., description="the y value of each row")
    steps: int
    total: int = Field(..., description="cell-steps to compute")
    version: str


class MapProgress(BaseModel):
    """How far the computation is (cell-steps)."""

    type: Literal["progress"]
    done: int
    total: int


class MapRows(BaseModel):
    """Grid rows first .. first+count-1, each quantity as rows of cells (null: none)."""

    type: Literal["rows"]
    first: int
    count: int
    final_loss: list[list[float | None]]
    diverged: list[list[int | None]] = Field(..., description="the step it diverged at")
    reach: list[list[int | None]] | None = Field(
        None, description="hyper: first step with loss <= threshold")
    basin: list[list[int]] | None = Field(
        None, description="basin: index into the minima, -1 diverged, -2 still moving")
    end_x: list[list[float | None]] | None = None
    end_y: list[list[float | None]] | None = None
    basins: list[dict[str, Any]] | None = Field(
        None, description="basin: minima first reached in these rows (known or found)")


class MapEnd(BaseModel):
    """Last line."""

    type: Literal["end"]
    status: Literal["completed"]


class MapError(BaseModel):
    """Last line if the server failed mid-stream (never expected; logged)."""

    type: Literal["error"]
    msg: str


MapRecord = Annotated[MapStart | MapProgress | MapRows | MapEnd | MapError,
                      Field(discriminator="type")]
