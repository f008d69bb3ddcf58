"""Freed memory goes back to the system when a worker falls idle.

A burst of streams (a class opening a link, a load test) leaves glibc's malloc arenas holding
hundreds of MB that Python has freed: the worker's RSS stays at its peak. One ``malloc_trim(0)``
a second after the last stream ends returns it (the next burst allocates afresh); where there
is no glibc (musl, macOS) nothing happens.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable

QUIET_S = 1.0  # how long a worker must stay without streams before it trims


def _load_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_TRIM = _load_trim()


class IdleTrimmer:
    """Arms one timer when a worker's last stream ends; trims if it is still idle then."""

    def __init__(self, active: Callable[[], int]) -> None:
        self._active = active
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.trims = 0  # how many times memory was handed back (for the tests)

    def stream_ended(self) -> None:
        """Called when a stream ends: start the quiet timer if none is pending."""
        if _TRIM is None or self._active():
            return
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Timer(QUIET_S, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        if self._active() == 0 and _TRIM is not None:
            _TRIM(0)
            self.trims += 1
