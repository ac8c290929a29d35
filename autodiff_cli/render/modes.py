"""The mode views as text sections and JSON members: Jacobian, forward mode, Taylor.

Numbers go through the one formatter of each kind (`rounded` at the run's
precision in text, `json_number` in JSON); inputs are named by their keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:  # the C function behind json.dumps(str)
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from ..base.numbers import json_number, rounded
from ..core.engine import CONSTANT
from .grid import write_grid

if TYPE_CHECKING:
    from ..analyses.modes import JacobianView
    from ..core.tangents import TangentStep
    from ..report import Report
    from .output import OutputContext


def _plural(count: int, word: str, many: str = "") -> str:
    return f"{count} {word if count == 1 else (many or word + 'es')}"


# ------------------------------------------------------------------ Jacobian


def jacobian_footer(view: JacobianView) -> str:
    if view.mode == "reverse":
        how = f"{_plural(view.passes, 'reverse pass')}, one per output"
    else:
        how = f"{_plural(view.passes, 'forward pass')}, one per input"
    outputs, inputs = _plural(len(view.outputs), "output", "outputs"), _plural(len(view.inputs), "input", "inputs")
    return f"jacobian mode: {view.mode} ({how}; {outputs}, {inputs})"


def write_jacobian(report: Report, out: OutputContext) -> None:
    view = report.jacobian
    assert view is not None
    title = ("Jacobian", "(row: output, column: input)")
    if not view.inputs:
        out.line(f"{' '.join(title)}: no output depends on an input")
    else:
        precision = report.options.precision
        rows = [[name, *(rounded(x, precision) for x in row)] for name, row in zip(view.outputs, view.rows)]
        write_grid(out, title, ["", *view.inputs], rows, [False, *([True] * len(view.inputs))])
    out.line(jacobian_footer(view))


# ------------------------------------------------------------------ forward mode


def _primed(label: str) -> str:
    """`a'`, or `(a * 2)'` for a node known by its source text."""
    from ..core.formula import atomic

    return f"{atomic(label)}'"


def _tangent_line(report: Report, step: TangentStep) -> str:
    from ..core.formula import atomic, spelled_rule, statement

    precision = report.options.precision
    label = report.label
    node = step.node
    children = node.children
    head, _ = statement(report.label, node)
    arguments = [label(child) for child in children]
    terms = [
        (spelled_rule(node.op, index, arguments, label(node)), child, d, t)  # type: ignore[arg-type]
        for index, (child, d, t) in enumerate(zip(children, step.local, step.moved))
        if child.op is not CONSTANT
    ]
    rules = " + ".join(f"{atomic(rule)} * {_primed(label(child))}" for rule, child, _, _ in terms)
    numbers = " + ".join(f"{rounded(d, precision)} * {rounded(t, precision)}" for _, _, d, t in terms)
    return f"{head}   {_primed(label(node))} = {rules} = {numbers} = {rounded(step.tangent, precision)}"


def forward_lines(report: Report, width: int | None = None) -> list[str]:
    """How the gradients were computed and, with --explain, each forward pass node by node.

    Headings fold between phrases to `width`, a terminal's (None: one line each).
    """
    from .heading import fold

    view = report.forward
    assert view is not None
    lines = fold(("gradients by forward mode:", f"{_plural(len(view.inputs), 'pass')}, one per input"), width)
    if view.passes is None:
        return lines
    precision = report.options.precision
    output = _primed(report.output_name)[:-1]
    operations = sum(1 for node in report.result.order if node.op.__class__ is not str)
    for number, one in enumerate(view.passes, 1):
        x = one.input
        along = f"forward pass {number} of {len(view.passes)}, along {x}"
        lines += ["", *fold((along, f" (v' = dv/d{x};", f"{x}' = 1,", "other inputs' = 0)"), width)]
        lines += ["  " + _tangent_line(report, step) for step in one.steps]
        still = operations - len(one.steps)
        if still:
            lines.append(f"  ({_plural(still, 'node', 'nodes')} {'does' if still == 1 else 'do'} not move with {x}: tangent 0)")
        lines.append(f"  => d{output}/d{x} = {rounded(view.gradient[number - 1], precision)}")
    return lines


def write_forward(report: Report, out: OutputContext) -> None:
    for line in forward_lines(report, out.width):
        out.line(line)


# ------------------------------------------------------------------ Taylor


def write_taylor(report: Report, out: OutputContext) -> None:
    view = report.taylor
    assert view is not None
    precision = report.options.precision
    output, x = report.output_name, view.input
    order = len(view.coefficients) - 1
    title = (f"Taylor series of {output} in {x}", f"at {x} = {rounded(view.at, precision)}", f"(K = {order})")
    rows = [
        [str(k), rounded(d, precision), rounded(c, precision)]
        for k, (d, c) in enumerate(zip(view.derivatives, view.coefficients))
    ]
    write_grid(out, title, ["k", f"d^k {output}/d{x}^k", "coefficient"], rows, [True, True, True])


# ------------------------------------------------------------------ JSON


def json_members(report: Report) -> list[str]:
    """The members of these views (`"key": value`), in document order."""
    members = []
    if report.jacobian is not None:
        view = report.jacobian
        rows = ", ".join(
            f"{quote(name)}: {{" + ", ".join(f"{quote(key)}: {json_number(x)}" for key, x in zip(view.inputs, row)) + "}"
            for name, row in zip(view.outputs, view.rows)
        )
        members.append(f'"jacobian": {{{rows}}}, "jacobian_mode": {quote(view.mode)}')
    if report.forward is not None:
        forward = report.forward
        gradient = ", ".join(f"{quote(key)}: {json_number(x)}" for key, x in zip(forward.inputs, forward.gradient))
        members.append(f'"mode": "forward", "forward": {{"passes": {len(forward.inputs)}, "gradient": {{{gradient}}}}}')
        if forward.passes is not None:
            members.append(_forward_explain(report))
    if report.taylor is not None:
        taylor = report.taylor
        members.append(
            f'"taylor": {{"input": {quote(taylor.input)}, "at": {json_number(taylor.at)}, '
            f'"derivatives": [{", ".join(json_number(x) for x in taylor.derivatives)}], '
            f'"coefficients": [{", ".join(json_number(x) for x in taylor.coefficients)}]}}'
        )
    return members


def _forward_explain(report: Report) -> str:
    """--explain in forward mode: per pass, per node, its tangent and each argument's term."""
    assert report.forward is not None and report.forward.passes is not None
    passes = []
    for one in report.forward.passes:
        steps = []
        for step in one.steps:
            op = step.node.op
            terms = ", ".join(
                f'{{"from": {child.id}, "rule": {quote(op.rule(index))}, "local": {json_number(d)}, '  # type: ignore[union-attr]
                f'"tangent": {json_number(t)}, "contribution": {json_number(d * t if t != 0.0 else 0.0)}}}'
                for index, (child, d, t) in enumerate(zip(step.node.children, step.local, step.moved))
            )
            steps.append(f'{{"node": {step.node.id}, "tangent": {json_number(step.tangent)}, "terms": [{terms}]}}')
        passes.append(f'{{"input": {quote(one.input)}, "steps": [{", ".join(steps)}]}}')
    return f'"explain": {{"mode": "forward", "passes": [{", ".join(passes)}]}}'
