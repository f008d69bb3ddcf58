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
