"""Text in the page's other languages, carried by the specs beside their English.

Every spec the catalog describes (optimizer, schedule, surface, parameter, state quantity,
preset) holds its English in its own fields and its Chinese in ``zh``, a mapping from the English
field's name to its translation (``{"label": ..., "description": ...}``, ``{"help": ...}``). The
catalog serves it as ``"i18n": {"zh": {...}}``, which the page prefers over the English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("en", "zh")

Translations = Mapping[str, str]


def i18n(zh: Translations) -> dict[str, Any]:
    """The catalog's ``i18n`` member for the translations ``zh`` (empty when there are none)."""
    return {"i18n": {"zh": dict(zh)}} if zh else {}
