"""Forward mode and Jacobians: the same local derivatives, pushed the other way.

Reverse mode (`engine.backward`, `engine.gradients`) carries d(output)/d(node) from the output
down, one pass per output.  Forward mode carries d(node)/d(input) from one
input up, one pass per input: every node's tangent is the sum, over its
arguments, of the local derivative times the argument's tangent.  The local
derivatives are the table's (`ops.OPERATIONS`, evaluated with `FloatMath`),
so the kink policy is the same in both directions and nothing is written twice.

Where a local derivative is infinite or nan (`sqrt'(0)`, d/dy of a negative
base's power), each mode skips what it cannot feel: reverse mode a node whose
gradient is 0, forward mode an argument whose tangent is 0.  Both are exact
transposes of each other on every program without such a pole; see docs/modes.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .engine import CONSTANT, INPUT, Value, gradients, topological_order
from .ops import FloatMath

FORWARD, REVERSE = "forward", "reverse"
MODES = (REVERSE, FORWARD)


class TangentStep(NamedTuple):
    """A node's tangent in one forward pass: its arguments' local derivatives and tangents, and the sum.

    The argument terms are `local[i] * moved[i]`, taken as 0 where `moved[i]`
    is 0 (an argument that does not move contributes nothing, even through
    an infinite local derivative).
    """

    node: Value
    local: tuple[float, ...]  # d(node)/d(argument i), from the table
    moved: tuple[float, ...]  # argument i's tangent
    tangent: float


def tangent_steps(order: Sequence[Value], seed: Value) -> Iterator[TangentStep]:
    """THE forward-mode walk: one step per operation node of `order` that moves with `seed`.

    `order` is topological (every node after its arguments), so each tangent
    is final when it is first read.  Leaves are not yielded (the seed's
    tangent is 1, every other leaf's 0), nor are nodes none of whose
    arguments moves: their tangent is 0 even where a local derivative is
    infinite, the transpose of `engine.backward` skipping a node whose
    gradient is 0.
    """
    tangents: dict[int, float] = {seed.id: 1.0}
    get = tangents.get
    m = FloatMath
    for node in order:
        op = node.op
        if op.__class__ is str:
            continue
        children = node.children
        if len(children) == 2:
            a, b = children
            ta, tb = get(a.id, 0.0), get(b.id, 0.0)
            if ta == 0.0 and tb == 0.0:
                continue
            local = op.derivatives(m, a.data, b.data, node.data)  # type: ignore[union-attr]
            moved: tuple[float, ...] = (ta, tb)
            tangent = (local[0] * ta if ta != 0.0 else 0.0) + (local[1] * tb if tb != 0.0 else 0.0)
        else:
            moved = tuple(get(child.id, 0.0) for child in children)
            if not any(moved):
                continue
            local = op.derivatives(m, *[child.data for child in children], node.data)  # type: ignore[union-attr]
            tangent = 0.0
            for d, t in zip(local, moved):
                if t != 0.0:
                    tangent += d * t
        tangents[node.id] = tangent
        yield TangentStep(node, local, moved, tangent)


def tangents(order: Sequence[Value], seed: Value) -> dict[int, float]:
    """d(node)/d(seed) by id for the nodes of `order` that move with `seed` (absent: 0)."""
    result = {seed.id: 1.0}
    for step in tangent_steps(order, seed):
        result[step.node.id] = step.tangent
    return result


def forward_gradient(output: Value, inputs: Sequence[Value], order: Sequence[Value] | None = None) -> list[float]:
    """d(output)/d(input) for each input, one forward pass per input."""
    if order is None:
        order = topological_order(output)
    reached = {node.id for node in order}
    gradient = []
    for x in inputs:
        if x.id not in reached:
            gradient.append(0.0)
            continue
        gradient.append(tangents(order, x).get(output.id, 0.0))
    return gradient


class Jacobian(NamedTuple):
    """d(output i)/d(input j), and how it was computed."""

    outputs: list[Value]
    inputs: list[Value]
    rows: list[list[float]]
    mode: str  # "reverse": one backward pass per output; "forward": one forward pass per input
    passes: int


def jacobian_inputs(outputs: Sequence[Value]) -> list[Value]:
    """The inputs any of `outputs` depends on, in creation order."""
    return sorted((node for node in _union_order(outputs) if node.op is INPUT), key=lambda node: node.id)


def cheaper_mode(outputs: int, inputs: int) -> str:
    """One reverse pass per output or one forward pass per input: whichever is fewer (reverse on a tie)."""
    return FORWARD if inputs < outputs else REVERSE


def jacobian(
    outputs: Sequence[Value], inputs: Sequence[Value] | None = None, mode: str | None = None, size: int | None = None
) -> Jacobian:
    """The Jacobian of `outputs` over `inputs` (by default every input they depend on).

    Each reverse pass keeps its gradients apart (`engine.gradients`), so no
    node's `grad` changes.  `size`: every node's id is its own, in range(size)
    (a `Graph`'s are), which lets the passes keep their sums by id.
    """
    outputs = list(outputs)
    inputs = jacobian_inputs(outputs) if inputs is None else list(inputs)
    mode = mode or cheaper_mode(len(outputs), len(inputs))
    rows: list[list[float]] = [[0.0] * len(inputs) for _ in outputs]
    if mode == REVERSE:
        for i, output in enumerate(outputs):
            grads = gradients(output, None, size)
            rows[i] = [grads[x] for x in inputs]
        return Jacobian(outputs, list(inputs), rows, REVERSE, len(outputs))
    # One forward pass per input over the union of the outputs' graphs.
    order = _union_order(outputs)
    for j, x in enumerate(inputs):
        moved = tangents(order, x)
        for i, output in enumerate(outputs):
            rows[i][j] = moved.get(output.id, 0.0)
    return Jacobian(outputs, list(inputs), rows, FORWARD, len(inputs))


def _union_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node any output depends on, each after its arguments: one walk from a root above them all."""
    above = Value(0.0, CONSTANT, tuple(outputs))
    return topological_order(above)[:-1]
