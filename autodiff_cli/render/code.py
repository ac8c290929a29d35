"""--emit python|c: the report's derivative as code (emit.py), in place of a format's view."""

from __future__ import annotations

from ..report import Report
from .emit import emit
from .output import OutputContext


def write(report: Report, out: OutputContext) -> None:
    assert report.options.emit is not None
    out.write(emit(report.result, report.options.emit, report.keys))
    out.stdout.flush()
