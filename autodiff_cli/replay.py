"""The one forward re-run of a built graph at new input values (--check, --at, sweeps).

Nodes are visited in id order, which is creation order and so topological,
through the same table of operations that built them: the values are the ones
a fresh evaluation of the edited program computes, to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from .engine import Value
from .ops import DomainError


class Failure(NamedTuple):
    """The first node whose forward step left its domain, and why (None: it overflowed)."""

    node: Value
    arguments: tuple[float, ...]
    error: DomainError | None


def replay(graph_nodes: Sequence[Value], overrides: dict[int, float]) -> tuple[list[float], Failure | None]:
    """Every node's value with some nodes' values replaced; nan from the first failure on.

    A step fails where a fresh evaluation would stop: its forward raises, or
    its result is not finite.
    """
    values: list[float] = []
    append = values.append
    failure: Failure | None = None
    for node in graph_nodes:
        replaced = overrides.get(node.id)
        if replaced is not None:
            append(replaced)
            continue
        op = node.op
        if op.__class__ is str:
            append(node.data)
            continue
        arguments = tuple(values[child.id] for child in node.children)
        try:
            value = op.forward(*arguments)  # type: ignore[union-attr]
        except (DomainError, ArithmeticError, ValueError) as error:
            value = math.nan
            if failure is None:
                failure = Failure(node, arguments, error if isinstance(error, DomainError) else None)
        else:
            if failure is None and not -math.inf < value < math.inf:
                failure = Failure(node, arguments, None)
        append(value)
    return values, failure


def forward_values(graph_nodes: Sequence[Value], overrides: dict[int, float]) -> list[float]:
    """Every node's value (indexed by id) with the nodes in `overrides` set; nan past a failure."""
    return replay(graph_nodes, overrides)[0]
