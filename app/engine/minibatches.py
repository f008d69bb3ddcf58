"""The data behind a data surface and the mini-batch each step uses, for the page's data view.

A run on a data surface draws its mini-batches from the seeded generator it also draws gradient
noise from (epochs of permutations, see ``Simulation.next_batch``), so the batches follow from
the configuration alone: every run of a configuration sees the same ones. They are replayed
here with the runner's own ``Simulation`` (the same calls in the same order, no gradients), so
the page highlights exactly the samples a step used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .config import build_objective
from .runner import Simulation

MAX_INDICES = 300_000  # bounds the answer: epochs x samples listed at most


def data_view(config: Mapping[str, Any], max_indices: int = MAX_INDICES) -> dict[str, Any] | None:
    """The samples of a validated config's data surface and its mini-batch plan; None if the
    surface has no data.

    ``epochs[e]`` is the permutation of epoch ``e``; step t (1-based) uses batch
    ``j = (t - 1) % per_epoch`` of epoch ``(t - 1) // per_epoch``: ``epochs[e][j*b:(j+1)*b]``.
    Only as many epochs as fit in ``max_indices`` numbers are listed (``covers_steps`` says up to
    which step); with ``batch_size`` null every step uses every sample.
    """
    objective = build_objective(config["surface"])
    samples = getattr(objective, "samples", None)
    if samples is None:
        return None
    xs, ys = (np.asarray(a, dtype=float) for a in samples)
    n = int(xs.shape[0])
    sim = Simulation(objective, config["runs"][0], np.asarray(config["start"], dtype=float),
                     config["steps"], noise=config["noise"], seed=config["seed"],
                     batch_size=config["batch_size"])
    out: dict[str, Any] = {
        "surface": config["surface"]["name"],
        "kind": "classification" if config["surface"]["name"] == "logistic_regression"
        else "regression",
        "x": xs.tolist(), "y": ys.tolist(), "n_samples": n,
        "batch_size": sim.batch_size, "per_epoch": None, "epochs": [],
        "steps": config["steps"], "covers_steps": config["steps"],
    }
    if sim.batch_size is None:
        return out
    per_epoch = math.ceil(n / sim.batch_size)
    epochs_needed = math.ceil(config["steps"] / per_epoch)
    listed = min(epochs_needed, max(1, max_indices // n))
    epochs = []
    for step in range(min(config["steps"], listed * per_epoch)):
        if step % per_epoch == 0:
            sim.next_batch()  # starts the epoch: draws its permutation
            epochs.append(sim._perm.tolist())
        else:
            sim.next_batch()
        if sim.noise:
            sim.rng.standard_normal(2)  # the step's gradient noise, drawn after its batch
    out.update(per_epoch=per_epoch, epochs=epochs,
               covers_steps=min(config["steps"], listed * per_epoch))
    return out
