"""`--sweep NAME=START:STOP:COUNT`: the output and its gradient at every point of a grid.

The graph is built once.  Its forward and backward passes then run on NumPy
arrays, all points at once, through the table of operations on `ArrayMath`:
the same rules, kink choices and order of accumulation as the scalar pass.
NumPy's ufuncs round a few functions differently from the C library, so a
point's numbers agree with the ones `eval --at` gives there within the bound
of docs/sweeps.md, not to the bit.  A point outside a domain does not stop
the sweep: its row is nan, with the error `eval --at` would report there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..base.errors import ProgramError, UsageError
from ..core import arraymath  # first: without NumPy it raises the usage error naming the extra
from ..core.engine import CONSTANT, INPUT, Value
from ..core.ops import OPERATIONS, FloatMath
from ..language.evaluate import Graph, Result
from .at import inputs_by_key, parse_number, resolve
from .points import Axis, PointError, Sweep

np = arraymath.np

#: Points evaluated together: large enough that NumPy's per-call cost vanishes,
#: small enough that every node's values stay in cache-sized arrays.
CHUNK = 1 << 14

#: Most points a sweep may have (a grid grows as the product of its counts).
MAX_POINTS = 100_000_000


def parse_axis(graph: Graph, text: str) -> Axis:
    """`NAME=START:STOP:COUNT` -> the input and its COUNT evenly spaced values, both ends included."""
    name, equals, spec = text.partition("=")
    name = name.strip()
    parts = spec.split(":")
    if not equals or not name or len(parts) != 3:
        raise UsageError(f"--sweep {text}: write it as NAME=START:STOP:COUNT, as in --sweep x=-1:1:21")
    option = f"--sweep {name}"
    start, stop = parse_number(option, parts[0]), parse_number(option, parts[1])
    count_text = parts[2].strip()
    if not count_text.isdigit() or int(count_text) < 1:
        raise UsageError(f"{option}: COUNT must be a whole number of points, at least 1 (not '{count_text}')")
    node = resolve(graph, name, "--sweep")
    key = next(key for key, input_node in inputs_by_key(graph).items() if input_node is node)
    return Axis(key, node, np.linspace(start, stop, int(count_text)))


def check_axes(axes: Sequence[Axis], fixed: dict[int, float]) -> int:
    """The number of points of the grid; an input swept twice or also given --at is a usage error."""
    seen: set[int] = set()
    for axis in axes:
        if axis.node.id in seen:
            raise UsageError(f"--sweep {axis.key}: the same input is swept twice")
        if axis.node.id in fixed:
            raise UsageError(f"--sweep {axis.key}: the input is also given by --at")
        seen.add(axis.node.id)
    count = math.prod(len(axis.values) for axis in axes)
    if count > MAX_POINTS:
        raise UsageError(f"--sweep: {count:,} points is more than the {MAX_POINTS:,} a sweep may have")
    return count


def grid(axes: Sequence[Axis]) -> list[Any]:
    """Each axis's value at every point; the first --sweep varies slowest (rows of nested loops)."""
    meshes = np.meshgrid(*[axis.values for axis in axes], indexing="ij")
    return [mesh.ravel() for mesh in meshes]


def sweep(result: Result, axes: Sequence[Axis], fixed: dict[int, float]) -> Sweep:
    """Evaluate and differentiate `result`'s program at every point of the grid of `axes`.

    `fixed` holds --at values (node id -> value) for the inputs not swept.
    """
    graph, output = result.graph, result.output
    check_axes(axes, fixed)
    keys_by_node = {node.id: key for key, node in inputs_by_key(graph).items()}
    columns = dict(zip((axis.node.id for axis in axes), grid(axes)))
    count = len(next(iter(columns.values())))
    value, grads, failures = at_points(graph, result.order, output, columns, fixed, count)
    inputs = {}
    for node_id, key in keys_by_node.items():
        column = columns.get(node_id)
        if column is None:
            column = np.full(count, fixed.get(node_id, graph.nodes[node_id].data))
        inputs[key] = column
    return Sweep(
        output=result.output_name,
        keys=list(keys_by_node.values()),
        axes=list(axes),
        inputs=inputs,
        value=value,
        grads={keys_by_node[node_id]: grad for node_id, grad in grads.items()},
        errors=failures,
        source=graph.source,
    )


