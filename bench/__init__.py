"""Benchmarks that print figures against their targets; ``python -m bench`` runs them all."""
