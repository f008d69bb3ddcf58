"""Significant-digit rounding of the series a client only reads, to make answers smaller.

A float64 written in its shortest round-trip form takes up to 17 digits, and those digits are what
is left after compression: rounded to 9 significant digits, a 4-run, 500-step answer of the page
travels in about half the bytes. The page shows these series (loss, lr, gradient, state) with 4
significant digits, so 9 leave it five guard digits; the paths themselves are never rounded (a
contour zoomed into a valley floor draws differences far below 1e-9).
"""

from __future__ import annotations

import numpy as np

DIGITS_MIN = 6
DIGITS_MAX = 17
PAGE_DIGITS = 9  # what the page asks for (the catalog's limits say so to it)
_EXACT_POWER = 22  # 10**k is exact in float64 for 0 <= k <= 22


def significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits, each to the float64 nearest to a decimal
    of at most ``digits`` digits (so it is written with at most that many). Zero, non-finite
    values and those whose scaling by a power of ten would not be exact (below about 1e-14 or
    above about 1e31 at 9 digits) are returned as they are: exact, never wrong."""
    a = np.asarray(values, dtype=float)
    if digits >= DIGITS_MAX or a.size == 0:
        return a
    out = a.copy()
    mag = np.abs(a)
    ok = np.isfinite(a) & (mag > 0)
    safe = np.where(ok, mag, 1.0)
    exponent = np.floor(np.log10(safe))
    with np.errstate(over="ignore"):  # log10 may be one off next to a power of ten
        exponent -= 10.0 ** exponent > safe
        exponent += 10.0 ** (exponent + 1) <= safe
    shift = (digits - 1 - exponent).astype(np.int64)
    up = ok & (shift >= 0) & (shift <= _EXACT_POWER)
    down = ok & (shift < 0) & (shift >= -_EXACT_POWER)
    if up.any():
        scale = 10.0 ** shift[up]  # exact powers: the division rounds once, to the nearest
        out[up] = np.rint(a[up] * scale) / scale
    if down.any():
        scale = 10.0 ** -shift[down]
        out[down] = np.rint(a[down] / scale) * scale
    return out
