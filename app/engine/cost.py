"""What a request will cost before any of it runs: one model for trajectories, maps and grids.

Every estimate is in seconds of one core's compute and is built from the parts that scale:

* the surface: what one evaluation (value and gradient) costs; a formula by its tree nodes (the
  formula and both derivatives), a data surface by the samples it sums (the whole set, or the
  mini-batch), an analytic one by whether it runs in plain floats or in NumPy;
* each run's optimizer: its own per-step work and how many evaluations a step makes (L-BFGS:
  the start of the step, the loss, the strong-Wolfe line search and its history's two loops;
  SAM: the gradient at the perturbed point, plus its inner optimizer's work);
* each run's schedule tree: its schedulers and the nodes of every ``lr_lambda`` formula,
  evaluated every step;

times steps times runs (cells for a map, points for a grid). The API compares the estimate
with the server's budget before computing and refuses, naming the costliest part and what would
fit; it also sizes a stream's blocks by it, so each block is a few milliseconds of work.

Calibration: the constants below are microseconds measured on one 2-core x86-64 machine
(Python 3.12, NumPy 2) by ``python bench/cost.py``, which runs a set of configurations (every
optimizer on analytic, formula and data surfaces, mini-batches, L-BFGS with its line search,
schedule trees with many schedulers and long formulas, basin and hyperparameter maps), prints
the measured time next to the estimate, and their ratio. The constants are set so the estimate
is within about 2x of the measured time either way (more above for long formulas, whose equal
subtrees are computed once): the model is meant to refuse amplification by orders of magnitude
and to size stream blocks, not to be a profiler; the deadline catches what it misjudges (L-BFGS's
line search, say, is counted at its typical evaluations per step, not its most).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .expression import parse_expression
from .optimizers import OPTIMIZERS
from .surfaces import SURFACES

US = 1e-6

# A single run's step (the float path), the optimizer's own work with an analytic evaluation.
STEP_US = 6.0
# What a step adds when it runs on NumPy arrays (mini-batches, formulas, NumPy surfaces).
ARRAY_STEP_US = 50.0
# L-BFGS: its step (closure, two-loop recursion) and each stored (step, gradient change) pair;
# its step on arrays (a map's cells, mini-batches, inside a wrapper) and a single run's on floats
# (its pair_update: 1000 rosenbrock steps with 10 pairs in about 6 us a step beside Adam's 6).
LBFGS_STEP_US = 60.0
LBFGS_FLOAT_STEP_US = 8.0
LBFGS_PAIR_US = 0.25
LBFGS_EVALS = 2.0  # evaluations of a step without a line search (the start and the loss)
LINE_SEARCH_EVALS = 1.5  # typical extra evaluations of a strong-Wolfe step (measured mean ~1)
WRAPPER_STEP_US = 2.0  # Lookahead's own bookkeeping on top of its inner optimizer
# What an optimizer's own step adds to STEP_US (measured against Adam's on the float path):
# Schedule-Free's three iterates and averaging weight (once a step), MADGRAD's
# cube roots (a NumPy call each, on floats too); QHAdam rounds its bias-correction weights to
# float32 (11 us in all).
EXTRA_STEP_US: dict[str, float] = {
    "sgd_schedulefree": 1.5, "adamw_schedulefree": 5.0, "radam_schedulefree": 6.0,
    "madgrad": 3.0, "qhadam": 4.0,
    # the estimate d from dot products and norms, once a step through each one's pair_update
    # (1000 rosenbrock steps in CPU time, interleaved with Adam's: 1.03-1.34x Adam's step)
    "prodigy": 3.0, "dadapt_adam": 2.0, "dadapt_sgd": 1.0, "dadapt_adagrad": 2.0,
}
# What a joint step (OptimizerSpec.joint_for: both coordinates at once, on Vec2 pairs of floats)
# adds to the optimizer's float step when only some configurations couple the coordinates:
# LARS's (matrix) trust-ratio norms, cautious masking's mean, Adan's float32 gradient-norm
# clipping, MARS's clipping of c (optimize_1d) and its cautious mask. Measured with 1000
# rosenbrock steps in CPU time against the same optimizer's per-coordinate step (a plain Adam
# run: 5.7 us a step in all): +2-5 us, Adan's clipping +9 (its float32 roundings); LAMB, whose
# single run steps through its pair_update (the norms once a step on floats): 1.05x Adam's step.
JOINT_EXTRA_US: dict[str, float] = {
    "lamb": 0.5, "lars": 3.0, "adamw": 5.0, "lion": 5.0, "laprop": 5.0, "adan": 9.0,
    "mars": 5.0,
}
# SAM: its perturbation (the gradient's norm, the float32 scale, the perturbed point; a single
# run steps on floats through its pair_update), and its second gradient (an evaluation more per
# step, for a single run and per map cell).
SAM_STEP_US = 4.0
SAM_EVALS = 2.0

# One evaluation (value and gradient) of a surface at one point.
ANALYTIC_FLOAT_US = 0.5  # plain float arithmetic
ANALYTIC_NUMPY_US = 20.0  # NumPy transcendental functions on a (1, 2) point
FORMULA_BASE_US = 4.0
FORMULA_NODE_US = 0.25  # per tree node of the formula and its two derivatives
DATA_BASE_US = 40.0
DATA_SAMPLE_US = 0.05  # per sample summed (the data set, or the mini-batch)
MOMENT_US = 0.5  # linear regression's full-data loss: its moments, whatever the set's size

# Schedules, every step: each scheduler, and each node of its formulas.
SCHEDULER_US = 0.7
LAMBDA_NODE_US = 0.8

# Maps: per cell and step (vectorised over a block of cells), times the surface's relative
# cost; per block and step (NumPy calls, the schedule on arrays); L-BFGS steps cell by cell.
MAP_CELL_US = 0.08
MAP_BLOCK_STEP_US = 60.0
MAP_EXTRA_EVAL = 0.5  # each evaluation beyond a step's first (SAM's), per cell: of a cell-step
# Grids: per point, times the surface's relative cost.
GRID_POINT_US = 0.05
FORMULA_NODES_PER_UNIT = 200.0  # tree nodes that cost one analytic evaluation (vectorised)


@dataclass(frozen=True)
class Part:
    """One costly part of a request: its field, its seconds per step (of all its cells, for a
    map) and a phrase saying what makes it cost."""

    field: str
    per_step: float
    what: str


@dataclass(frozen=True)
class Estimate:
    """A request's estimated compute: ``seconds`` in all, ``steps`` per run, its parts (each a
    cost per step of one run) and the per-run seconds per step (used to size stream blocks)."""

    seconds: float
    steps: int
    parts: tuple[Part, ...]
    run_step: tuple[float, ...] = ()
    unit: str = "step"  # what a step of the parts is: "step", or "step of all its cells"

    def costliest(self) -> Part:
        """The part that costs most per step."""
        return max(self.parts, key=lambda p: p.per_step)

    def steps_that_fit(self, budget: float) -> int:
        """The most steps per run whose estimate stays within ``budget`` seconds."""
        per_step = self.seconds / max(self.steps, 1)
        return int(budget / per_step) if per_step > 0 else self.steps


# ------------------------------------------------------------------------------- the surface


@dataclass(frozen=True)
class SurfaceCost:
    """One evaluation at one point (seconds), whether it needs the array path, its cost
    relative to an analytic surface's vectorised evaluation (maps and grids), and a phrase."""

    eval_s: float
    array: bool
    relative: float
    what: str


