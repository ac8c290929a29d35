"""A titled grid of cells, drawn once for both places it goes.

On a pipe it is plain text, columns two spaces apart, never cut or wrapped
(Rich is not imported); on a terminal it is a Rich table whose numeric
columns never shrink below their widest cell, and whose labels fold.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

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
    fitted = FittedTable(table, header, rows, right)
    for row in rows:
        table.add_row(*row)
    out.print(fitted)


#: A column of words is folded no narrower than this (or its widest cell, if narrower).
FOLD_WIDTH = 7

#: A squeezed table has no padding: its columns are one separator apart.
TIGHT_PADDING = (0, 0, 0, 0)


class FittedTable:
    """A Rich table that never cuts a number: on a narrow terminal its words fold and its headers wrap.

    Rich, squeezed, shrinks every column evenly as a last resort, numbers
    included (0.393224 became 0.3).  Here the widths are chosen before Rich
    lays the table out: a column of numbers is never narrower than its widest
    number (its header may wrap); a column of labels or words folds, down to
    FOLD_WIDTH.  Narrower than that, the table needs more than the terminal
    has, and says so through its measurement (`OutputContext.print` then
    draws it uncut, for the terminal to wrap).

    It adds the table's columns, measured on `rows` (the cells as text; a
    column is `least[i]` wide at least where the terminal has room); the
    caller adds the rows.
    """

    def __init__(
        self,
        table: Any,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        numeric: Sequence[bool],
        least: Sequence[int] = (),
    ) -> None:
        from rich.cells import cell_len
        from rich.text import Text

        self.table = table
        self.natural: list[int] = []  # where the terminal has room
        self.snug: list[int] = []  # each cell and header on one line
        self.minimum: list[int] = []
        for index, (name, is_number) in enumerate(zip(header, numeric)):
            widest = max([0, *(cell_len(row[index]) for row in rows)])
            snug = max(widest, cell_len(name), 1)
            natural = max(snug, least[index] if least else 1)
            if is_number:
                longest_word = max([0, *(cell_len(word) for word in name.split())])
                minimum = max(widest, longest_word, 1)
                # The header is the one thing in the column that may wrap.
                table.add_column(Text(name, no_wrap=False), justify="right", no_wrap=True, min_width=minimum)
            else:
                minimum = min(natural, FOLD_WIDTH)
                table.add_column(name, overflow="fold")
            self.natural.append(natural)
            self.snug.append(snug)
            self.minimum.append(minimum)
        self.numeric = list(numeric)
        self.padding = table.padding

    def _overhead(self, console: Any, options: Any) -> int:
        """Padding and separators: what the table adds to its columns' widths."""
        from rich.measure import Measurement

        columns = self.table.columns
        saved = [column.width for column in columns]
        for column in columns:
            column.width = 1
        try:
            return Measurement.get(console, options.update_width(1_000_000), self.table).maximum - len(columns)
        finally:
            for column, width in zip(columns, saved):
                column.width = width

    def _squeezed(self, squeeze: bool) -> None:
        """Columns one space apart instead of three, on a narrow terminal."""
        self.table.padding = TIGHT_PADDING if squeeze else self.padding

    def widths(self, available: int) -> list[int]:
        """Each column's width in `available` characters: snug first, then words fold, then numbers' headers wrap."""
        widths = list(self.snug)
        excess = sum(widths) - available
        while excess > 0:
            folding = [i for i, width in enumerate(widths) if width > self.minimum[i] and not self.numeric[i]]
            if not folding:
                break
            widest = max(folding, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1
        for i, width in enumerate(widths):
            if excess <= 0:
                break
            cut = min(excess, width - self.minimum[i])
            widths[i] -= cut
            excess -= cut
        return widths

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        self._squeezed(False)
        loose = self._overhead(console, options)
        self._squeezed(True)
        tight = self._overhead(console, options)
        self._squeezed(False)
        return Measurement(sum(self.minimum) + tight, sum(self.natural) + loose)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        self._squeezed(False)
        for column in self.table.columns:
            column.width = None
        if sum(self.natural) + self._overhead(console, options) > options.max_width:
            self._squeezed(True)
            widths = self.widths(options.max_width - self._overhead(console, options))
            for column, width in zip(self.table.columns, widths):
                column.width = width
        yield self.table
