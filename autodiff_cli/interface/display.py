"""How a result or report shows itself in Jupyter (the page) and IPython or Rich (the table); imported only there."""

from __future__ import annotations

import io
from typing import Any

from ..report import Report


def report_html(report: Report) -> str:
    """The notebook display: the step-through page with its table open (fresh element ids on every call)."""
    from ..render.html import page_fragment

    return page_fragment(report, open_table=True)


def report_text(report: Report, color: bool | None = None, width: int = 100) -> str:
    """The table and every view, as the command line prints them, for IPython's pretty printer."""
    import os
    import sys

    from ..render.output import OutputContext
    from ..render.table import write

    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    buffer = io.StringIO()
    out = OutputContext(buffer, io.StringIO(), plain=not color)
    if color:
        from rich.console import Console

        out._console = Console(
            file=buffer, width=width, force_terminal=True, force_jupyter=False, highlight=False, markup=False, emoji=False
        )
    write(report, out)
    return buffer.getvalue().rstrip("\n")


def report_rich(report: Report) -> Any:
    """The table and the orders as one Rich renderable (for `rich.print(result)`)."""
    from ..render.table import ROW_LIMIT, render_table

    return render_table(report, report.options.precision, None if report.options.show_all else ROW_LIMIT)


def plain_report(result: Any) -> Report:
    """A result shown on its own: a report with no views."""
    from ..base.options import Options

    return Report(result, Options())
