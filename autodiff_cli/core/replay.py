"""The graph's forward pass run again at other input values, without parsing again.

The one re-run of the tool: `--check` steps an input, `--at` moves it, a
library call (`autodiff_cli.compile`) does both at every call.  Nodes are
visited in id order, which is creation order and so topological.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .engine import CONSTANT, Value
from .ops import DomainError, FloatMath


class ReplayError(ArithmeticError):
    """A node left its operation's domain (or overflowed) at the new values."""

    def __init__(self, node: Value, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def forward_values(nodes: Sequence[Value], overrides: Mapping[int, float]) -> list[float]:
    """Every node's value, by id, with the inputs in `overrides` (id -> value) replaced.

    Raises ReplayError at the first node outside its domain: a later node
    could hide a nan (relu(nan) is 0), so no value past a failure is returned.
    """
    values: list[float] = []
    append = values.append
    for node in nodes:
        value = overrides.get(node.id)
        if value is None:
            op = node.op
            if op.__class__ is str:
                value = node.data
            else:
                a, b = node.a, node.b
                try:
                    if b is None:
                        value = op.forward(values[a.id])  # type: ignore[union-attr]
                    elif a is not None:
                        value = op.forward(values[a.id], values[b.id])  # type: ignore[union-attr]
                    else:
                        value = op.forward(*[values[child.id] for child in b])  # type: ignore[union-attr]
                except (DomainError, OverflowError, ValueError, ZeroDivisionError) as error:
                    raise ReplayError(node, str(error) if isinstance(error, DomainError) else "outside the domain") from None
                if not -math.inf < value < math.inf:
                    raise ReplayError(node, f"overflow: the result of {op.name} is too large for a double")  # type: ignore[union-attr]
        append(value)
    return values


def gradients(order: Sequence[Value], root: Value, values: Sequence[float]) -> list[float]:
    """d(root)/d(node) by id, from `values` (by id) instead of each node's `data`; no node is written.

    `engine.backward_steps`' walk, rule for rule and sum for sum (so the same
    bits at the graph's own values), for a graph re-run by `forward_values`:
    a library call differentiates the program at new values without
    touching `Value.grad`, so calls in any order give the same answers.
    """
    grads = [0.0] * len(values)
    grads[root.id] = 1.0
    m = FloatMath
    for node in reversed(order):
        op = node.op
        if op.__class__ is str:
            continue
        grad = grads[node.id]
        if grad == 0.0:
            continue  # as the engine: nothing flows back through a node the output does not feel
        a, b = node.a, node.b
        if b is None:
            children: tuple[Value, ...] = (a,)  # type: ignore[assignment]
            local = op.derivatives(m, values[a.id], values[node.id])  # type: ignore[union-attr]
        elif a is not None:
            children = (a, b)  # type: ignore[assignment]
            local = op.derivatives(m, values[a.id], values[b.id], values[node.id])  # type: ignore[union-attr]
        else:
            children = b  # type: ignore[assignment]
            local = op.derivatives(m, *[values[child.id] for child in children], values[node.id])  # type: ignore[union-attr]
        for child, derivative in zip(children, local):
            if child.op is CONSTANT:
                continue
            # Accumulate, never assign: a node used twice gets both uses.
            grads[child.id] += derivative * grad
    return grads


def clone_at(nodes: Sequence[Value], values: Sequence[float]) -> list[Value]:
    """A copy of the graph whose nodes hold `values` (by id): for the analyses that read `data` (Hessian, Taylor).

    The copy shares nothing writable with the original, so whatever an
    analysis writes on it (a Hessian's backward passes write `grad`) is
    thrown away with it.
    """
    copies: list[Value] = []
    for node in nodes:
        copy = Value(values[node.id], node.op, tuple(copies[child.id] for child in node.children), node.id)
        copy.name = node.name
        copies.append(copy)
    return copies