@lru_cache(maxsize=64)
def _float_exact(name: str) -> bool:
    """Whether an analytic surface evaluates in plain float arithmetic (built once)."""
    return bool(SURFACES[name].build(None).float_exact)


def formula_nodes(text: str) -> int:
    """Tree nodes of a surface formula and its two derivatives (parsed once, memoised)."""
    expr = parse_expression(text)
    return expr.size + expr.derivative("x").size + expr.derivative("y").size


def surface_cost(surface: Mapping[str, Any], batch_size: int | None) -> SurfaceCost:
    """The cost of one evaluation of a validated surface (with this mini-batch size)."""
    if "expression" in surface:
        nodes = formula_nodes(surface["expression"])
        return SurfaceCost((FORMULA_BASE_US + FORMULA_NODE_US * nodes) * US, True,
                           max(1.0, nodes / FORMULA_NODES_PER_UNIT),
                           f"a formula of {nodes} nodes with its derivatives")
    spec = SURFACES[surface["name"]]
    if spec.kind == "data":
        n = int((surface.get("params") or {}).get("n_samples")
                or next(p.default for p in spec.params if p.name == "n_samples"))
        batched = batch_size is not None and batch_size < n
        samples = batch_size if batched else n
        assert samples is not None
        if not batched and spec.name == "linear_regression":
            return SurfaceCost(MOMENT_US * US, False, 1.0, "a linear fit (its moments)")
        relative = float(n) if spec.name != "linear_regression" else 1.0
        what = f"a mini-batch of {samples} of {n} samples" if batched else f"{n} samples"
        return SurfaceCost((DATA_BASE_US + DATA_SAMPLE_US * samples) * US, batched,
                           max(relative, float(samples)), what)
    if _float_exact(spec.name):
        return SurfaceCost(ANALYTIC_FLOAT_US * US, False, 1.0, f"{spec.name}")
    return SurfaceCost(ANALYTIC_NUMPY_US * US, False, 1.0, f"{spec.name} (NumPy)")


