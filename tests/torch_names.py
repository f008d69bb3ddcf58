"""The optimizers with a torch reference (torch.optim, or tests/torch_reference.py's torch
transcriptions of AdaBound, Lion and Lookahead), in registry order, without importing torch.

Their fixtures are tests/fixtures/optimizers.json (and lookahead.json); the other
optimizers are compared with their own references (tests/test_reference_fixtures.py).
"""

from __future__ import annotations

TORCH_OPTIMIZERS = (
    "sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "radam", "adamax",
    "adabound", "lion", "asgd", "rprop", "lbfgs", "lookahead",
)
# Hyperparameters of those optimizers that torch's classes do not take (pytorch_optimizer's
# cautious masking): a torch comparison leaves them at their default.
NOT_TORCH = ("cautious",)
