"""The JSON contract (see README, "JSON format"), written as a stream.

Written piece by piece to a file object rather than built as one string, so a
million-node result never exists twice in memory.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..evaluate import Result
from .numbers import json_number


def write_json(
    result: Result,
    out: TextIO,
    source: str | None = None,
    hessian: tuple[list[str], list[list[float]]] | None = None,
    formulas: list[tuple[str, list[str]]] | None = None,
) -> None:
    """Write one JSON document, on one line, for `result` (and --hessian, --symbolic if given)."""
    graph = result.graph
    write = out.write
    write("{")
    if source is not None:
        write(f'"source": {json.dumps(source)}, ')
    write(f'"output": {json.dumps(result.output_name)}, "value": {json_number(result.value)}, ')
    write('"variables": {')
    write(
        ", ".join(
            f'{json.dumps(name)}: {{"value": {json_number(node.data)}, "grad": {json_number(node.grad)}}}'
            for name, node in graph.names.items()
        )
    )
    write("}")
    if hessian is not None:
        names, rows = hessian
        write(', "hessian": {')
        write(
            ", ".join(
                f"{json.dumps(name)}: {{"
                + ", ".join(f"{json.dumps(column)}: {json_number(x)}" for column, x in zip(names, row))
                + "}"
                for name, row in zip(names, rows)
            )
        )
        write("}")
    if formulas is not None:
        write(', "formulas": {')
        write(", ".join(f"{json.dumps(name)}: {json.dumps('; '.join(lines))}" for name, lines in formulas))
        write("}")
    write(', "nodes": [')
    for node in graph.nodes:
        if node.id:
            write(", ")
        op = node.op_name
        inputs = ", ".join(str(child.id) for child in node.children)
        write(
            f'{{"id": {node.id}, "label": {json.dumps(graph.label(node))}, "op": "{op}", '
            f'"inputs": [{inputs}], "value": {json_number(node.data)}, "grad": {json_number(node.grad)}}}'
        )
    write('], "order": [')
    write(", ".join(str(node.id) for node in result.order))
    write("]}\n")

