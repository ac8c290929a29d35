"""Where each gradient comes from: the steps of the one backward walk, grouped by the node they reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...core.engine import CONSTANT, Step, Value, backward_steps

if TYPE_CHECKING:
    from ...language.evaluate import Result
    from ..explain import ExplainEntry


def contributions(result: Result, explained: Iterable[ExplainEntry] | None = None) -> dict[int, list[Step]]:
    """For every node with a gradient on the output's path, the steps into it, in the walk's order.

    The steps are `engine.backward_steps`, the backward pass itself (taken from
    --explain's entries when it already ran): each node's steps, summed from 0
    in this order, give its gradient bit for bit.
    """
    into: dict[int, list[Step]] = {node.id: [] for node in result.order if node.op is not CONSTANT}
    steps: Iterable[Step] = (
        backward_steps(result.output, result.order, len(result.graph.nodes))
        if explained is None
        else (step for entry in explained for step in entry.steps)
    )
    for step in steps:
        into[step.child.id].append(step)
    return into


def users(result: Result, node: Value) -> list[tuple[Value, int]]:
    """Each use of `node` on the output's path: (the node using it, argument position), in backward order."""
    uses = []
    for user in reversed(result.order):
        for position, child in enumerate(user.children):
            if child is node:
                uses.append((user, position))
    return uses


def argument_positions(steps: list[Step]) -> list[int]:
    """The argument position of each step's child in its node (`a * a` gives two steps into a: 0, then 1)."""
    seen: dict[tuple[int, int], int] = {}
    positions = []
    for step in steps:
        key = (step.node.id, step.child.id)
        start = seen.get(key, -1) + 1
        position = next(i for i in range(start, len(step.node.children)) if step.node.children[i] is step.child)
        seen[key] = position
        positions.append(position)
    return positions
