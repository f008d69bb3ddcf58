"""One URL per answer: a GET whose query is not the canonical spelling of its configuration is
redirected (308) to the canonical query.

The deterministic GET answers (trajectory and map streams) are cached by ETag and
``Cache-Control: public``, and a reverse proxy caches by URL: the same configuration with the
page's ``p.*`` keys, its keys in another order or its numbers spelled differently would be
computed and stored again for every spelling. After the redirect each configuration has exactly
one cached URL. The page itself always requests canonical queries, so it never sees a redirect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import Request, Response

from app.api.deps import read_query, settings_of
from app.engine.errors import ConfigError

log = logging.getLogger("app.api")


def canonical_redirect(request: Request, canonical: str,
                       reencode: Callable[[str], str]) -> Response | None:
    """A 308 to ``canonical`` when the request's raw query differs from it, else None.

    ``reencode`` spells the configuration that ``canonical`` itself decodes to: the redirect is
    only sent when that is ``canonical`` again (a fixed point), so no client can be sent round
    in circles; otherwise the answer is served at the asked URL (and the mismatch is logged).
    """
    query = read_query(request, settings_of(request))
    if query == canonical:
        return None
    try:
        again = reencode(canonical)
    except ConfigError:
        again = None
    if again != canonical:
        log.warning("canonical query is not a fixed point; serving without redirect: %s",
                    canonical[:200])
        return None
    max_age = settings_of(request).cache_max_age
    location = f"{request.url.path}?{canonical}" if canonical else request.url.path
    return Response(status_code=308, headers={
        "Location": location, "Cache-Control": f"public, max-age={max_age}"})
