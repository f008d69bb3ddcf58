"""Optimizer-trajectory visualizer: a NumPy engine, a FastAPI server and a Plotly page."""

__version__ = "0.1.0"
