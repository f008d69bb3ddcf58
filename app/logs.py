"""A rate limit on the server's warnings and errors: each kind of event once per interval.

A flood of the same event (thousands of stalled connections, a file-descriptor shortage that makes
every accept and every request fail) must not write a traceback per event: the log would grow by
megabytes a second and hide everything else. The filter lets the first record of a kind through,
drops the others for ``interval`` seconds and then says how many it dropped. Resource shortages
(``Too many open files``) are logged on one line, without their traceback.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from typing import Any

LIMITED_LOGGERS = ("asyncio", "uvicorn.error", "app", "app.api", "app.server")
"""Loggers whose records are rate-limited (a filter on a logger sees only its own records)."""
_SHORTAGES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def _exception_of(record: logging.LogRecord) -> BaseException | None:
    """The exception a record carries (exc_info, or asyncio's context ``exception``)."""
    if record.exc_info and record.exc_info[1] is not None:
        return record.exc_info[1]
    return None


class RateLimitFilter(logging.Filter):
    """Pass each kind of record (logger, level, message template, exception type) at most once
    per ``interval`` seconds; the next one that passes notes how many were dropped."""

    def __init__(self, interval: float = 10.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[tuple[Any, ...], float] = {}
        self._dropped: dict[tuple[Any, ...], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True to log ``record`` now; False while its kind was logged less than an interval
        ago."""
        if record.levelno < logging.WARNING:
            return True
        exc = _exception_of(record)
        first_line = str(record.msg).split("\n", 1)[0]  # asyncio puts per-event details below
        key = (record.name, record.levelno, first_line, type(exc).__name__)
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._dropped[key] = self._dropped.get(key, 0) + 1
                return False
            self._last[key] = now
            dropped = self._dropped.pop(key, 0)
            if len(self._last) > 1024:  # many kinds: forget the oldest half
                for old in sorted(self._last, key=self._last.__getitem__)[:512]:
                    self._last.pop(old, None)
        if isinstance(exc, OSError) and exc.errno in _SHORTAGES:
            record.msg = f"{record.getMessage()}: {exc} (traceback omitted)"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        if dropped:
            record.msg = f"{record.getMessage()} [{dropped} more like this in the last " \
                         f"{self.interval:g} s not logged]"
            record.args = None
        return True


_INSTALLED: dict[str, RateLimitFilter] = {}


def install_rate_limit(interval: float) -> None:
    """Put one RateLimitFilter on each of LIMITED_LOGGERS (again: only its interval changes)."""
    for name in LIMITED_LOGGERS:
        logger = logging.getLogger(name)
        existing = _INSTALLED.get(name)
        if existing is not None and existing in logger.filters:
            existing.interval = interval
            continue
        limiter = RateLimitFilter(interval)
        logger.addFilter(limiter)
        _INSTALLED[name] = limiter
