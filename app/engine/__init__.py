"""Pure-NumPy engine: optimizers, schedules, surfaces and the runner. No web imports here."""
