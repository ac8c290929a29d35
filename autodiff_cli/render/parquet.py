"""`--format parquet`: the points as one Parquet table, for sweeps too big to read back as text.

The columns are those of the CSV (the swept inputs, `value`, `d/dINPUT` for
every input, `error`), the numbers as float64 (no text in between, so nothing
to round), `error` a string column, null where the point is fine. Parquet is
binary: it goes to stdout when stdout is not a terminal (`> sweep.parquet`),
and on a terminal the command refuses (exit 2). pyarrow writes it, from the
`parquet` extra; it is imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.errors import UsageError
from .sweep import columns, header, reason

if TYPE_CHECKING:
    from ..analyses.points import Sweep
    from ..report import Report
    from .output import OutputContext

EXTRA = "pip install 'autodiff-cli[parquet]'"


def check_output(out: OutputContext) -> None:
    """Refuse before any work (UsageError, exit 2): stdout a terminal or text-only, or pyarrow missing."""
    from importlib.util import find_spec

    if not out.plain:
        raise UsageError("--format parquet writes binary data: redirect stdout to a file (> points.parquet)")
    if getattr(out.stdout, "buffer", None) is None:
        raise UsageError("--format parquet writes binary data, and this output takes text only")
    if find_spec("pyarrow") is None:
        raise UsageError(f"--format parquet needs pyarrow, which is not installed: {EXTRA}")


def write(report: Report, out: OutputContext) -> None:
    """The format registry's entry: the report's points (build_report always makes them for parquet).

    The runner has called check_output before any work.
    """
    assert report.sweep is not None
    binary = out.stdout.buffer
    data = parquet_bytes(report.sweep)
    out.stdout.flush()
    binary.write(data)
    binary.flush()


def parquet_bytes(sweep: Sweep) -> memoryview:
    """The sweep as the bytes of one Parquet file."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError(f"--format parquet needs pyarrow, which is not installed: {EXTRA}") from None
    names = header(sweep)
    arrays = [pa.array(column, type=pa.float64()) for column in columns(sweep)]
    errors: list[str | None] = [None] * sweep.size
    for index, error in sweep.errors.items():
        errors[index] = reason(error)
    arrays.append(pa.array(errors, type=pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), sink)
    return memoryview(sink.getvalue())
