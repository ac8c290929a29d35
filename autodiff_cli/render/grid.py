"""A titled grid of cells, drawn once for both places it goes.

On a pipe it is plain text, columns two spaces apart, never cut or wrapped
(Rich is not imported); on a terminal it is a Rich table whose numeric
columns never shrink below their widest cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from .heading import Phrases
    from .output import OutputContext


def plain_grid(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """Lines of aligned columns; the last column is not padded, so no line ends in spaces."""
    table = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [cell.rjust(width) if align else cell.ljust(width) for cell, width, align in zip(row, widths, right)]
        lines.append("  ".join(cells).rstrip())
    return lines


def write_grid(
    out: OutputContext,
    title: Phrases,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[bool],
) -> None:
    """The title, then the grid, as plain text on a pipe or a Rich table on a terminal.

    The title is a heading of its own (`heading.py`): as the table's title,
    Rich would wrap it to the table's width, mid-phrase.
    """
    from .heading import write_heading

    write_heading(out, title)
    if out.plain:
        for line in plain_grid(header, rows, right):
            out.line(line)
        return
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold")
    for name, align in zip(header, right):
        width = max([len(name), *(len(row[len(table.columns)]) for row in rows)])
        table.add_column(name, justify="right" if align else "left", no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    out.print(table)
