"""bench/families.py stays generic over the registry: every registered optimizer is raced against
its reference or named in a note saying why not. Nothing here is timed."""

from __future__ import annotations

import pytest

from app.engine.optimizers import FAMILIES, OPTIMIZERS


@pytest.mark.torch
def test_every_registered_optimizer_is_raced_or_named() -> None:
    pytest.importorskip("torch")
    from bench.families import batch_rate, races

    found, notes = races(1)
    raced = {r.optimizer for r in found}
    noted = {note.split(":")[0] for note in notes}
    assert raced | noted == set(OPTIMIZERS) and not raced & noted
    assert {"sgd", "adam", "lookahead", "sam", "lbfgs"} <= raced
    assert all(r.family in FAMILIES and r.family == OPTIMIZERS[r.optimizer].family
               for r in found)
    sam = next(r for r in found if r.optimizer == "sam")
    assert sam.config["runs"][0]["inner"]["optimizer"] in ("sgd", "adam")
    assert batch_rate(sam.config, rows=4, steps=3, repeats=1) > 0


@pytest.mark.torch
def test_every_registered_optimizer_gets_a_completing_race_as_the_headline() -> None:
    """The per-family race under the headline's protocol: 1000 steps on Rosenbrock from
    (-1.2, 1.0) that the engine completes, for every registered optimizer (or a note naming
    a missing reference package); hyperparameters from a fixture case or CHOSEN."""
    pytest.importorskip("torch")
    from bench.families import CHOSEN, LONG_STEPS, long_races

    found, notes = long_races(check_reference=False)
    raced = {r.optimizer for r in found}
    assert raced | {note.split(":")[0] for note in notes} == set(OPTIMIZERS)
    assert all("not importable" in note for note in notes)
    for race in found:
        assert race.config["steps"] == LONG_STEPS and race.config["start"] == [-1.2, 1.0]
        assert race.config["surface"]["name"] == "rosenbrock"
        assert race.family == OPTIMIZERS[race.optimizer].family
        assert race.case.startswith("rosenbrock-") or race.optimizer in CHOSEN


@pytest.mark.torch
def test_the_autograd_reference_walks_the_engines_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each race's reference (the harness's constructor, torch autograd's gradient, SAM's and
    L-BFGS's closures) lands where the engine does after a few steps: it is built with the
    same hyperparameters and stepped as the harness steps it."""
    pytest.importorskip("torch")
    import numpy as np

    from app.engine.runner import run
    from bench import families

    monkeypatch.setattr(families, "LONG_STEPS", 3)
    found, _ = families.long_races()
    assert found
    for race in found:
        end = np.array(race.reference())
        ours = run(race.config).runs[0]
        if OPTIMIZERS[race.optimizer].family == "schedule_free":
            continue  # the reference's parameter is y in train() mode, the engine's point x
        assert np.allclose(end, [ours.x[-1], ours.y[-1]], rtol=1e-9, atol=1e-12), race.optimizer