def at_points(
    graph: Graph, order: list[Value], output: Value, columns: dict[int, Any], fixed: dict[int, float], count: int
) -> tuple[Any, dict[int, Any], dict[int, PointError]]:
    """The output's value and every input's gradient (by node id) at `count` points, and the points that fail.

    `columns` holds the moving inputs (node id -> an array of `count` values),
    `fixed` the others moved to one value; `order` is the output's
    topological order.  A sweep's grid is one way to make the columns; a
    library call on arrays is another.  No node is written.
    """
    with np.errstate(all="ignore"):
        if graph.formulas:
            return _pointwise(graph, output, columns, fixed, count)
        return _vectorised(graph, order, output, columns, fixed, count)


def _vectorised(
    graph: Graph, order: list[Value], output: Value, columns: dict[int, Any], fixed: dict[int, float], count: int
) -> tuple[Any, dict[int, Any], dict[int, PointError]]:
    nodes = graph.nodes
    varying = [False] * len(nodes)
    for node in nodes:
        varying[node.id] = node.id in columns or any(varying[child.id] for child in node.children)
    # The nodes no swept input reaches have one value at every point: computed once,
    # by the same array forwards (so nan or inf where a step fails).
    base: list[Any] = [math.nan] * len(nodes)
    for node in nodes:
        if varying[node.id]:
            continue
        if node.id in fixed:
            base[node.id] = fixed[node.id]
        elif node.op.__class__ is str:
            base[node.id] = node.data
        else:
            base[node.id] = float(arraymath.forward(node.op, *[base[child.id] for child in node.children]))  # type: ignore[arg-type]
    # A step no swept input reaches that fails, fails at every point.
    base_failure = next((i for i, v in enumerate(base) if not varying[i] and not -math.inf < v < math.inf), None)
    steps = [node for node in nodes if varying[node.id] and node.id not in columns]
    inputs = [node for node in nodes if node.op is INPUT]
    value = np.empty(count)
    grads = {node.id: np.empty(count) for node in inputs}
    errors: dict[int, PointError] = {}
    backward_nodes = [node for node in reversed(order) if node.op.__class__ is not str]

    for first in range(0, count, CHUNK):
        last = min(count, first + CHUNK)
        values: list[Any] = list(base)
        for node_id, column in columns.items():
            values[node_id] = column[first:last]
        failed = np.full(last - first, -1)
        for node in steps:
            result = arraymath.forward(node.op, *[values[child.id] for child in node.children])  # type: ignore[arg-type]
            values[node.id] = result
            # One pass to ask whether any point failed here: a sum of finite values is
            # finite (or overflows, and the second pass finds no point).
            if not math.isfinite(np.add.reduce(result, axis=None)):
                bad = ~np.isfinite(result)
                failed[bad & (failed < 0)] = node.id
        if base_failure is not None:
            failed[(failed < 0) | (failed > base_failure)] = base_failure

        point_grads = _backward(backward_nodes, output, values)
        value[first:last] = values[output.id]
        for node in inputs:
            # + 0.0: the engine's sums start at +0.0, so a zero gradient is never -0.0.
            grads[node.id][first:last] = point_grads.get(node.id, 0.0) + 0.0
        for row in np.flatnonzero(failed >= 0).tolist():
            node = nodes[int(failed[row])]
            arguments = tuple(float(np.broadcast_to(values[child.id], failed.shape)[row]) for child in node.children)
            errors[first + row] = _point_error(graph, node, arguments)
    if errors:
        rows = np.fromiter(errors, dtype=np.int64, count=len(errors))
        value[rows] = math.nan
        for column in grads.values():
            column[rows] = math.nan
    return value, grads, errors


_POW = OPERATIONS["pow"]


