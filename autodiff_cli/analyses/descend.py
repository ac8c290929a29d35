"""`--descend NAMES --lr RATE --steps N`: gradient descent on some inputs, the graph built once and re-run.

Each step is micrograd's training loop: the forward pass at the current
parameters (the `--at` re-run, core/replay.py), the backward pass (the one
walk, core/engine.py), then `p.data += -rate * p.grad` for every parameter.
Step 0 is the program as written; step N has taken N updates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..base.errors import EvaluationError, ProgramError, UsageError
from ..core.engine import INPUT, Value

if TYPE_CHECKING:
    from ..base.options import Options
    from ..language.evaluate import Graph, Result

#: The most steps a descent takes (each is a forward and a backward pass).
MOST_STEPS = 1_000_000


class DescentStep(NamedTuple):
    """One step: the loss and each parameter's value and gradient, before the step's update."""

    step: int
    loss: float
    values: tuple[float, ...]
    grads: tuple[float, ...]


class Descent(NamedTuple):
    """The whole descent: the parameters' keys, the rate and every step.

    `nodes` holds, for the page, each step's value and gradient of every node
    of the graph (by id), when asked for; otherwise it is empty.
    """

    keys: tuple[str, ...]
    rate: float
    steps: list[DescentStep]
    output: str
    nodes: list[tuple[list[float], list[float | None]]]


def parameter_names(texts: Sequence[str]) -> list[str]:
    """`--descend w1,b --descend c` as names, in order, each once."""
    names: list[str] = []
    for text in texts:
        for name in text.split(","):
            name = name.strip()
            if not name:
                raise UsageError(f"--descend {text}: write the inputs to train as NAME[,NAME...], as in --descend w,b")
            if name not in names:
                names.append(name)
    return names


def check_usage(options: Options) -> None:
    """What cannot go with --descend, before any program is read."""
    if not options.descend:
        return
    parameter_names(options.descend)
    if options.steps < 0 or options.steps > MOST_STEPS:
        raise UsageError(f"--steps {options.steps}: give a number of steps from 0 to {MOST_STEPS:,}")
    if not math.isfinite(options.lr) or options.lr <= 0:
        raise UsageError(f"--lr {options.lr!r}: the learning rate is a positive number, as in --lr 0.05")
    if options.sweep:
        raise UsageError("--descend moves the inputs itself: it cannot be combined with --sweep")
    if options.of is not None and "," in options.of:
        raise UsageError("--descend lowers one output: give --of one name")
    if options.format not in ("table", "json", "csv", "html"):
        raise UsageError(f"--descend gives table, json (JSON Lines), csv or html, not --format {options.format}")
    if options.plot is not None and options.plot == "-" and options.format != "table":
        raise UsageError(f"--plot draws in the terminal instead of the table: with --format {options.format}, write it to a file")
    for name in ("explain", "check", "hessian", "symbolic", "simplify", "compare", "why", "taylor", "emit"):
        if getattr(options, name):
            raise UsageError(f"--{name} shows one point: it cannot be combined with --descend")


def parameters(graph: Graph, names: Sequence[str]) -> list[tuple[str, Value]]:
    """Each name as inputs: a vector's elements (`w` -> `w[0]`, `w[1]`, ...) or one input; keyed as the report keys them."""
    from .at import resolve

    found: list[tuple[str, Value]] = []
    for name in names:
        vector = graph.vectors.get(name)
        if vector is not None:
            for index, node in enumerate(vector):
                if node.op is not INPUT:
                    why = "not an input (a number written in the program)"
                    raise UsageError(f"--descend {name}: its element {name}[{index}] is {why}")
                found.append((f"{name}[{index}]", node))
        else:
            found.append((name, resolve(graph, name, "--descend")))
    seen: set[int] = set()
    for key, node in found:
        if node.id in seen:
            raise UsageError(f"--descend: {key} is named twice")
        seen.add(node.id)
    return found


def descend(result: Result, options: Options, keep_nodes: bool = False) -> Descent:
    """Run the descent from the result's values; the graph is left at the last step's values and gradients."""
    from .at import apply

    graph = result.graph
    params = parameters(graph, parameter_names(options.descend))
    keys = tuple(key for key, _ in params)
    ids = [node.id for _, node in params]
    rate = options.lr
    of = options.of
    steps: list[DescentStep] = []
    snapshots: list[tuple[list[float], list[float | None]]] = []
    current = {node_id: graph.nodes[node_id].data for node_id in ids}
    for step in range(options.steps + 1):
        if step:
            try:
                graph = apply(graph, current)
            except ProgramError as error:
                raise _diverged(result, step, error.message) from None
            result = graph.differentiate(of)
        nodes = graph.nodes
        loss = result.output.data
        grads = tuple(float(nodes[node_id].grad) for node_id in ids)  # type: ignore[arg-type]  # inputs have grads
        if not math.isfinite(loss):
            raise _diverged(result, step, f"the loss is {loss}")
        bad = [key for key, grad in zip(keys, grads) if not math.isfinite(grad)]
        if bad:
            raise _diverged(result, step, f"the gradient of {bad[0]} is {grads[keys.index(bad[0])]}")
        steps.append(DescentStep(step, loss, tuple(current[node_id] for node_id in ids), grads))
        if keep_nodes:
            snapshots.append(([node.data for node in nodes], [node.grad for node in nodes]))
        if step < options.steps:
            # micrograd's update: p.data += -lr * p.grad
            current = {node_id: current[node_id] + -rate * grad for node_id, grad in zip(ids, grads)}
    return Descent(keys, rate, steps, result.output_name, snapshots)


def _diverged(result: Result, step: int, why: str) -> EvaluationError:
    graph = result.graph
    span = graph.span(result.output)
    return EvaluationError(
        f"the descent diverged at step {step}: {why}", span, "try a smaller --lr, or fewer --steps to see where it turns"
    )
