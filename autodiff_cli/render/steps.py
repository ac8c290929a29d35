"""The backward pass as the page steps through it: the engine's one walk, with each edge's argument position.

`engine.backward_steps` yields one step per edge it applies; the page also
needs which argument of the node the step went through (`a + a` has two edges
from `a`, lit one after the other) and the node's own gradient at that time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..core.engine import Value, backward_steps
from ..language.evaluate import Result


class PageStep(NamedTuple):
    """`child.grad` goes from `before` to `before + contribution`, through `node`'s ARG-th input."""

    node: Value
    arg: int
    child: Value
    local: float
    node_grad: float
    contribution: float
    before: float


def page_steps(result: Result) -> Iterator[PageStep]:
    """Every contribution of the backward pass from the output, in the order the engine applies them.

    The walk writes the nodes' grads as it goes; they are put back afterwards,
    so a view that set them otherwise (forward mode) keeps its own.
    """
    kept = [node.grad for node in result.order]
    try:
        yield from _steps(result)
    finally:
        for node, grad in zip(result.order, kept):
            node.grad = grad


def _steps(result: Result) -> Iterator[PageStep]:
    seen: dict[tuple[int, int], int] = {}
    for step in backward_steps(result.output, result.order):
        node, child = step.node, step.child
        key = (node.id, child.id)
        start = seen.get(key, -1) + 1
        arg = next(i for i in range(start, len(node.children)) if node.children[i] is child)
        seen[key] = arg
        # the walk is in reverse topological order: node.grad is already final when it gives
        yield PageStep(node, arg, child, step.local, node.grad, step.contribution, step.before)  # type: ignore[arg-type]
