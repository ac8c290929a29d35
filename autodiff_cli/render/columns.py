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
(docs/sweeps.md, tests/render/test_sweep_output.py).

Whole rows are faster still (`joined_rows`): orjson spells a block of rows
as one array, `[a,b,c,d,...]`, and the text between a row's numbers (a comma
for CSV, `, "grad": {"x": ` for JSON Lines) replaces the commas there, one
pass over the bytes for each kind of gap, in C. The few numbers orjson
spells differently, and a failed point's end of row, are spelled in Python
and put in their places, which the commas' positions give.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

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


#: Most columns a row may have for `joined_rows` (one pass over a block's bytes for each gap between them).
MOST_COLUMNS = 30


def joined_rows(
    block: Sequence[Any], between: Sequence[bytes], spell: Callable[[float], str], ends: Mapping[int, bytes]
) -> list[Any] | None:
    """Rows of the equal-length float64 arrays `block` as pieces of bytes, or None where this way does not apply.

    Row i is `between[0] + cell + between[1] + cell + ... + cell + between[-1]`
    (so len(between) == len(block) + 1), or `... + cell + ends[i]` for a row
    in `ends` (a failed point's).  A cell is repr's spelling of its number,
    or `spell`'s where orjson's is not repr's (|x| < 1e-4 but not 0, nan,
    inf).  None without a fast encoder, with too many columns, or when most
    numbers need `spell`: the caller then spells column by column (`spelled`).
    """
    width = len(block)
    if _fast_encoder() is None or not 0 < width <= MOST_COLUMNS or len(between) != width + 1:
        return None
    import numpy as np
    import orjson

    rows = len(block[0])
    if rows == 0:
        return []
    matrix = np.empty((rows, width))
    for place, column in enumerate(block):
        matrix[:, place] = column
    flat = matrix.ravel()
    magnitude = np.abs(flat)
    # orjson writes nan and inf as null, and |x| < 1e-4 without repr's exponent.
    odd = np.flatnonzero(~(((magnitude >= 1e-4) & (magnitude < np.inf)) | (flat == 0.0)))
    if 2 * len(odd) > len(flat):
        return None
    body = bytearray(orjson.dumps(flat, option=orjson.OPT_SERIALIZE_NUMPY))  # [a,b,c,...]
    text = np.frombuffer(body, dtype=np.uint8)
    commas = np.flatnonzero(text == ord(","))  # after each number but the last
    # The places to put other text: (first byte, byte after, the text); a cell starts after the comma
    # (or bracket) before it and ends at the one after it, and a failed row's end takes that comma.
    # Cell j is body[starts[j]:stops[j]].
    stops = np.append(commas, len(body) - 1)
    starts = np.append(1, commas + 1)
    edits = [
        (first, after, spell(x).encode("ascii"))
        for first, after, x in zip(starts[odd].tolist(), stops[odd].tolist(), flat[odd].tolist())
    ]
    head, end = between[0], between[-1]
    for row in sorted(ends):
        place = int(stops[row * width + width - 1])
        edits.append((place, place + 1, ends[row] + head))
    edits.sort()
    # One byte marks each kind of gap (before column k, a row's end): a byte in no number
    # and in none of the texts that take their places.
    used = set(b"".join(between)).union(b"0123456789.-+e,[]nul", *(edit[2] for edit in edits))
    mark = [byte for byte in range(256) if byte not in used][:width]
    if len(mark) < width:
        return None
    gaps = [place for place in range(1, width) if between[place] != b","]
    if gaps:  # mark[k]: the gap before column k (k >= 1), mark[0] a row's end
        pattern = np.array([mark[place % width] for place in range(1, width + 1)], dtype=np.uint8)
        text[commas] = np.tile(pattern, rows)[:-1]
    else:
        text[commas[width - 1 :: width]] = mark[0]
    text[-1] = mark[0]
    del text  # the bytearray cannot change size while a view of it lives
    if edits:
        view = memoryview(body)
        pieces: list[Any] = []
        done = 0
        for first, after, replacement in edits:
            pieces += [view[done:first], replacement]
            done = after
        pieces.append(view[done:])
        body = bytearray().join(pieces)
        del view, pieces
    del body[0]  # the opening bracket (a bytearray drops its first bytes without moving the rest)
    for place in gaps:  # the short gaps first, so that fewer bytes pass through each replace
        body = body.replace(bytes((mark[place],)), between[place])
    body = body.replace(bytes((mark[0],)), end + head)
    if head:
        del body[-len(head) :]  # the last row is followed by no row
    return [head, body]


class ByteSink:
    """A text stream written as bytes where it can be (its buffer: no decoding and encoding of big blocks).

    Bytes go to the stream's binary buffer when it has one, its encoding is
    ASCII where numbers are (not UTF-16) and lines end in a newline as
    written; text, in its encoding and error handler (the ASCII spellings
    output.spell_unencodable sets). A stream without a buffer (a StringIO)
    gets the bytes decoded.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.binary: Any = None
        self.encoding, self.errors = "utf-8", "strict"
        buffer = getattr(out, "buffer", None)
        encoding = getattr(out, "encoding", None)
        if buffer is not None and isinstance(encoding, str) and os.linesep == "\n":
            errors = getattr(out, "errors", None) or "strict"
            try:
                ascii_compatible = "-0.5e+1,\n".encode(encoding, errors) == b"-0.5e+1,\n"
                codecs.lookup_error(errors)
            except LookupError:
                ascii_compatible = False
            if ascii_compatible:
                self.binary, self.encoding, self.errors = buffer, encoding, errors

    def encode(self, text: str) -> bytes:
        """Text as this stream writes it."""
        return text.encode(self.encoding, self.errors)

    def write(self, *pieces: Any) -> None:
        """Bytes made by `encode` (and ASCII numbers), after whatever text the stream still holds."""
        if self.binary is None:
            self.out.write("".join(bytes(piece).decode(self.encoding, self.errors) for piece in pieces))
            return
        self.out.flush()
        for piece in pieces:
            self.binary.write(piece)
