"""Whole columns of doubles as text, exactly as `repr(float)` spells each one, fast.

CSV and JSON Lines of a big sweep are millions of numbers; `repr` one at a
time costs about 0.2-0.5 µs each, several times the sweep's own arithmetic.
Here a column is spelled in blocks: by orjson (in the `sweep` extra; its C
encoder writes the shortest round-trip digits, as `repr` does) where its
spelling is `repr`'s, by `repr` itself where it is not (|x| < 1e-4, where
orjson writes `0.00001` and `2.5e-7` for `repr`'s `1e-05` and `2.5e-07`) and
for non-finite numbers, which each format spells its own way. Without
orjson, or with one that spells a probe of numbers differently from `repr`,
every number goes through `repr`: the bytes are the same either way
(docs/sweeps.md, tests/test_sweep_output.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Rows formatted at a time: big enough for the C loops to dominate, small enough to bound memory.
BLOCK = 1 << 16

#: Numbers whose spelling the fast encoder must share with repr before it is used at all.
_PROBE = [
    0.0, -0.0, 1.0, -2.5, 0.1, 1 / 3, 0.0001, 0.00012345678901234567, 123.456, 1e15, 9999999999999998.0,
    1e16, 1.2345678901234568e17, 1e22, 1.7976931348623157e308, -6.103515625e-05 * -2, 2.0**60 + 2.0**8,
]

_encoder: Callable[[Any], list[str]] | None | bool = False  # False: not looked for yet


def _fast_encoder() -> Callable[[Any], list[str]] | None:
    """orjson's spelling of a float64 array as a list of strings, if it is installed and spells as repr does."""
    global _encoder
    if _encoder is False:
        _encoder = None
        try:
            import numpy as np
            import orjson
        except ImportError:
            return None
        option = orjson.OPT_SERIALIZE_NUMPY

        def encode(array: Any) -> list[str]:
            return orjson.dumps(array, option=option)[1:-1].decode("ascii").split(",")  # type: ignore[no-any-return]

        try:
            agrees = encode(np.array(_PROBE, dtype=np.float64)) == list(map(repr, _PROBE))
        except Exception:  # noqa: BLE001 - any surprise from an odd build means: do not use it
            agrees = False
        if agrees:
            _encoder = encode
    return _encoder  # type: ignore[return-value]


_list_encoder: Callable[[list[float | None]], str] | None | bool = False  # False: not looked for yet


def float_list_encoder() -> Callable[[list[float | None]], str] | None:
    """orjson's spelling of a list of floats (None as null), comma-separated, if it spells the probe as repr does.

    For the JSON document's node array, which holds Python floats, not an
    array: no NumPy is imported.  The caller respells |x| < 1e-4 and
    non-finite numbers, which orjson writes otherwise.
    """
    global _list_encoder
    if _list_encoder is False:
        _list_encoder = None
        try:
            import orjson
        except ImportError:
            return None
        dumps = orjson.dumps

        def encode(numbers: list[float | None]) -> str:
            return dumps(numbers)[1:-1].decode("ascii")  # type: ignore[no-any-return]

        try:
            agrees = encode(_PROBE).split(",") == list(map(repr, _PROBE)) and encode([None]) == "null"  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - any surprise from an odd build means: do not use it
            agrees = False
        if agrees:
            _list_encoder = encode
    return _list_encoder  # type: ignore[return-value]


def spelled(column: Any, nonfinite: Callable[[float], str] | None = None) -> list[str]:
    """Each number of `column` (a slice of an ndarray, or a list) as repr writes it.

    Non-finite numbers go through `nonfinite` when given (JSON's `"nan"`),
    else through repr (`nan`, `inf`, `-inf`).
    """
    spell: Callable[[float], str] = repr
    if nonfinite is not None:
        finite_repr = repr

        def spell(x: float) -> str:
            return finite_repr(x) if x - x == 0.0 else nonfinite(x)

    tolist = getattr(column, "tolist", None)
    if tolist is None or len(column) == 0:
        return [spell(x) for x in column]
    encode = _fast_encoder() if column.dtype.kind == "f" and column.dtype.itemsize == 8 else None
    if encode is None:
        numbers = tolist()
        if nonfinite is None:
            return list(map(repr, numbers))
        import numpy as np

        texts = list(map(repr, numbers))
        for index in np.flatnonzero(~np.isfinite(column)).tolist():
            texts[index] = nonfinite(numbers[index])
        return texts
    import numpy as np

    array = np.ascontiguousarray(column)
    texts = encode(array)
    magnitude = np.abs(array)
    # Where orjson's spelling is not repr's: below 1e-4 (but not zero), and nan and inf (orjson's null).
    others = np.flatnonzero(((magnitude < 1e-4) & (array != 0.0)) | ~np.isfinite(array))
    if len(others):
        numbers = array[others].tolist()
        for index, x in zip(others.tolist(), numbers):
            texts[index] = spell(x)
    return texts
