"""The one error type the engine raises for bad configurations."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is invalid; `field` names it (e.g. ``runs[0].params.lr``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
