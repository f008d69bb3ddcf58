"""Server settings, in one place: host, port, workers and every limit on a request's work.

Each field can be set from the environment with the ``OPTVIZ_`` prefix (``OPTVIZ_PORT=9000``,
``OPTVIZ_MAX_RUN_STEPS=20000``); ``python -m app`` flags override host, port and workers.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.engine.config import MAX_RUNS, MAX_STEPS
from app.engine.maps import BASIN_MAX_CELLS, BLOCK_CELLS, HYPER_MAX_CELLS, MAP_MAX_STEPS

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the server reads from its environment; one instance per app, overridable."""

    model_config = SettingsConfigDict(env_prefix="OPTVIZ_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=0, le=65535, description="TCP port")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes")
    log_level: str = Field("info", description="uvicorn log level")
    header_timeout: float = Field(10.0, gt=0, le=3600, description="seconds a connection has "
                                  "to send a request's line and headers, else it is closed")
    body_timeout: float = Field(10.0, gt=0, le=3600, description="seconds a request has to send "
                                "its whole body once its headers are in, else it is closed")
    write_timeout: float = Field(30.0, gt=0, le=3600, description="seconds a response may wait "
                                 "for a client that reads nothing, then the connection is closed")
    max_connections: int = Field(1000, ge=1, description="open connections per worker process "
                                 "(also kept below its file limit); a new one beyond gets a 503")
    log_interval: float = Field(10.0, ge=0, description="each kind of warning or error is "
                                "logged at most once per this many seconds")
    forwarded_allow_ips: str = Field("127.0.0.1", description="proxies whose X-Forwarded-For / "
                                     "-Proto are trusted (uvicorn's forwarded_allow_ips)")

    max_runs: int = Field(MAX_RUNS, ge=1, le=MAX_RUNS, description="runs in one request")
    max_steps: int = Field(MAX_STEPS, ge=1, le=MAX_STEPS, description="steps of one run")
    max_run_steps: int = Field(
        MAX_RUNS * MAX_STEPS, ge=1, description="budget of steps x runs for one request"
    )
    max_grid: int = Field(400, ge=2, le=2000, description="largest surface grid side")
    default_grid: int = Field(120, ge=2, description="surface grid side when none is asked")
    max_expression_chars: int = Field(1000, ge=1, description="longest formula accepted")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="largest JSON request body")
    max_query_chars: int = Field(8192, ge=256, description="longest query string accepted")

    max_map_cells: int = Field(HYPER_MAX_CELLS, ge=2, le=HYPER_MAX_CELLS,
                               description="largest hyperparameter-map side (cells per axis)")
    max_basin_cells: int = Field(BASIN_MAX_CELLS, ge=2, le=BASIN_MAX_CELLS,
                                 description="largest basin-map side (cells per axis)")
    max_map_steps: int = Field(MAP_MAX_STEPS, ge=1, le=MAP_MAX_STEPS,
                               description="steps of every cell of a map")
    map_block_cells: int = Field(BLOCK_CELLS, ge=1, description="map cells stepped together "
                                 "(one streamed block of grid rows)")

    first_block: int = Field(50, ge=1, description="steps in each run's first streamed block")
    block_size: int = Field(500, ge=1, description="steps in each later streamed block")
    pull_ms: float = Field(5.0, ge=0, le=1000, description="after a stream's first block, a "
                           "worker thread computes blocks for this long (ms) before handing "
                           "them over (fewer thread hops; 0: one block at a time)")
    whole_ms: float = Field(0.0, ge=0, le=1000, description="a trajectory whose estimated "
                            "compute (app/engine/cost.py) is at most this (ms) is sent whole in "
                            "one piece (its first pull may compute for 4x this long): the page "
                            "draws it once instead of first blocks then the rest; 0 (default): "
                            "never, as a burst of aborted requests then holds stream slots longer "
                            "(40 quick slider moves on a loaded machine met the 32-stream limit)")
    points_whole_ms: float = Field(20.0, ge=0, le=1000, description="the same for an answer "
                                   "of points only (fields=points, the page following a dragged "
                                   "start or a held slider: one request at a time, drawn once "
                                   "complete): one thread hop and one write instead of a piece "
                                   "every pull; 0: never")
    compute_threads: int = Field(1, ge=1, le=64, description="threads computing streams at "
                                 "once in one worker process (more only contend for the GIL)")

    cost_budget_s: float = Field(25.0, gt=0, description="the estimated compute (s of one "
                                 "core, app/engine/cost.py) one request may take; more is a 422 "
                                 "naming the costliest part and what would fit")
    max_schedule_formula_nodes: int = Field(2000, ge=1, description="formula nodes of all the "
                                            "lr_lambda of one schedule tree together")
    deadline_s: float = Field(30.0, gt=0, description="compute (CPU s) of one stream; past it "
                              "the stream ends with an error record and stops computing")
    block_ms: float = Field(20.0, gt=0, le=1000, description="a stream's blocks are sized by "
                            "the cost estimate to about this much compute (ms), so a lane is "
                            "never held much longer")
    max_streams: int = Field(64, ge=1, description="streams computing at once in one worker "
                             "process; more are answered 503 with Retry-After")
    max_client_streams: int = Field(32, ge=1, description="streams of one client address at once "
                                    "in one worker process; more are answered 429 with "
                                    "Retry-After")
    retry_after_s: int = Field(5, ge=0, description="Retry-After (s) of a 429 or 503 answer")
    validation_threads: int = Field(1, ge=1, le=64, description="threads validating large "
                                    "bodies and repairing links (off the event loop)")
    max_repairs: int = Field(16, ge=1, le=500, description="repair passes of GET /api/config "
                             "(one per invalid value); beyond them the link is refused (422)")

    cache_max_age: int = Field(
        86400, ge=0, description="Cache-Control max-age (s) of deterministic GET responses"
    )
    frame_ancestors: str = Field(
        "'self'", description="CSP frame-ancestors of the page (who may embed it)"
    )
    templates_dir: Path = Field(ROOT / "templates", description="Jinja2 templates of the page")
    static_dir: Path = Field(ROOT / "static", description="frontend files served at /static")
    minify_scripts: bool = Field(True, description="serve the page's scripts without their "
                                 "comments and layout (rjsmin; 24 kB less on a first load); "
                                 "false: as written, to read them in a browser's debugger")
    asset_cache_dir: Path | None = Field(
        Path(tempfile.gettempdir()) / "optviz-assets",
        description="where plotly.js compressed at brotli's best quality is kept across "
                    "restarts (None: keep nothing, serve quality 9)",
    )

    @model_validator(mode="after")
    def _grid_default_within_max(self) -> Settings:
        """Keep the default grid inside the maximum so a bare request is always allowed."""
        if self.default_grid > self.max_grid:
            raise ValueError("default_grid must not exceed max_grid")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings read once from the environment (tests pass their own to create_app)."""
    return Settings()