def _backward(backward_nodes: list[Value], output: Value, values: list[Any]) -> dict[int, Any]:
    """engine.backward on arrays: the same walk, the same order of sums, the same skip of zero grads."""
    grads: dict[int, Any] = {output.id: 1.0}
    get = grads.get
    for node in backward_nodes:
        grad = get(node.id)
        if grad is None:
            continue
        scalar_grad = np.ndim(grad) == 0
        if scalar_grad and grad == 0.0:
            continue
        children = node.children
        arguments = [values[child.id] for child in children]
        arguments.append(values[node.id])
        if all(np.ndim(argument) == 0 for argument in arguments):
            local = node.op.derivatives(FloatMath, *arguments)  # type: ignore[union-attr]
        elif node.op is _POW and children[1].op is CONSTANT:
            # x ** 2: the exponent's rule (a log at every point) would be thrown away.
            local = (arraymath.ArrayMath.power_rule(arguments[0], arguments[1]), 0.0)
        else:
            local = arraymath.derivatives(node.op, *arguments)  # type: ignore[arg-type]
        for child, derivative in zip(children, local):
            if child.op is CONSTANT:
                continue
            contribution = derivative * grad
            if not scalar_grad and not math.isfinite(np.add.reduce(contribution, axis=None)):
                # Where this node's grad is 0, nothing flows back, even times an infinite
                # local derivative (0 * inf is nan): the engine skips such a node.
                contribution = np.where(grad == 0.0, 0.0, contribution)
            # Accumulate, never assign: a node used twice gets both uses.  The first use is
            # stored as it is (a fresh array, so later uses add in place); a zero whose
            # sign differs from the engine's +0.0 start is made +0.0 when the inputs' grads are read.
            earlier = get(child.id)
            if earlier is None:
                grads[child.id] = contribution
            elif isinstance(earlier, np.ndarray) and np.shape(contribution) == earlier.shape:
                np.add(earlier, contribution, out=earlier)
            else:
                grads[child.id] = earlier + contribution
    return grads


def _point_error(graph: Graph, node: Value, arguments: tuple[float, ...]) -> PointError:
    from .at import step_error

    return _located(graph, step_error(graph, node, arguments))


def _located(graph: Graph, error: ProgramError) -> PointError:
    line, column = graph.source.line_and_column(error.span[0]) if error.span is not None else (0, 0)
    return PointError(error.message, line, column, error)  # type: ignore[arg-type]


def _pointwise(
    graph: Graph, output: Value, columns: dict[int, Any], fixed: dict[int, float], count: int
) -> tuple[Any, dict[int, Any], dict[int, PointError]]:
    """A program with `grad()`: each point evaluated from its edited text (slow, but its branches are right)."""
    from ..base.errors import Source
    from .at import edited_text, evaluate_edited

    inputs = [node for node in graph.nodes if node.op is INPUT]
    value = np.full(count, math.nan)
    grads = {node.id: np.full(count, math.nan) for node in inputs}
    errors: dict[int, PointError] = {}
    of = None if output is graph.last else graph.label(output)
    for row in range(count):
        overrides = dict(fixed)
        for node_id, column in columns.items():
            overrides[node_id] = float(column[row])
        try:
            edited = evaluate_edited(graph, overrides)
            point = edited.differentiate(of)
        except ProgramError as error:
            # The place in the edited text: the same line, a column that may have moved with the literal.
            line, column = Source(graph.source.name, edited_text(graph, overrides)).line_and_column((error.span or (0, 0))[0])
            errors[row] = PointError(error.message, line, column, error)  # type: ignore[arg-type]
            continue
        value[row] = point.value
        edited_inputs = [node for node in edited.nodes if node.op is INPUT]
        for node, edited_node in zip(inputs, edited_inputs):
            grads[node.id][row] = edited_node.grad
    return value, grads, errors


def non_finite_gradients(data: Sweep) -> tuple[int, list[str]]:
    """How many points (failed ones aside) have a nan or infinite gradient, and of which inputs."""
    ok = np.ones(data.size, dtype=bool)
    ok[list(data.errors)] = False
    bad = {key: ok & ~np.isfinite(data.grads[key]) for key in data.keys}
    keys = [key for key, rows in bad.items() if rows.any()]
    if not keys:
        return 0, []
    return int(np.logical_or.reduce([bad[key] for key in keys]).sum()), keys
