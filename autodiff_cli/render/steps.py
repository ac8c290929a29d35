"""The backward pass as the page steps through it: the engine's one walk, with each edge's argument position.

`engine.backward_steps` yields one step per edge it applies, with the node's
own gradient at that time; the page also needs which argument of the node the
step went through (`a + a` has two edges from `a`, lit one after the other).
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

    The walk is the engine's, as data: each step carries the receiver's sum
    before it (`before`, so the gradient so far at every step is
    `before + contribution`) and the giving node's gradient; no node is written.
    """
    seen: dict[tuple[int, int], int] = {}
    for step in backward_steps(result.output, result.order, len(result.graph.nodes)):
        node, child = step.node, step.child
        key = (node.id, child.id)
        start = seen.get(key, -1) + 1
        arg = next(i for i in range(start, len(node.children)) if node.children[i] is child)
        seen[key] = arg
        yield PageStep(node, arg, child, step.local, step.grad, step.contribution, step.before)