# ------------------------------------------------------------------------------- a schedule


def _schedule_nodes(node: Any) -> Iterator[tuple[str, str | None]]:
    """Every scheduler of a validated tree: its name and its formula (LambdaLR) or None."""
    if not isinstance(node, Mapping):
        return
    params = node.get("params") or {}
    formula = params.get("lr_lambda") if node.get("name") == "LambdaLR" else None
    yield str(node.get("name")), formula if isinstance(formula, str) else None
    for child in params.get("schedulers") or ():
        yield from _schedule_nodes(child)


def schedule_size(tree: Any) -> tuple[int, int]:
    """(schedulers, formula nodes) of a validated schedule tree (formulas parsed once)."""
    schedulers = nodes = 0
    for _, formula in _schedule_nodes(tree):
        schedulers += 1
        if formula is not None:
            nodes += parse_expression(formula, variables=("k",)).size
    return schedulers, nodes


def schedule_step(tree: Any) -> tuple[float, str]:
    """Seconds a schedule tree adds to every step, and a phrase saying why."""
    schedulers, nodes = schedule_size(tree)
    what = f"{schedulers} scheduler{'s' if schedulers != 1 else ''}"
    if nodes:
        what += f" with {nodes} formula nodes"
    return (SCHEDULER_US * schedulers + LAMBDA_NODE_US * nodes) * US, what


# ------------------------------------------------------------------------------- an optimizer


def _lbfgs(params: Mapping[str, Any], steps: int, floats: bool) -> tuple[float, float]:
    """(own seconds per step, evaluations per step) of L-BFGS with these hyperparameters, on
    floats (a single run) or on arrays."""
    pairs = min(int(params.get("history_size", 100)), steps)
    evals = LBFGS_EVALS
    if params.get("line_search_fn") == "strong_wolfe":
        evals += min(LINE_SEARCH_EVALS, float(params.get("max_eval", 25)))
    step = LBFGS_FLOAT_STEP_US if floats else LBFGS_STEP_US
    return (step + LBFGS_PAIR_US * pairs) * US, evals


