"""The views asked for beside the main one, as text sections of the table and tree formats.

One function a view; each writes to the output context after the main view,
with numbers from the one formatter (`rounded`) at the run's precision.
"""

from __future__ import annotations

from collections.abc import Callable

from ..base.numbers import rounded
from ..base.typing_lite import TYPE_CHECKING
from ..core.engine import CONSTANT
from ..core.formula import atomic, spelled_rule, statement
from .grid import write_grid

if TYPE_CHECKING:
    from ..report import Report
    from .output import OutputContext


def write_sections(report: Report, out: OutputContext) -> None:
    """Every view the report holds, each after a blank line, in a fixed order."""
    views: list[tuple[object, Callable[[Report, OutputContext], None]]] = [
        (report.hessian, write_hessian),
        (report.formulas, write_formulas),
        (report.explain, write_explain),
        (report.check, write_check),
        (report.compare, _teaching("write_compare")),
        (report.why, _teaching("write_why")),
    ]
    if report.jacobian is not None or report.forward is not None or report.taylor is not None:
        from .modes import write_forward, write_jacobian, write_taylor

        views += [(report.jacobian, write_jacobian), (report.forward, write_forward), (report.taylor, write_taylor)]
    for view, write in views:
        if view is not None:
            out.line()
            write(report, out)


def _teaching(name: str) -> Callable[[Report, OutputContext], None]:
    """A writer of render/teaching.py, imported only when its view was asked for."""

    def write(report: Report, out: OutputContext) -> None:
        from . import teaching

        getattr(teaching, name)(report, out)

    return write


def write_hessian(report: Report, out: OutputContext) -> None:
    assert report.hessian is not None
    inputs, rows = report.hessian
    output, precision = report.output_name, report.options.precision
    if not inputs:
        out.line(f"Hessian of {output}: {output} depends on no input")
        return
    keys = [report.label(node) for node in inputs]
    cells = [[key, *(rounded(x, precision) for x in row)] for key, row in zip(keys, rows)]
    title = (f"Hessian of {output}", f"(row i, column j: ∂²{output}/∂i∂j)")
    write_grid(out, title, ["", *keys], cells, [False, *([True] * len(keys))])


def write_formulas(report: Report, out: OutputContext) -> None:
    """One formula per input, in the language: a one-liner, or its shared parts named first."""
    assert report.formulas is not None
    output = report.output_name
    if not report.formulas:
        out.line(f"{output} depends on no input: no formulas")
        return
    for node, statements in report.formulas:
        name = report.label(node)
        if statements is None:
            from ..core.formula import UNDEFINED

            out.line(f"∂{output}/∂{name}: {UNDEFINED}")
        elif len(statements) == 1:
            out.line(f"∂{output}/∂{name} = {statements[0]}")
        else:
            out.line(f"∂{output}/∂{name}:")
            for statement in statements:
                out.line(f"  {statement}")


def write_check(report: Report, out: OutputContext) -> None:
    assert report.check is not None
    precision = report.options.precision
    rows = [
        [
            report.label(row.node),
            rounded(row.gradient, precision),
            rounded(row.difference, precision) if row.method else "—",
            f"{row.error:.2g}" if row.method else "—",
            row.method or "—",
            row.status + (f": {row.note}" if row.note and row.status != "ok" else ""),
        ]
        for row in report.check
    ]
    header = ["input", "gradient", "finite difference", "relative error", "method", "status"]
    write_grid(out, ("gradient check", "(finite differences)"), header, rows, [False, True, True, True, False, False])


# ---------------------------------------------------------------- --explain

def explain_lines(report: Report) -> list[str]:
    """The backward pass as lines: each node with its gradient, then each contribution it sends."""
    assert report.explain is not None
    precision = report.options.precision
    label = report.label
    lines: list[str] = []
    for entry in report.explain:
        node = entry.node
        name = atomic(label(node))
        children = node.children
        op = node.op
        head, _ = statement(report.label, node)
        grad = rounded(entry.grad, precision)
        lines.append(f"{head}   {name}.grad = {grad}" + ("" if entry.steps or entry.grad else "   (nothing flows back)"))
        arguments = [label(child) for child in children]
        # The walk makes one step per input that is not a constant, in argument order.
        rules = [
            spelled_rule(op, index, arguments, label(node))  # type: ignore[arg-type]
            for index, child in enumerate(children)
            if child.op is not CONSTANT
        ]
        for step, rule in zip(entry.steps, rules):
            receiver = atomic(label(step.child))
            text = (
                f"  {receiver}.grad += {atomic(rule)} * {name}.grad = "
                f"{rounded(step.local, precision)} * {grad} = {rounded(step.contribution, precision)}"
            )
            after = rounded(step.before + step.contribution, precision)
            lines.append(f"{text:<44}  ({receiver}.grad: {rounded(step.before, precision)} -> {after})")
    return lines


def write_explain(report: Report, out: OutputContext) -> None:
    for line in explain_lines(report):
        out.line(line)
