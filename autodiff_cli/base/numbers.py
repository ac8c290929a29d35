"""How numbers are written: shortest round-trip in JSON, rounded in tables."""

from __future__ import annotations

import math


def json_number(x: float | None) -> str:
    """A float as JSON: repr (round-trips), non-finite as the strings "nan", "inf", "-inf"."""
    if x is None:
        return "null"
    if x - x == 0.0:  # finite (inf - inf and nan - nan are nan); cheaper than a call
        return repr(float(x))
    return '"nan"' if math.isnan(x) else ('"inf"' if x > 0 else '"-inf"')


def rounded(x: float | None, precision: int) -> str:
    """A float to `precision` significant digits, as a person reads it."""
    if x is None:
        return "—"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return f"{x:.{precision}g}"