# Optimizers with matrix work per step: extra microseconds of a single run's step (the float
# path), of each map cell-step and of each map block-step (NumPy calls), from their
# hyperparameters. Muon: k Newton-Schulz iterations in emulated bfloat16 (a dozen rounded float32
# operations each); Shampoo: the SVD of its 2x2 preconditioner every k steps (LAPACK, one call
# per matrix, also per map cell); Adafactor: two norms. Measured by bench/cost.py's
# ``matrix`` configurations.
def matrix_work(name: str, params: Mapping[str, Any]) -> tuple[float, float, float]:
    """(own, per map cell, per map block) extra seconds of one step of optimizer ``name``."""
    if name == "muon":
        k = float(params.get("ns_steps", 5))
        return (6.0 + 2.5 * k) * US, 0.03 * k * US, 40.0 * k * US
    if name == "shampoo":
        k = float(params.get("preconditioning_compute_steps", 1))
        return (3.0 + 15.0 / k) * US, (0.1 + 1.6 / k) * US, (40.0 + 30.0 / k) * US
    if name == "adafactor":
        return 1.0 * US, 0.02 * US, 15.0 * US
    return 0.0, 0.0, 0.0


def _matrix_parts(run: Mapping[str, Any]) -> tuple[float, float, float]:
    """:func:`matrix_work` of a run's optimizer and of a wrapper's inner one, summed."""
    total = matrix_work(run["optimizer"], run.get("params") or {})
    inner = run.get("inner")
    if inner:
        extra = matrix_work(inner["optimizer"], inner.get("params") or {})
        total = (total[0] + extra[0], total[1] + extra[1], total[2] + extra[2])
    return total


def optimizer_step(run: Mapping[str, Any], steps: int, floats: bool = False
                   ) -> tuple[float, float, bool, str]:
    """(own seconds per step, evaluations per step, needs the array path, name) of a run's
    optimizer (a wrapper's and its inner optimizer's together); ``floats``: a single run on a
    surface that evaluates in plain floats (L-BFGS alone then steps on floats)."""
    spec = OPTIMIZERS[run["optimizer"]]
    own, evals, array = STEP_US * US, 1.0, False
    name = spec.name
    parts = [(spec, run.get("params") or {})]
    if spec.wraps and run.get("inner"):
        inner = run["inner"]
        parts.append((OPTIMIZERS[inner["optimizer"]], inner.get("params") or {}))
        own += WRAPPER_STEP_US * US
        name = f"{spec.name}({inner['optimizer']})"
    for part, params in parts:
        own += EXTRA_STEP_US.get(part.name, 0.0) * US
        if part.name in JOINT_EXTRA_US and \
                part.joint_for({p.name: p.default for p in part.params} | params):
            own += JOINT_EXTRA_US[part.name] * US
            name += " (coupled step)"
        if part.by_row:
            on_floats = floats and part is spec and spec.pair_update is not None
            own, evals = _lbfgs(params, steps, on_floats)
            array = not on_floats
            if params.get("line_search_fn") == "strong_wolfe":
                name += " with its line search"
        elif part.needs_oracle:  # SAM: a second gradient (floats for a single run)
            own += SAM_STEP_US * US
            evals = SAM_EVALS
            array = part.pair_update is None
    return own + _matrix_parts(run)[0], evals, array, name


def by_row(run: Mapping[str, Any]) -> bool:
    """Whether a map steps each cell of this run on its own (L-BFGS, or a wrapper around it)."""
    inner = run.get("inner")
    return OPTIMIZERS[run["optimizer"]].by_row or bool(
        inner and OPTIMIZERS[inner["optimizer"]].by_row)


# ------------------------------------------------------------------------------- requests


def run_step(run: Mapping[str, Any], surface: SurfaceCost, steps: int, index: int
             ) -> tuple[float, list[Part]]:
    """Seconds per step of one run and its parts (optimizer with its evaluations, schedule)."""
    own, evals, array, name = optimizer_step(run, steps, floats=not surface.array)
    if array or surface.array:
        own += ARRAY_STEP_US * US
    optimizer = own + evals * surface.eval_s
    parts = [Part(f"runs[{index}]", optimizer,
                  f"{name} on {surface.what}" + (f", {evals:g} evaluations a step"
                                                 if evals != 1 else ""))]
    total = optimizer
    if run.get("schedule") is not None:
        seconds, what = schedule_step(run["schedule"])
        parts.append(Part(f"runs[{index}].schedule", seconds, what))
        total += seconds
    return total, parts


