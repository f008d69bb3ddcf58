"""A configuration given as a dict, a page query string or a whole shared URL, read once.

Notebooks and the Python snippet accept what a teacher has at hand: the configuration dict of the
Python API, or the link a student copied from the page (``http://host/?surface=...&r0=adam``).
The config part of a link goes through the page's own codec (:mod:`app.address.codec`); its
page-only ``p.*`` keys (log axis, selected run, colours, hidden runs, hidden state quantities)
are read as the page reads them (:mod:`app.address.page`), so a figure can show what the page
showed, and so are its maps' ``hmap.*`` / ``basin.*`` keys (:func:`read_map`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from app.address.codec import QueryError, as_query_error, decode
from app.address.maps import PREFIXES, as_map_query_error, decode_map
from app.address.page import PageOptions, page_options
from app.engine.config import validate_config
from app.engine.errors import ConfigError
from app.engine.maps import validate_basin_map, validate_hyper_map


def query_of(text: str) -> str:
    """The raw query string of a URL (``http://h/?a=1#x`` -> ``a=1``), a ``?query`` or a query.

    Escapes are kept as written: the codec needs to see which commas were escaped.
    """
    text = text.strip()
    if "://" in text or text.startswith("/"):
        return urlsplit(text).query
    return text.split("#", 1)[0].removeprefix("?")


def read_config(config_or_url: Mapping[str, Any] | str) -> tuple[dict[str, Any], PageOptions]:
    """The validated configuration (defaults filled) and the page options of the input.

    A dict is validated as the Python API's ``run`` does (ConfigError fields like
    ``runs[0].params.lr``); a query or URL is decoded by the page's codec and its errors name the
    query parameter (``r0.lr``, with ``config_field`` giving ``runs[0].params.lr``).
    """
    if isinstance(config_or_url, str):
        query = query_of(config_or_url)
        try:
            return validate_config(decode(query)), page_options(query)
        except ConfigError as error:
            raise as_query_error(error) from None
    return validate_config(config_or_url), PageOptions()


def map_kinds(config_or_url: Mapping[str, Any] | str) -> list[str]:
    """The kinds of map (``"hyper"``, ``"basin"``) whose keys a link carries; none for a dict."""
    if not isinstance(config_or_url, str):
        return []
    query = query_of(config_or_url)
    return [kind for kind, prefix in PREFIXES.items()
            if any(unquote(part.partition("=")[0]).startswith(prefix)
                   for part in query.split("&"))]


def read_map(config_or_url: str, kind: str, config: Mapping[str, Any]
             ) -> dict[str, Any] | None:
    """The validated map of ``kind`` (``"hyper"`` or ``"basin"``) that a link's ``hmap.*`` or
    ``basin.*`` keys spell for its validated ``config``, defaults filled; None when it has none.

    Errors are ConfigErrors named after the query key the page wrote (``hmap.x``, with
    ``config_field`` giving the spec's field ``map.x.min``), as ``GET /api/map/<kind>`` names them.
    """
    try:
        raw = decode_map(query_of(config_or_url), kind)
        if raw is None:
            return None
        validate = validate_hyper_map if kind == "hyper" else validate_basin_map
        return validate(raw, config)
    except QueryError:
        raise
    except ConfigError as error:
        raise as_map_query_error(kind, error) from None
