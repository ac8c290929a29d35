"""--explain as data: the backward pass grouped by node, read from the one walk.

Each entry is a node in backward order with its gradient when it is reached
and the steps it sends to its inputs; writers decide how it looks (a text
block, or the "explain" member of JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..core.engine import Step, Value, backward_steps

if TYPE_CHECKING:
    from ..language.evaluate import Result


class ExplainEntry(NamedTuple):
    """A node the backward pass visits: its gradient then, and what it passes on."""

    node: Value
    grad: float
    steps: list[Step]


def explain(result: Result) -> list[ExplainEntry]:
    """The backward pass's steps, walked again as data (no node is written), grouped by the node that gives."""
    by_node: dict[int, ExplainEntry] = {}
    for step in backward_steps(result.output, result.order, len(result.graph.nodes)):
        entry = by_node.get(step.node.id)
        if entry is None:
            # The first step of a node: its gradient is final, every user has added to it.
            entry = by_node[step.node.id] = ExplainEntry(step.node, step.grad, [])
        entry.steps.append(step)
    # An operation whose gradient is 0 passes nothing on: it is shown, in its place, with no steps.
    return [
        by_node.get(node.id) or ExplainEntry(node, node.grad or 0.0, [])
        for node in reversed(result.order)
        if not isinstance(node.op, str)
    ]