def trajectory_cost(config: Mapping[str, Any]) -> Estimate:
    """The estimate of a validated configuration's trajectories (every run, every step)."""
    steps = int(config["steps"])
    surface = surface_cost(config["surface"], config.get("batch_size"))
    parts: list[Part] = []
    per_run: list[float] = []
    for i, run in enumerate(config["runs"]):
        seconds, found = run_step(run, surface, steps, i)
        per_run.append(seconds)
        parts += found
    return Estimate(sum(per_run) * steps, steps, tuple(parts), tuple(per_run))


def _map_evals(evals: float) -> float:
    """A vectorised map cell-step's cost relative to one with a single evaluation."""
    return 1.0 + MAP_EXTRA_EVAL * (evals - 1.0)


def map_cost(config: Mapping[str, Any], run_index: int, cells: int,
             block_cells: int) -> Estimate:
    """The estimate of a map of ``cells`` cells of run ``run_index``, stepped ``block_cells``
    at a time: vectorised cell-steps, per-block work (the schedule among it), or, for L-BFGS,
    each cell stepped on its own."""
    steps = int(config["steps"])
    run = config["runs"][run_index]
    surface = surface_cost(config["surface"], config.get("batch_size"))
    field = f"runs[{run_index}]"
    blocks = -(-cells // max(block_cells, 1))
    own, evals, _, name = optimizer_step(run, steps)
    parts: list[Part] = []
    if by_row(run):  # L-BFGS steps cell by cell
        per_cell = own + ARRAY_STEP_US * US + evals * surface.eval_s
        parts.append(Part(field, per_cell * cells, f"{name} on {surface.what}, each cell "
                                                    "stepped on its own"))
    else:  # vectorised (SAM's second gradient too, over every cell at once)
        _, cell, block = _matrix_parts(run)
        parts.append(Part(field, (MAP_CELL_US * surface.relative * _map_evals(evals) * cells
                                  + MAP_BLOCK_STEP_US * blocks) * US + cell * cells
                          + block * blocks, f"{name} on {surface.what}"))
    if run.get("schedule") is not None:
        seconds, what = schedule_step(run["schedule"])
        parts.append(Part(f"{field}.schedule", seconds * blocks, what))
    per_step = sum(p.per_step for p in parts)
    return Estimate(per_step * steps, steps, tuple(parts), (per_step,), "step of all its cells")


def map_block(config: Mapping[str, Any], run_index: int, target: float, configured: int,
              progress_records: int = 8) -> int:
    """Cells a map steps together so one streamed chunk (a block's cells over a
    ``1/progress_records`` share of the steps) costs about ``target`` seconds: the configured
    block for cheap surfaces, fewer cells for costly ones (the engine rounds to whole rows)."""
    steps = int(config["steps"])
    run = config["runs"][run_index]
    surface = surface_cost(config["surface"], config.get("batch_size"))
    own, evals, _, _ = optimizer_step(run, steps)
    per_cell = own + ARRAY_STEP_US * US + evals * surface.eval_s if by_row(run) \
        else MAP_CELL_US * US * surface.relative * _map_evals(evals) + _matrix_parts(run)[1]
    chunk_steps = -(-steps // progress_records)
    return max(1, min(configured, int(target / (per_cell * chunk_steps))))


def grid_cost(surface: Mapping[str, Any], points: int) -> float:
    """Seconds to evaluate a validated surface on ``points`` grid points."""
    return GRID_POINT_US * US * points * surface_cost(surface, None).relative


def block_steps(per_step: float, target: float, block: int, first: int) -> tuple[int, int]:
    """(first block, later blocks) in steps so a block of a run costing ``per_step`` seconds a
    step takes about ``target`` seconds, never more steps than the configured sizes."""
    if per_step <= 0:
        return first, block
    fit = max(1, int(target / per_step))
    return min(first, fit), min(block, fit)
