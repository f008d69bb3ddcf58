"""The one error type the engine raises for bad configurations."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is invalid; `field` names it (e.g. ``runs[0].params.lr``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def prefixed(self, prefix: str) -> ConfigError:
        """The same error with its field placed under ``prefix``."""
        if not prefix:
            return self
        field = f"{prefix}.{self.field}" if self.field else prefix
        if self.field.startswith("["):
            field = f"{prefix}{self.field}"
        return ConfigError(field, self.message)
