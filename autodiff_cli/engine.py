"""Values, their topological order and the backward pass: no I/O, no text.

micrograd's engine without its limits: children in a tuple, no closures (so no
reference cycles for the garbage collector to chase), one table of operations,
and an iterative topological sort, so depth never meets the recursion limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .ops import DomainError, FloatMath, Operation

INPUT = "input"
CONSTANT = "const"


class Value:
    """One node of the graph: a scalar, how it was made, and its gradient.

    `op` is an `Operation`, or `INPUT` / `CONSTANT` for leaves.  A constant's
    grad stays None: it is a number of the program, not something to tune.
    `id` is the node's position in creation order, given by whoever builds
    the graph; it keys everything kept outside the node (spans, labels).
    """

    __slots__ = ("data", "grad", "op", "children", "id")

    def __init__(
        self,
        data: float,
        op: Operation | str = INPUT,
        children: tuple[Value, ...] = (),
        id: int = -1,
    ) -> None:
        self.data = data
        self.grad: float | None = None if op is CONSTANT else 0.0
        self.op = op
        self.children = children
        self.id = id

    @property
    def op_name(self) -> str:
        return self.op if isinstance(self.op, str) else self.op.name

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, op={self.op_name!r})"


def apply(op: Operation, children: tuple[Value, ...], id: int = -1) -> Value:
    """Run `op` forward on `children`; raise DomainError outside its domain or on overflow."""
    try:
        data = op.forward(*[child.data for child in children])
    except OverflowError:
        raise DomainError(f"overflow: the result of {op.name} is too large for a double") from None
    if not math.isfinite(data):
        raise DomainError(f"overflow: the result of {op.name} is too large for a double")
    return Value(data, op, children, id)


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after its inputs, inputs in argument order.

    An explicit stack instead of micrograd's recursive build_topo: a chain of a
    million nodes is as safe as a chain of three.
    """
    order: list[Value] = []
    visited = {id(root)}
    stack = [(root, 0)]
    while stack:
        node, next_child = stack[-1]
        children = node.children
        while next_child < len(children):
            child = children[next_child]
            next_child += 1
            if id(child) not in visited:
                visited.add(id(child))
                stack[-1] = (node, next_child)
                stack.append((child, 0))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def backward(root: Value, order: Sequence[Value] | None = None) -> list[Value]:
    """Set every node's grad to d(root)/d(node), summing over all uses; return the order.

    Gradients are reset first, so a second backward never adds onto stale ones.
    """
    if order is None:
        order = topological_order(root)
    for node in order:
        if node.op is not CONSTANT:
            node.grad = 0.0
    root.grad = 1.0
    m = FloatMath
    for node in reversed(order):
        op = node.op
        if isinstance(op, str):
            continue
        grad = node.grad
        if grad == 0.0:
            # Nothing flows back through a node the output does not feel, even
            # where a local derivative is infinite (sqrt'(0)): 0 * inf would
            # poison every input with nan, which is never what a user means.
            continue
        children = node.children
        local = op.derivatives(m, *[child.data for child in children], node.data)
        for child, derivative in zip(children, local):
            if child.op is not CONSTANT:
                # Accumulate, never assign: a node used twice gets both uses.
                child.grad += derivative * grad
    return list(order)

