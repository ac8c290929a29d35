"""What every view reads: a result, the options it was made under, and the unique key of every input."""

from __future__ import annotations

import math

from ..base.typing_lite import TYPE_CHECKING
from ..core.engine import INPUT, Value

if TYPE_CHECKING:
    from ..base.options import Options
    from ..language.evaluate import Result


class Subject:
    """A `Result` and its options, with each input keyed once (the report adds the views to it).

    Views read it and never write the graph.  The gradient a view shows as a
    node's is `grad(node)`: in forward mode an input's is forward mode's
    (docs/modes.md), otherwise it is the backward pass's `node.grad`.  Views
    of the backward pass itself (--explain, --why, --compare, the quiz) show
    its own numbers, which their steps add up to.
    """

    def __init__(self, result: Result, options: Options) -> None:
        self.result = result
        self.options = options
        self.keys = input_keys(result)
        self._forward: tuple[list[Value], list[float]] | None = None
        self._shown: dict[int, float] | None = None

    def forward_gradients(self) -> tuple[list[Value], list[float]]:
        """The inputs the output depends on and d(output)/d(input) by forward passes, computed once."""
        if self._forward is None:
            from ..core.tangents import forward_gradient

            result = self.result
            inputs = result.dependent_inputs()
            self._forward = inputs, forward_gradient(result.output, inputs, result.order)
        return self._forward

    def shown_gradients(self) -> dict[int, float]:
        """node id -> the gradient shown in place of `node.grad`: forward mode's inputs' (--mode forward), else none."""
        if self._shown is None:
            self._shown = {}
            if self.options.mode == "forward":
                inputs, gradient = self.forward_gradients()
                self._shown = {node.id: value for node, value in zip(inputs, gradient)}
        return self._shown

    def grad(self, node: Value) -> float | None:
        """The gradient every view shows for `node` (None for a constant)."""
        shown = self.shown_gradients()
        return shown.get(node.id, node.grad) if shown else node.grad

    def non_finite(self) -> list[Value]:
        """Nodes whose gradient, as shown, is nan or infinite (for a warning)."""
        if not self.shown_gradients():  # the common case, inline: the loop runs once a node
            # x - x is 0.0 for every finite float and nan for inf and nan.
            return [node for node in self.result.order if (value := node.grad) is not None and value - value != 0.0]
        grad = self.grad
        return [node for node in self.result.order if (value := grad(node)) is not None and not math.isfinite(value)]

    @property
    def output(self) -> Value:
        return self.result.output

    @property
    def output_name(self) -> str:
        return self.result.output_name

    def input_key(self, node: Value) -> str:
        """An input's unique key: its name, or `name@LINE` once a later binding took the name."""
        return self.keys[node.id]

    def label(self, node: Value) -> str:
        """How a node is named in every view: an input by its key, anything else as the graph names it."""
        key = self.keys.get(node.id)
        return key if key is not None else self.result.label(node)


def input_keys(result: Result) -> dict[int, str]:
    """node id -> key for every input; a key never repeats.

    The input a name is bound to at the end keeps the plain name; an input
    whose name was later rebound (`a = 1; b = 2*a; a = 3`) is `a@1`, by the line
    of its binding, or `a@1:8` when two such inputs share a name and a line.
    `@` cannot occur in a name, so a key never collides with one.
    """
    graph = result.graph
    keys: dict[int, str] = {}
    shadowed: list[Value] = []
    for node in graph.nodes:
        if node.op is not INPUT:
            continue
        name = node.name or result.label(node)
        if graph.names.get(name) is node:
            keys[node.id] = name
        else:
            shadowed.append(node)
    places = {node.id: graph.source.line_and_column(graph.starts[node.id]) for node in shadowed}
    by_line: dict[tuple[str | None, int], int] = {}
    for node in shadowed:
        line = places[node.id][0]
        by_line[node.name, line] = by_line.get((node.name, line), 0) + 1
    for node in shadowed:
        line, column = places[node.id]
        name = node.name or result.label(node)
        keys[node.id] = f"{name}@{line}" if by_line[node.name, line] == 1 else f"{name}@{line}:{column}"
    return keys
