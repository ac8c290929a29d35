"""The backward pass as a list of contributions, one per edge, for the page's step-through.

Each step is one `child.grad += local * node.grad`, in backward order, with
the running sum before and after: the same walk `--explain` prints (same
order, same skipped constants, same zero for a node the output does not feel).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..engine import CONSTANT, FloatMath, Value


class Step(NamedTuple):
    """`child.grad` goes from `before` to `before + contribution`, through `node`'s ARG-th input."""

    node: Value
    arg: int
    child: Value
    local: float
    node_grad: float
    contribution: float
    before: float


def backward_steps(order: list[Value], output: Value) -> Iterator[Step]:
    """Every contribution of the backward pass from `output`, on running sums kept aside (the nodes are not touched)."""
    grads: dict[int, float] = {node.id: 0.0 for node in order}
    grads[output.id] = 1.0
    for node in reversed(order):
        op = node.op
        if isinstance(op, str):
            continue
        children = node.children
        grad = grads[node.id]
        local = op.derivatives(FloatMath, *[child.data for child in children], node.data)
        for arg, (child, derivative) in enumerate(zip(children, local)):
            if child.op is CONSTANT:
                continue
            before = grads[child.id]
            contribution = derivative * grad if grad != 0.0 else 0.0
            grads[child.id] = before + contribution
            yield Step(node, arg, child, derivative, grad, contribution, before)
