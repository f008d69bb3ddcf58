"""Pure-NumPy engine: optimizers, schedules, surfaces and the runner. No web imports here."""

# NumPy loads numpy.random lazily, on a first draw (a noisy run, a data surface). Loaded with
# the engine instead, so that a server has it before it accepts connections: an import opens
# files, and under a file-descriptor shortage (a connection flood) a lazy one would fail.
import numpy.random  # noqa: F401
