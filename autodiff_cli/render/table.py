"""The default view: a table of every node, then the orders backpropagation uses.

On a terminal it is a Rich table; on a pipe it is plain text in the same
columns, written without Rich (importing Rich costs about 25 ms, a third of
a one-shot run), with no box drawing and no wrapping, so `grep` and `cut`
work on it.
"""

from __future__ import annotations

from ..base.numbers import rounded
from ..base.typing_lite import TYPE_CHECKING
from ..core.engine import CONSTANT, INPUT, Value
from ..report import Report
from .grid import FittedTable, plain_grid
from .output import OutputContext
from .sections import write_sections

if TYPE_CHECKING:
    from typing import Any

_LABEL_WIDTH = 32
_ORDER_SHOWN = 60  # nodes shown in the order lines before eliding the middle
_HEADER = ("#", "node", "op", "value", "grad")
_RIGHT = (True, False, False, True, True)
_MIN_WIDTH = (0, 0, 0, 8, 8)

#: Rows shown before the middle of a big table is elided (`--all` shows every row).
ROW_LIMIT = 200


def _rows(report: Report, precision: int, limit: int | None) -> list[tuple[tuple[str, ...], str]]:
    """Each row's cells and its kind ("output", "input", "const", "elided" or "").

    A table of a million rows helps nobody on a terminal (and Rich needs about
    a millisecond a row), so past `limit` rows only the first and last half
    are shown, with a count of what was left out.
    """
    result = report.result
    graph = result.graph
    nodes: list[Value | None] = list(result.order)
    if len(nodes) < len(graph.nodes):  # nodes off the output's path follow, in creation order
        in_order = {node.id for node in result.order}
        nodes += [node for node in graph.nodes if node.id not in in_order]
    if graph.vectors:
        nodes = _grouped(nodes, graph.vectors.values())  # type: ignore[arg-type,assignment]  # no None yet
    hidden = 0
    if limit is not None and len(nodes) > limit:
        hidden = len(nodes) - limit
        nodes = nodes[: limit // 2] + [None] + nodes[len(nodes) - (limit - limit // 2) :]
    rows: list[tuple[tuple[str, ...], str]] = []
    for node in nodes:
        if node is None:
            rows.append((("…", f"{hidden} more rows (--all)", "", "", ""), "elided"))
            continue
        kind = "output" if node is result.output else "input" if node.op is INPUT else ""
        if not kind and node.op is CONSTANT:
            kind = "const"
        label = report.label(node) + (f" ({kind})" if kind in ("output", "input") else "")
        cells = (str(node.id), label, node.op_name, rounded(node.data, precision), rounded(report.grad(node), precision))
        rows.append((cells, kind))
    return rows


def _grouped(nodes: list[Value], vectors: Any) -> list[Value]:
    """The rows with each vector of inputs (or constants) together, where its first element is.

    Only vectors of leaves move: a leaf depends on nothing, so the rows stay in a topological order.
    """
    group: dict[int, tuple[Value, ...]] = {}
    for vector in vectors:
        if all(not element.children for element in vector):
            for element in vector:
                group.setdefault(element.id, tuple(vector))
    if not group:
        return nodes
    present = {node.id for node in nodes}
    placed: set[int] = set()
    rows: list[Value] = []
    for node in nodes:
        if node.id in placed:
            continue
        for member in group.get(node.id, (node,)):
            if member.id in present and member.id not in placed:
                placed.add(member.id)
                rows.append(member)
    return rows


def _orders(report: Report) -> tuple[str, str]:
    order = report.result.order
    if len(order) > _ORDER_SHOWN:  # label only what is shown
        half = _ORDER_SHOWN // 2
        order = [*order[:half], None, *order[-half:]]  # type: ignore[list-item]
    hidden = len(report.result.order) - _ORDER_SHOWN
    topological = [f"… {hidden} more …" if node is None else report.label(node) for node in order]
    return "topological order: " + _arrows(topological), "backward order:    " + _arrows(topological[::-1])


def _arrows(labels: list[str]) -> str:
    return " → ".join(labels)


def _middle(label: str) -> str:
    """A label cut to the terminal's column in its middle, so `v…a` and `v…b` stay apart."""
    if len(label) <= _LABEL_WIDTH:
        return label
    keep = _LABEL_WIDTH - 1
    return label[: keep // 2] + "…" + label[len(label) - (keep - keep // 2) :]


def write(report: Report, out: OutputContext) -> None:
    """The table, the two orders under it, then every view asked for."""
    if report.sweep is not None:  # --sweep: one row per point instead
        from .sweep import write_sweep

        write_sweep(report, out)
        return
    limit = None if report.options.show_all else ROW_LIMIT
    if out.plain:
        out.line(plain_table(report, report.options.precision, limit))
    else:
        out.print(render_table(report, report.options.precision, limit))
    write_sections(report, out)


def plain_table(report: Report, precision: int = 6, limit: int | None = ROW_LIMIT) -> str:
    """The table as plain text: columns two spaces apart, nothing cut (a pipe has no width)."""
    rows = [cells for cells, _ in _rows(report, precision, limit)]
    return "\n".join([*plain_grid(_HEADER, rows, _RIGHT), "", *_orders(report)])


def render_table(report: Report, precision: int = 6, limit: int | None = ROW_LIMIT) -> Any:
    """The table for a terminal, and under it the two orders, as one Rich renderable."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    rows = _rows(report, precision, limit)
    labels = []
    for cells, kind in rows:
        if kind == "elided":
            label = Text(cells[1], style="italic")
        elif kind in ("output", "input"):
            suffix = f" ({kind})"
            label = Text(_middle(cells[1][: -len(suffix)]))
            label.append(suffix, style="bold" if kind == "output" else "cyan")
        else:
            label = Text(_middle(cells[1]))
        labels.append(label)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    # Numbers are never cut; labels and operation names fold on a narrow terminal.
    shown = [(cells[0], label.plain, *cells[2:]) for (cells, _), label in zip(rows, labels)]
    fitted = FittedTable(table, _HEADER, shown, _RIGHT, _MIN_WIDTH)
    for (cells, kind), label in zip(rows, labels):
        table.add_row(cells[0], label, *cells[2:], style="dim" if kind == "const" else "")
    topological, backward = _orders(report)
    return Group(fitted, Text(""), Text(topological), Text(backward))
