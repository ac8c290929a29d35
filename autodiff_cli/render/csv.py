"""`--format csv`: a header row, then one row per point (a plain evaluation is one point).

Numbers round-trip (the shortest repr, as in JSON); non-finite ones are
`nan`, `inf`, `-inf`, which spreadsheets and `float()` both read.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

from .numbers import json_number
from .sweep import header, rows

if TYPE_CHECKING:
    from ..output import OutputContext
    from ..points import Sweep
    from ..report import Report


def csv_number(x: float) -> str:
    return json_number(x).strip('"')


def write(report: Report, out: OutputContext) -> None:
    """The format registry's entry: the report's points (build_report always makes them for csv)."""
    assert report.sweep is not None
    write_csv(report.sweep, out.stdout)


def write_csv(sweep: Sweep, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(sweep))
    writer.writerows(rows(sweep, csv_number))
