"""Text of the teaching views: --why (a gradient as the sum of its uses) and --compare (the classic mistakes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analyses.teaching.comparison import Comparison
from ..analyses.teaching.contributions import argument_positions, users
from ..analyses.teaching.mistakes import same
from ..base.numbers import rounded
from ..core.engine import CONSTANT, Step, Value
from ..core.formula import atomic, spelled_rule

if TYPE_CHECKING:
    from ..report import Report
    from .output import OutputContext

#: Marks a gradient a mistake gets wrong (ASCII, so it survives every pipe and font).
DIFFERS = "*"


def expression(report: Report, node: Value) -> str:
    """How a node was made, as the program says it: `d = a*b`, or `a*b` for an unnamed node."""
    graph = report.result.graph
    label = report.label(node)
    if node.name is None:
        return label
    text = graph.formulas.get(node.id)
    if text is None:
        start, end = graph.span(node)
        text = " ".join(graph.source.text[start:end].split())
        if len(text) > 60:
            text = text[:60] + "…"
    return label if text == label else f"{label} = {text}"


def local_rule(report: Report, node: Value, position: int, local: float) -> str:
    """`∂d/∂a = b = 3`: the table's rule for this argument, with the program's names, and its value."""
    label = report.label
    child = node.children[position]
    text = spelled_rule(node.op, position, [label(argument) for argument in node.children], label(node))  # type: ignore[arg-type]
    value = rounded(local, report.options.precision)
    head = f"∂{atomic(label(node))}/∂{atomic(label(child))}"
    return f"{head} = {value}" if text == value else f"{head} = {text} = {value}"


def why_lines(report: Report, node: Value, steps: list[Step]) -> list[str]:
    """`a.grad = -3` and one aligned line per use: amount, via which node, local derivative, that node's gradient.

    The lines are the steps of the backward walk in its own order, so they add
    up, in that order, to the gradient shown; a use whose node has gradient 0
    passes nothing back and is named after them.
    """
    result, precision = report.result, report.options.precision
    label = report.label(node)
    head = f"{atomic(label)}.grad"
    if node.op is CONSTANT:
        return [f"{label} is a constant: it has no gradient"]
    grad = rounded(node.grad, precision)  # the backward pass's, as its steps below add up to
    if node is result.output:
        return [f"{head} = {grad}   (the output: backpropagation starts here with 1)"]
    if not any(other is node for other in result.order):
        return [f"{head} = {grad}   ({report.output_name} does not depend on {label})"]
    lines = [f"{head} = {grad}"]
    rows = []
    for step, position in zip(steps, argument_positions(steps)):
        user = step.node
        rows.append(
            (
                rounded(step.contribution, precision),
                f"via {expression(report, user)}",
                local_rule(report, user, position, step.local) + ",",
                f"{atomic(report.label(user))}.grad = {rounded(step.grad, precision)})",
            )
        )
    indent = " " * len(head)
    if rows:
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for index, (amount, via, local, user_grad) in enumerate(rows):
            sign = "=" if index == 0 else "+"
            lines.append(
                f"{indent} {sign} {amount.rjust(widths[0])}   {via.ljust(widths[1])}   ({local.ljust(widths[2])}  {user_grad}"
            )
    reached = {step.node.id for step in steps}
    idle = [user for user, _ in users(result, node) if user.id not in reached]
    if idle:
        names = ", ".join(dict.fromkeys(report.label(user) for user in idle))
        lines.append(f"{indent}   (also used by {names}, whose gradient is 0: nothing flows back)")
    return lines


def compare_lines(comparison: Comparison, terminal_width: int | None = None) -> list[str]:
    """Every gradient under the correct pass and each mistake, `*` where they differ, then why, node by node.

    The heading folds between phrases to `terminal_width` (None, on a pipe: one line).
    """
    from .heading import fold

    report = comparison.report
    result, precision = report.result, report.options.precision
    variants = list(comparison.walks)
    nodes = [node for node in reversed(result.order) if node.op is not CONSTANT]
    columns: list[list[str]] = [[rounded(node.grad, precision) for node in nodes]]
    marks: list[list[str]] = [["" for _ in nodes]]
    for variant in variants:
        grads = comparison.walks[variant].grads
        columns.append([rounded(grads[node.id], precision) for node in nodes])
        marks.append(["" if same(grads[node.id], node.grad) else DIFFERS for node in nodes])
    labels = [report.label(node) for node in nodes]
    # max() of a list: a program whose output is a constant (grad() of one) has no rows to measure.
    label_width = min(32, max([len("node"), *(len(label) for label in labels)]))
    titles = ["correct", *variants]
    widths = [max([len(title), *(len(cell) for cell in column)]) for title, column in zip(titles, columns)]
    heading = (f"gradients of {report.output_name}", "under the classic mistakes", f"({DIFFERS}: differs from correct)")
    lines = fold(heading, terminal_width)
    lines.append(
        "  ".join(["node".ljust(label_width)] + [title.rjust(width) + " " for title, width in zip(titles, widths)]).rstrip()
    )
    for row, label in enumerate(labels):
        cut = label if len(label) <= label_width else label[: label_width - 1] + "…"
        cells = [cut.ljust(label_width)]
        # a mark hangs to the right of its number, so the numbers stay aligned
        cells += [column[row].rjust(width) + (mark[row] or " ") for column, mark, width in zip(columns, marks, widths)]
        lines.append("  ".join(cells).rstrip())
    for variant in variants:
        reasons = comparison.reasons[variant]
        lines.append("")
        if not reasons:
            lines.append(f"{variant}: every gradient is right on this program")
            continue
        lines.append(f"{variant}:")
        lines.extend(f"  {text}" for text in reasons.values())
    return lines


def write_compare(report: Report, out: OutputContext) -> None:
    assert report.compare is not None
    for line in compare_lines(report.compare, out.width):
        out.line(line)


def write_why(report: Report, out: OutputContext) -> None:
    assert report.why is not None and report.contributions is not None
    for index, node in enumerate(report.why):
        if index:
            out.line()
        for line in why_lines(report, node, report.contributions.get(node.id, [])):
            out.line(line)
