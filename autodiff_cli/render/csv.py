"""`--format csv`: a header row, then one row per point (a plain evaluation is one point).

Numbers round-trip (the shortest repr, as in JSON); non-finite ones are
`nan`, `inf`, `-inf`, which spreadsheets and `float()` both read.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

from .sweep import blocks, header, reason

if TYPE_CHECKING:
    from ..analyses.points import Sweep
    from ..report import Report
    from .output import OutputContext


def write(report: Report, out: OutputContext) -> None:
    """The format registry's entry: the report's points (build_report always makes them for csv)."""
    assert report.sweep is not None
    write_csv(report.sweep, out.stdout)


def write_csv(sweep: Sweep, out: TextIO) -> None:
    """Header, then one line per point, written in blocks (a million rows is ordinary)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(sweep))
    # repr is the shortest round-trip form, and writes non-finite floats as nan, inf, -inf.
    errors = sweep.errors
    for first, columns in blocks(sweep):
        lines: list[str] = []
        for index, cells in enumerate(zip(*columns), first):
            error = errors.get(index) if errors else None
            lines.append(",".join(map(repr, cells)) + ("," + _quoted(reason(error)) if error else ",") + "\n")
        out.write("".join(lines))


def _quoted(cell: str) -> str:
    """A cell as the csv module writes it: quoted when it holds a comma, a quote or a newline."""
    if any(mark in cell for mark in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
