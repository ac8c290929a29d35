"""How a result shows itself in Jupyter (the page) and IPython or Rich (the table), imported only there."""

from __future__ import annotations

from typing import Any

from .evaluate import Result


def result_html(result: Result, precision: int = 6) -> str:
    """The notebook display: the step-through page with its table open (unique ids per call)."""
    from .render.html import page_fragment

    return page_fragment(result, precision, open_table=True)


def result_rich(result: Result, precision: int = 6) -> Any:
    """The table and the orders as a Rich renderable, as the command line prints them on a terminal."""
    from .render.table import ROW_LIMIT, render_table

    return render_table(result, precision, ROW_LIMIT)


def result_text(result: Result, precision: int = 6, color: bool | None = None, width: int = 100) -> str:
    """The Rich table rendered to text, for IPython's pretty printer (coloured on a terminal, as Rich decides)."""
    import io
    import os
    import sys

    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        force_jupyter=False,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    console.print(result_rich(result, precision))
    return buffer.getvalue().rstrip("\n")


class Shown:
    """A result with the precision it is shown at (what `%autodiff --precision N` displays)."""

    def __init__(self, result: Result, precision: int = 6) -> None:
        self.result = result
        self.precision = precision

    def _repr_html_(self) -> str:
        return result_html(self.result, self.precision)

    def __rich__(self) -> Any:
        return result_rich(self.result, self.precision)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(result_text(self.result, self.precision))
