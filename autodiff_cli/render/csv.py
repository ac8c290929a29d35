"""`--format csv`: a header row, then one row per point (a plain evaluation is one point).

Numbers round-trip (the shortest repr, as in JSON); non-finite ones are
`nan`, `inf`, `-inf`, which spreadsheets and `float()` both read.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from collections.abc import Iterable
from itertools import chain, repeat
from typing import TYPE_CHECKING, TextIO

from .columns import BLOCK, ByteSink, joined_rows, spelled
from .sweep import columns, header, reason

if TYPE_CHECKING:
    from ..analyses.points import Sweep
    from ..report import Report
    from .output import OutputContext


def write(report: Report, out: OutputContext) -> None:
    """The format registry's entry: the report's points (build_report always makes them for csv)."""
    assert report.sweep is not None
    write_csv(report.sweep, out.stdout)


def write_csv(sweep: Sweep, out: TextIO) -> None:
    """Header, then one line per point, written from whole columns in blocks (a million rows is ordinary)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(sweep))
    # Each cell is repr's spelling (the shortest round-trip; nan, inf, -inf), a block of rows at a time.
    every = columns(sweep)
    errors = sweep.errors
    failed = sorted(errors)
    sink = ByteSink(out)
    between = [b"", *[b","] * (len(every) - 1), b",\n"]
    for start in range(0, sweep.size, BLOCK):
        stop = min(start + BLOCK, sweep.size)
        mine = failed[bisect_left(failed, start) : bisect_left(failed, stop)]
        ends = {index: "," + _quoted(reason(errors[index])) + "\n" for index in mine}
        block = [column[start:stop] for column in every]
        text = joined_rows(block, between, repr, {index - start: sink.encode(end) for index, end in ends.items()})
        if text is not None:
            sink.write(*text)
            continue
        cells = [spelled(column) for column in block]
        rows = [",\n"] * (stop - start)
        for index, end in ends.items():
            rows[index - start] = end
        sink.write(sink.encode(_interleave(cells, rows)))


def _interleave(cells: list[list[str]], ends: list[str]) -> str:
    """Rows of `cells` joined by commas, each closed by its `ends` item: one C-level join, no Python loop a row."""
    parts: list[Iterable[str]] = []
    for column in cells[:-1]:
        parts += [column, repeat(",", len(ends))]
    parts += [cells[-1], ends]
    return "".join(chain.from_iterable(zip(*parts)))


def _quoted(cell: str) -> str:
    """A cell as the csv module writes it: quoted when it holds a comma, a quote or a newline."""
    if any(mark in cell for mark in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
