"""A sweep as text: the table (one row per point) and JSON Lines (one object per point).

The columns: the swept inputs (the point), the output's value, its derivative
with respect to every input, and why the point failed (empty when it did not).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

try:  # the C function behind json.dumps(str), without the json package
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from ..base.numbers import json_number, rounded

if TYPE_CHECKING:
    from ..analyses.points import PointError, Sweep
    from ..report import Report
    from .output import OutputContext

#: Rows of the table shown before its middle is elided (`--all` shows every row).
ROW_LIMIT = 200


def columns(sweep: Sweep) -> list[Any]:
    """The sweep's columns in the order of `header`: the swept inputs, the value, every gradient."""
    return [*(sweep.inputs[axis.key] for axis in sweep.axes), sweep.value, *(sweep.grads[key] for key in sweep.keys)]


def header(sweep: Sweep) -> list[str]:
    """Column names: the swept inputs, value, d/d(every input), error."""
    return [*(axis.key for axis in sweep.axes), "value", *(f"d/d{key}" for key in sweep.keys), "error"]


def reason(error: PointError | None) -> str:
    """Why a point failed, as one cell: `LINE:COLUMN: message`."""
    return "" if error is None else f"{error.line}:{error.column}: {error.message}"


def rows(sweep: Sweep, number: object, indices: range | list[int] | None = None) -> Iterator[list[str]]:
    """Each point's cells (or those of `indices`), numbers written by `number` (a function of one float)."""
    every = columns(sweep)
    errors = sweep.errors
    for index in range(sweep.size) if indices is None else indices:
        yield [*(number(float(column[index])) for column in every), reason(errors.get(index))]  # type: ignore[operator]


def write_sweep(report: Report, out: OutputContext) -> None:
    """The table format for a sweep: its rows, or with a bare --plot the terminal plot instead."""
    sweep = report.sweep
    assert sweep is not None
    if report.options.plot == "-":
        import shutil

        from .output import spells
        from .plot import terminal_plot

        size = shutil.get_terminal_size()  # COLUMNS and LINES on a pipe, else 80 x 24
        height = max(12, min(30, size.lines - 4))
        out.write(terminal_plot(sweep, out.width or size.columns, height, out.color, ascii_only=spells(out.stdout)))
        return
    write_table(sweep, out.stdout, report.options.precision, None if report.options.show_all else ROW_LIMIT)


def write_table(sweep: Sweep, out: TextIO, precision: int = 6, limit: int | None = ROW_LIMIT) -> None:
    """The sweep as plain columns, two spaces apart, numbers to `precision` digits (no error column if none failed)."""
    names = header(sweep)
    size = sweep.size
    # Only the rows shown are formatted: a million-point sweep shows 200.
    elide = limit is not None and size > limit
    head = limit // 2 if elide and limit is not None else size
    tail = list(range(size - (limit - head), size)) if elide and limit is not None else []
    body = list(rows(sweep, lambda x: rounded(x, precision), [*range(head), *tail]))
    if not sweep.errors:
        names.pop()
        for row in body:
            row.pop()
    table = [names, *body]
    numeric = len(names) - (1 if sweep.errors else 0)
    widths = [max(len(row[i]) for row in table) for i in range(numeric)]
    out.write(f"{sweep.output} at {sweep.size} point{'s' if sweep.size != 1 else ''}\n")
    for index, row in enumerate(table):
        if elide and index == head + 1:
            out.write(f"{'…'.rjust(widths[0])}  {size - len(body)} more rows (--all)\n")
        cells = [cell.rjust(width) for cell, width in zip(row[:numeric], widths)]
        out.write("  ".join([*cells, *row[numeric:]]).rstrip() + "\n")


def write_json_lines(sweep: Sweep, out: TextIO, source: str | None = None) -> None:
    """One JSON object a point, one a line (see docs/sweeps.md for the keys), written from whole columns in blocks."""
    from bisect import bisect_left
    from itertools import chain, repeat

    from .columns import BLOCK, ByteSink, joined_rows, spelled

    head = (f'{{"source": {quote(source)}, ' if source is not None else "{") + f'"output": {quote(sweep.output)}, '
    axes = [quote(axis.key) for axis in sweep.axes]
    keys = [quote(key) for key in sweep.keys]
    # The text before each number column, then the text before the error: a row is text, number, ..., error.
    texts = [f", {key}: " for key in axes]
    texts[:1] = [f'{head}"point": {{{axes[0]}: '] if axes else []
    texts.append('}, "value": ' if axes else f'{head}"point": {{}}, "value": ')
    texts += [f", {key}: " for key in keys]
    texts[len(axes) + 1 : len(axes) + 2] = [f', "grad": {{{keys[0]}: '] if keys else []
    texts.append('}, "error": ' if keys else ', "grad": {}, "error": ')
    errors = sweep.errors
    failed = sorted(errors)
    every = columns(sweep)
    sink = ByteSink(out)
    between = [text.encode("ascii") for text in texts]
    between[-1] += b"null}\n"

    def failure(index: int) -> str:
        error = errors.get(index)
        if error is None:
            return "null}\n"
        return f'{{"message": {quote(error.message)}, "line": {error.line}, "column": {error.column}}}}}\n'

    for start in range(0, sweep.size, BLOCK):
        stop = min(start + BLOCK, sweep.size)
        count = stop - start
        mine = failed[bisect_left(failed, start) : bisect_left(failed, stop)]
        block = [column[start:stop] for column in every]
        ends = {index - start: (texts[-1] + failure(index)).encode("ascii") for index in mine}
        text = joined_rows(block, between, json_number, ends)
        if text is not None:
            sink.write(*text)
            continue
        cells = [spelled(column, _json_nonfinite) for column in block]
        failures = ["null}\n"] * count
        for index in mine:
            failures[index - start] = failure(index)
        parts: list[object] = []
        for text_before, column in zip(texts, cells):
            parts += [repeat(text_before, count), column]
        parts += [repeat(texts[-1], count), failures]
        sink.write("".join(chain.from_iterable(zip(*parts))).encode("ascii"))  # type: ignore[call-overload]


def _json_nonfinite(x: float) -> str:
    """nan, inf and -inf as JSON strings (JSON has no such numbers), as json_number spells them."""
    return json_number(x)
