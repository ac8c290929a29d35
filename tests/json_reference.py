"""The JSON writer as it was before the per-node loop was made faster: the reference its output must equal byte for byte.

Kept verbatim (imports made absolute); tests/render/test_json_writer.py compares documents and
benchmarks/run.py times both in one run.
"""

from __future__ import annotations

from collections.abc import Callable

try:  # the C function behind json.dumps(str); importing it alone skips the json package (~1.5 ms)
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from autodiff_cli.base.numbers import json_number
from autodiff_cli.core.engine import CONSTANT
from autodiff_cli.render.output import OutputContext
from autodiff_cli.report import Report


def write(report: Report, out: OutputContext) -> None:
    write_json(report, out.stdout.write)
    out.stdout.flush()


def write_json(report: Report, write: Callable[[str], object]) -> None:
    """One JSON document, on one line, for the report and every view it holds."""
    result = report.result
    graph = result.graph
    write("{")
    if report.source_field is not None:
        write(f'"source": {quote(report.source_field)}, ')
    write(f'"output": {quote(result.output_name)}, "value": {json_number(result.value)}, ')
    variables = dict(graph.names)
    for node in graph.nodes:
        key = report.keys.get(node.id)
        if key is not None and key not in variables:  # an input whose name was rebound
            variables[key] = node
    write('"variables": {')
    write(
        ", ".join(
            f'{quote(name)}: {{"value": {json_number(node.data)}, "grad": {json_number(node.grad)}}}'
            for name, node in variables.items()
        )
    )
    write("}")
    for member, view in (
        ("hessian", _hessian),
        ("formulas", _formulas),
        ("check", _check),
        ("explain", _explain),
    ):
        if getattr(report, member) is not None:
            write(f', "{member}": ')
            view(report, write)
    write(', "nodes": [')
    _write_nodes(report, write)
    write('], "order": [')
    order = result.order
    for start in range(0, len(order), _CHUNK):
        write((", " if start else "") + ", ".join([str(node.id) for node in order[start : start + _CHUNK]]))
    write("]}\n")


def _hessian(report: Report, write: Callable[[str], object]) -> None:
    assert report.hessian is not None
    inputs, rows = report.hessian
    keys = [quote(report.label(node)) for node in inputs]
    write(
        "{"
        + ", ".join(
            f"{key}: {{" + ", ".join(f"{column}: {json_number(x)}" for column, x in zip(keys, row)) + "}"
            for key, row in zip(keys, rows)
        )
        + "}"
    )


def _formulas(report: Report, write: Callable[[str], object]) -> None:
    assert report.formulas is not None
    write("{" + ", ".join(f"{quote(report.label(node))}: {quote('; '.join(lines))}" for node, lines in report.formulas) + "}")


def _check(report: Report, write: Callable[[str], object]) -> None:
    assert report.check is not None
    write(
        "["
        + ", ".join(
            f'{{"input": {quote(report.label(row.node))}, "id": {row.node.id}, "gradient": {json_number(row.gradient)}, '
            f'"difference": {json_number(row.difference if row.method else None)}, '
            f'"relative_error": {json_number(row.error if row.method else None)}, '
            f'"method": {quote(row.method) if row.method else "null"}, "status": {quote(row.status)}, '
            f'"note": {quote(row.note)}}}'
            for row in report.check
        )
        + "]"
    )


def _explain(report: Report, write: Callable[[str], object]) -> None:
    assert report.explain is not None
    entries = []
    for entry in report.explain:
        node = entry.node
        rules = [rule for child, rule in zip(node.children, node.op.rules) if child.op is not CONSTANT]  # type: ignore[union-attr]
        steps = ", ".join(
            f'{{"to": {step.child.id}, "rule": {quote(rule)}, "local": {json_number(step.local)}, '
            f'"contribution": {json_number(step.contribution)}, "before": {json_number(step.before)}, '
            f'"after": {json_number(step.before + step.contribution)}}}'
            for step, rule in zip(entry.steps, rules)
        )
        entries.append(f'{{"node": {node.id}, "grad": {json_number(entry.grad)}, "steps": [{steps}]}}')
    write("[" + ", ".join(entries) + "]")


#: Nodes formatted per write: one call per node was a fifth of a big run's time.
_CHUNK = 4096


def _write_nodes(report: Report, write: Callable[[str], object]) -> None:
    """The "nodes" array, the hot loop of a big document: about 1 µs a node."""
    label = report.label
    number = json_number  # a local: the loop runs once a node
    nodes = report.result.graph.nodes
    for start in range(0, len(nodes), _CHUNK):
        parts = []
        for node in nodes[start : start + _CHUNK]:
            children = node.children
            if not children:
                inputs = ""
            elif len(children) == 2:
                inputs = f"{children[0].id}, {children[1].id}"
            else:
                inputs = ", ".join([str(child.id) for child in children])
            parts.append(
                f'{{"id": {node.id}, "label": {quote(label(node))}, "op": "{node.op_name}", '
                f'"inputs": [{inputs}], "value": {number(node.data)}, "grad": {number(node.grad)}}}'
            )
        write((", " if start else "") + ", ".join(parts))
