"""The JSON contract (see README, "JSON format"), written as a stream.

Written piece by piece to a file object rather than built as one string, so a
million-node result never exists twice in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

try:  # the C function behind json.dumps(str); importing it alone skips the json package (~1.5 ms)
    from _json import encode_basestring_ascii as quote
except ImportError:  # not CPython
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]

from ..engine import Step
from ..evaluate import Result
from .numbers import json_number

if TYPE_CHECKING:
    from ..teaching.mistakes import Comparison


def write_json(
    result: Result,
    out: TextIO,
    source: str | None = None,
    hessian: tuple[list[str], list[list[float]]] | None = None,
    formulas: list[tuple[str, list[str]]] | None = None,
    compare: Comparison | None = None,
    contributions: dict[int, list[Step]] | None = None,
) -> None:
    """Write one JSON document, on one line, for `result` (and --hessian, --symbolic if given)."""
    graph = result.graph
    write = out.write
    write("{")
    if source is not None:
        write(f'"source": {quote(source)}, ')
    write(f'"output": {quote(result.output_name)}, "value": {json_number(result.value)}, ')
    write('"variables": {')
    write(
        ", ".join(
            f'{quote(name)}: {{"value": {json_number(node.data)}, "grad": {json_number(node.grad)}}}'
            for name, node in graph.names.items()
        )
    )
    write("}")
    if hessian is not None:
        names, rows = hessian
        write(', "hessian": {')
        write(
            ", ".join(
                f"{quote(name)}: {{"
                + ", ".join(f"{quote(column)}: {json_number(x)}" for column, x in zip(names, row))
                + "}"
                for name, row in zip(names, rows)
            )
        )
        write("}")
    if formulas is not None:
        write(', "formulas": {')
        write(", ".join(f"{quote(name)}: {quote('; '.join(lines))}" for name, lines in formulas))
        write("}")
    if compare is not None:
        _write_compare(result, compare, write)
    if contributions is not None:
        write(', "contributions": {')
        write(
            ", ".join(
                f'"{node_id}": ['
                + ", ".join(
                    f'{{"via": {step.node.id}, "local": {json_number(step.local)}, "amount": {json_number(step.contribution)}}}'
                    for step in steps
                )
                + "]"
                for node_id, steps in contributions.items()
            )
        )
        write("}")
    write(', "nodes": [')
    _write_nodes(result, write)
    write('], "order": [')
    order = result.order
    for start in range(0, len(order), _CHUNK):
        write((", " if start else "") + ", ".join([str(node.id) for node in order[start : start + _CHUNK]]))
    write("]}\n")


def _write_compare(result: Result, compare: Comparison, write: Callable[[str], object]) -> None:
    """`"compare": {"overwrite": {"0": 3.0, ...}, ...}`: each mistake's gradient of every node, by id."""
    write(', "compare": {')
    nodes = result.graph.nodes
    parts = []
    for variant, walk in compare.walks.items():
        grads = walk.grads
        parts.append(
            f"{quote(variant)}: {{"
            + ", ".join(f'"{node.id}": {json_number(grads.get(node.id, node.grad))}' for node in nodes)
            + "}"
        )
    write(", ".join(parts))
    write("}")


#: Nodes formatted per write: one call per node was a fifth of a big run's time.
_CHUNK = 4096


def _write_nodes(result: Result, write: Callable[[str], object]) -> None:
    """The "nodes" array, the hot loop of a big document: about 1 µs a node."""
    label = result.graph.label
    number = json_number  # a local: the loop runs once a node
    nodes = result.graph.nodes
    for start in range(0, len(nodes), _CHUNK):
        parts = []
        for node in nodes[start : start + _CHUNK]:
            children = node.children
            if not children:
                inputs = ""
            elif len(children) == 2:
                inputs = f"{children[0].id}, {children[1].id}"
            else:
                inputs = str(children[0].id)
            parts.append(
                f'{{"id": {node.id}, "label": {quote(label(node))}, "op": "{node.op_name}", '
                f'"inputs": [{inputs}], "value": {number(node.data)}, "grad": {number(node.grad)}}}'
            )
        write((", " if start else "") + ", ".join(parts))
