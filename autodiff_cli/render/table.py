"""The default view: a Rich table of every node, then the orders backpropagation uses."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..engine import CONSTANT, INPUT
from ..evaluate import Result
from .numbers import rounded

_LABEL_WIDTH = 32
_ORDER_SHOWN = 60  # nodes shown in the order lines before eliding the middle


#: Rows shown before the middle of a big table is elided (`--all` shows every row).
ROW_LIMIT = 200


def render_table(
    result: Result, precision: int = 6, plain: bool = False, limit: int | None = ROW_LIMIT
) -> RenderableType:
    """The table, and under it the topological and backward orders, as one renderable.

    A table of a million rows helps nobody on a terminal (and Rich needs about
    a millisecond a row), so past `limit` rows only the first and last half
    are shown, with a count of what was left out.
    """
    graph = result.graph
    table = Table(
        box=None if plain else box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="" if plain else "bold",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("node", overflow="ellipsis", max_width=_LABEL_WIDTH)
    table.add_column("op", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True, min_width=8)
    table.add_column("grad", justify="right", no_wrap=True, min_width=8)
    in_order = {node.id for node in result.order}
    rows = list(result.order) + [node for node in graph.nodes if node.id not in in_order]
    hidden = 0
    if limit is not None and len(rows) > limit:
        hidden = len(rows) - limit
        rows = rows[: limit // 2] + [None] + rows[len(rows) - (limit - limit // 2) :]
    for node in rows:
        if node is None:
            table.add_row("…", Text(f"{hidden} more rows (--all)", style="italic"), "", "", "")
            continue
        label = Text(graph.label(node))
        if node is result.output:
            label.append(" (output)", style="bold")
        elif node.op is INPUT:
            label.append(" (input)", style="cyan")
        style = "dim" if node.op is CONSTANT else ""
        table.add_row(
            str(node.id),
            label,
            node.op_name,
            rounded(node.data, precision),
            rounded(node.grad, precision),
            style=style,
        )
    topological = [graph.label(node) for node in result.order]
    return Group(
        table,
        Text(""),
        Text("topological order: ") + Text(_arrows(topological)),
        Text("backward order:    ") + Text(_arrows(topological[::-1])),
    )


def _arrows(labels: list[str]) -> str:
    if len(labels) > _ORDER_SHOWN:
        half = _ORDER_SHOWN // 2
        skipped = len(labels) - 2 * half
        labels = labels[:half] + [f"… {skipped} more …"] + labels[-half:]
    return " → ".join(labels)
