"""The classic wrong backward passes, run on a program beside the real one, for teaching.

Each variant is the correct pass with one thing changed, as people write it
by hand (see docs/teaching.md).  They share the correct pass's conventions:
the output starts at 1, local derivatives come from the table of operations,
inputs of a node are taken in argument order, and a node whose gradient is 0
passes 0 on (never 0 * inf).  Gradients live in dictionaries by node id:
no variant ever writes a node's `grad`.

- overwrite: each use assigns its contribution (`=`) instead of adding it
  (`+=`).  Nodes are visited in the correct backward order (reversed
  topological order), inputs of a node in argument order, so of a node's
  uses the one visited last is the one kept.
- no-sort: no topological order.  A walk from the output, depth first as a
  recursive walk over each node's inputs in argument order would go (a
  node's first input and everything under it before its second input);
  each node is handled the first time the walk arrives at it and passes on
  the gradient it holds then; what uses handled later add stays with it.
- no-reset: `backward()` called a second time without zeroing, as micrograd
  0.1.0 does: the output's gradient is set to 1 again and every other
  gradient is added onto what the first call left, so a node passes on its
  already-accumulated gradient.  micrograd makes `a - b` as `a + b * -1` and
  `a / b` as `a * b**-1`: the second argument reaches the result through a
  node of its own, whose gradient piles up too, and this walk keeps that
  node's gradient as well (its first call's is the result's, times the same
  local derivative), so its numbers are micrograd's after two calls, up to
  rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ...core.engine import CONSTANT, FloatMath, Value

if TYPE_CHECKING:
    from ...language.evaluate import Result

VARIANTS = ("overwrite", "no-sort", "no-reset")


class Received(NamedTuple):
    """One contribution a node received in a variant's walk."""

    user: Value
    amount: float
    user_grad: float  # the user's gradient when it passed this on
    after_pass: bool  # arrived after the receiving node had already passed its own on (no-sort)
    through: str | None = None  # no-reset: micrograd's node between them ("b * -1", "b**-1")


class Walk(NamedTuple):
    """A variant's gradients by node id, and what each node received, in order."""

    variant: str
    grads: dict[int, float]
    received: dict[int, list[Received]]
    passed: dict[int, float]  # the gradient each node held when it passed it on
    first: dict[int, float]  # no-reset: the gradients left by the first call


def _locals(node: Value) -> Sequence[float]:
    return node.op.derivatives(FloatMath, *[child.data for child in node.children], node.data)  # type: ignore[union-attr]


def _contribution(local: float, grad: float) -> float:
    return local * grad if grad != 0.0 else 0.0


def _pass_on(node: Value, grads: dict[int, float], walk: Walk, assign: bool, stale: dict[int, float] | None = None) -> None:
    """Pass `node`'s gradient to its inputs; `stale`: no-reset's first-call gradients, for micrograd's hidden nodes."""
    grad = grads[node.id]
    walk.passed[node.id] = grad
    op = node.op
    hidden = (op.micrograd_operand or None) if stale is not None and not isinstance(op, str) else None
    for index, (child, local) in enumerate(zip(node.children, _locals(node))):
        if child.op is CONSTANT:
            continue
        held, through = grad, None
        if hidden is not None and index == 1:
            # The hidden node (-b, or b**-1) kept what the first call gave it, which was the
            # result's gradient then (times the first factor of the local derivative, for /).
            held, through = grad + stale[node.id], hidden  # type: ignore[index]
        amount = _contribution(local, held)
        if assign:
            grads[child.id] = amount
        else:
            grads[child.id] += amount
        walk.received[child.id].append(Received(node, amount, held, child.id in walk.passed, through))


def _start(variant: str, result: Result, grads: dict[int, float] | None = None) -> Walk:
    nodes = [node for node in result.order if node.op is not CONSTANT]
    if grads is None:
        grads = {node.id: 0.0 for node in nodes}
    first = dict(grads)
    grads[result.output.id] = 1.0
    return Walk(variant, grads, {node.id: [] for node in nodes}, {}, first)


def overwrite(result: Result) -> Walk:
    """Reversed topological order, each use assigning its contribution: the last use visited wins."""
    walk = _start("overwrite", result)
    for node in reversed(result.order):
        if node.children:
            _pass_on(node, walk.grads, walk, assign=True)
    return walk


def no_sort(result: Result) -> Walk:
    """Depth first from the output, each node passing on what it holds when first reached."""
    walk = _start("no-sort", result)
    seen: set[int] = set()
    stack = [result.output]
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        if not node.children:
            continue
        _pass_on(node, walk.grads, walk, assign=False)
        stack.extend(child for child in reversed(node.children) if child.id not in seen)
    return walk


def no_reset(result: Result) -> Walk:
    """A second correct pass added onto the first one's gradients, the output set to 1 again."""
    first = {node.id: node.grad for node in result.order if node.op is not CONSTANT}
    walk = _start("no-reset", result, dict(first))  # type: ignore[arg-type]
    for node in reversed(result.order):
        if node.children:
            _pass_on(node, walk.grads, walk, assign=False, stale=first)  # type: ignore[arg-type]
    return walk


RUN = {"overwrite": overwrite, "no-sort": no_sort, "no-reset": no_reset}


def parse_variants(text: str) -> tuple[str, ...]:
    """`all` or a comma-separated list of variant names, in the canonical order; ValueError otherwise."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names or names == ["all"]:
        return VARIANTS
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown mistake '{unknown[0]}': choose from {', '.join(VARIANTS)} (or all)")
    return tuple(name for name in VARIANTS if name in names)


def same(x: float | None, y: float | None) -> bool:
    """Equal, with nan equal to nan (a variant that agrees on a nan gradient does not differ)."""
    if x is None or y is None:
        return x is y
    return x == y or (math.isnan(x) and math.isnan(y))
