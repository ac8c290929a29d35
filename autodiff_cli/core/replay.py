"""The graph's forward pass run again at other input values, without parsing again.

The one re-run of the tool: `--check` steps an input, `--at` moves it.
Nodes are visited in id order, which is creation order and so topological.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .engine import Value
from .ops import DomainError


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
