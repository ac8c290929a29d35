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

import bisect
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..base.errors import ProgramError, UsageError
from ..core import arraymath  # first: without NumPy it raises the usage error naming the extra
from ..core.engine import CONSTANT, INPUT, Value
from ..core.ops import OPERATIONS, FloatMath
from ..language.evaluate import Graph, Result
from .at import inputs_by_key, resolve
from .points import Axis, PointError, Sweep, check_sweep_size, parse_sweep

if TYPE_CHECKING:
    from ..base.options import Options

np = arraymath.np

#: Most points evaluated together: large enough that NumPy's per-call cost vanishes,
#: small enough that every node's values stay in cache-sized arrays.
CHUNK = 1 << 14

#: Most memory one chunk's work may take (a value and a gradient of every node at
#: each of its points): a big program is swept in smaller chunks.
CHUNK_BYTES = 256 << 20


def parse_axis(graph: Graph, text: str) -> Axis:
    """`NAME=START:STOP:COUNT` -> the input and its COUNT evenly spaced values, both ends included.

    The memory the whole sweep will take is checked against its cap first
    (points.check_sweep_size), with this program's inputs, before NumPy
    allocates anything.
    """
    spec = parse_sweep(text)
    node = resolve(graph, spec.name, "--sweep")
    key = next(key for key, input_node in inputs_by_key(graph).items() if input_node is node)
    return Axis(key, node, evenly_spaced(spec.start, spec.stop, spec.points))


def evenly_spaced(start: float, stop: float, count: int) -> Any:
    """`count` values from `start` to `stop`, both ends exact, and none infinite however wide the range.

    NumPy's linspace steps by (stop - start) / (count - 1), which overflows
    from -1.7e308 to 1.7e308; there each value is start*(1-t) + stop*t
    instead, which cannot (the two terms have opposite signs).
    """
    with np.errstate(all="ignore"):
        values = np.linspace(start, stop, count)
        if not np.isfinite(values).all():
            t = np.linspace(0.0, 1.0, count)
            values = start * (1.0 - t) + stop * t
            values[0], values[-1] = start, stop
    return values


def check_axes(axes: Sequence[Axis], fixed: dict[int, float]) -> int:
    """The number of points of the grid; an input swept twice or also given --at is a usage error."""
    seen: set[int] = set()
    for axis in axes:
        if axis.node.id in seen:
            raise UsageError(f"--sweep {axis.key}: the same input is swept twice")
        if axis.node.id in fixed:
            raise UsageError(f"--sweep {axis.key}: the input is also given by --at")
        seen.add(axis.node.id)
    return math.prod(len(axis.values) for axis in axes)


def check_memory(graph: Graph, specs: Sequence[str], plot: bool) -> None:
    """The sweep's memory for this program (its inputs, its widest step) against the cap, before any array is made."""
    counts = [parse_sweep(text).points for text in specs]
    inputs = sum(1 for node in graph.nodes if node.op is INPUT)
    widest = max((len(node.children) for node in graph.nodes), default=1)
    check_sweep_size(counts, inputs, widest, plot)


def grid(axes: Sequence[Axis]) -> list[Any]:
    """Each axis's value at every point; the first --sweep varies slowest (rows of nested loops)."""
    meshes = np.meshgrid(*[axis.values for axis in axes], indexing="ij")
    return [mesh.ravel() for mesh in meshes]


def requested_sweep(result: Result, options: Options) -> Sweep:
    """The sweep `options` ask for (--sweep, with --at's inputs fixed at each point)."""
    from .at import overrides_for, parse_assignment

    check_memory(result.graph, options.sweep, options.plot is not None)
    fixed = overrides_for(result.graph, [parse_assignment(text) for text in options.at])
    return sweep(result, [parse_axis(result.graph, text) for text in options.sweep], fixed)


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
) -> tuple[Any, dict[int, Any], Mapping[int, PointError]]:
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
) -> tuple[Any, dict[int, Any], PointErrors]:
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
    # A step whose every reader keeps a nan or an infinity (IEEE +, -, *) shows its failures in
    # theirs: only the others are looked at, and a chunk where one fails is searched step by step.
    readers: list[list[Value]] = [[] for _ in nodes]
    for node in steps:
        for child in node.children:
            readers[child.id].append(node)
    watched = [
        not readers[node.id] or not all(reader.op.keeps_nonfinite for reader in readers[node.id])  # type: ignore[union-attr]
        for node in nodes
    ]
    del readers
    inputs = [node for node in nodes if node.op is INPUT]
    value = np.empty(count)
    grads = {node.id: np.empty(count) for node in inputs}
    backward_nodes = [node for node in reversed(order) if node.op.__class__ is not str]
    # A value and a gradient of every step at each point of a chunk: a big program takes fewer points at a time.
    chunk = max(1, min(CHUNK, CHUNK_BYTES // (16 * max(1, len(steps)))))
    failures = PointErrors(graph)

    for first in range(0, count, chunk):
        last = min(count, first + chunk)
        values: list[Any] = list(base)
        for node_id, column in columns.items():
            values[node_id] = column[first:last]
        failed = np.full(last - first, -1)
        suspect = False
        for node in steps:
            result = arraymath.forward(node.op, *[values[child.id] for child in node.children])  # type: ignore[arg-type]
            values[node.id] = result
            # One pass to ask whether any point failed here: a sum of finite values is
            # finite (or overflows, and the search finds no point).
            if watched[node.id] and not suspect:
                suspect = not math.isfinite(np.add.reduce(result, axis=None))
        if suspect:
            for node in steps:
                result = values[node.id]
                if not math.isfinite(np.add.reduce(result, axis=None)):
                    failed[~np.isfinite(result) & (failed < 0)] = node.id
        if base_failure is not None:
            failed[(failed < 0) | (failed > base_failure)] = base_failure

        point_grads = _backward(backward_nodes, output, values, varying, careful=False)
        if not all(_finite_where_ok(point_grads.get(node.id, 0.0), failed) for node in inputs):
            point_grads = _backward(backward_nodes, output, values, varying)
        value[first:last] = values[output.id]
        for node in inputs:
            # + 0.0: the engine's sums start at +0.0, so a zero gradient is never -0.0.
            grads[node.id][first:last] = point_grads.get(node.id, 0.0) + 0.0
        failures.add(first, failed, values)
    for rows in failures.row_arrays():
        value[rows] = math.nan
        for column in grads.values():
            column[rows] = math.nan
    return value, grads, failures


class PointErrors(Mapping[int, PointError]):
    """The failed points of a sweep by row, each error made when it is read.

    A sweep can fail at every one of millions of points; made at once, each
    error would take hundreds of bytes.  Kept here, a chunk at a time: the
    row, the step that failed and its arguments there (a few numbers a
    point), from which `_point_error` makes the message `eval --at` gives.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # One part a chunk with failures: (rows ascending, the failed step's id at each, its arguments there).
        self._parts: list[tuple[Any, Any, Any]] = []
        self._firsts: list[int] = []

    def add(self, first: int, failed: Any, values: list[Any]) -> None:
        """A chunk's failures: `failed` holds, for each of its points, the id of the step that failed or -1."""
        rows = np.flatnonzero(failed >= 0)
        if not len(rows):
            return
        steps = failed[rows]
        nodes = self.graph.nodes
        width = max(len(nodes[node_id].children) for node_id in np.unique(steps).tolist())
        arguments = np.full((len(rows), width), math.nan)
        for node_id in np.unique(steps).tolist():
            mine = np.flatnonzero(steps == node_id)
            for place, child in enumerate(nodes[node_id].children):
                arguments[mine, place] = np.broadcast_to(values[child.id], failed.shape)[rows[mine]]
        self._parts.append((rows + first, steps, arguments))
        self._firsts.append(first + int(rows[0]))

    def row_arrays(self) -> Iterator[Any]:
        """The failed rows, a chunk's at a time."""
        return (rows for rows, _, _ in self._parts)

    def __len__(self) -> int:
        return sum(len(rows) for rows, _, _ in self._parts)

    def __iter__(self) -> Iterator[int]:
        for rows in self.row_arrays():
            yield from rows.tolist()

    def __contains__(self, row: object) -> bool:
        return isinstance(row, (int, np.integer)) and self._find(int(row)) is not None

    def __getitem__(self, row: int) -> PointError:
        found = self._find(int(row))
        if found is None:
            raise KeyError(row)
        part, index = found
        _, steps, arguments = self._parts[part]
        node = self.graph.nodes[int(steps[index])]
        return _point_error(self.graph, node, tuple(arguments[index, : len(node.children)].tolist()))

    def get(self, row: int, default: Any = None) -> Any:
        """The error at `row`, or `default` for the (many) rows that did not fail, without raising."""
        return self[row] if self._find(int(row)) is not None else default

    def _find(self, row: int) -> tuple[int, int] | None:
        part = bisect.bisect_right(self._firsts, row) - 1
        if part < 0:
            return None
        rows = self._parts[part][0]
        index = int(np.searchsorted(rows, row))
        if index < len(rows) and rows[index] == row:
            return part, index
        return None


_POW = OPERATIONS["pow"]


def _finite_where_ok(grad: Any, failed: Any) -> bool:
    """Whether a gradient is finite at every point that did not fail (`failed` < 0 there)."""
    if math.isfinite(np.add.reduce(grad, axis=None)):
        return True
    return not np.any(~np.isfinite(grad) & (failed < 0))


def _backward(
    backward_nodes: list[Value], output: Value, values: list[Any], varying: list[bool], careful: bool = True
) -> dict[int, Any]:
    """engine.backward on arrays: the same walk, the same order of sums, the same skip of zero grads.

    Where a node's grad is 0 at a point, nothing flows back, even times an
    infinite local derivative (0 * inf is nan): the engine skips such a node.
    `careful` asks of every contribution whether it holds a non-finite number
    and zeroes it there; without, the walk only multiplies and adds (and
    passes a grad on as it is where the local derivative is 1), which gives
    the same numbers wherever every input's gradient comes out finite: a nan
    or an infinity never leaves a node's grad on its way to the inputs.
    """
    grads: dict[int, Any] = {output.id: 1.0}
    # The ids whose array in `grads` is this walk's own to add to in place (not another node's, not a value).
    own: set[int] = set()
    get = grads.get
    for node in backward_nodes:
        grad = get(node.id)
        if grad is None:
            continue
        scalar_grad = not isinstance(grad, np.ndarray)
        if scalar_grad and grad == 0.0:
            continue
        children = node.children
        arguments = [values[child.id] for child in children]
        arguments.append(values[node.id])
        if not varying[node.id]:  # nor are its inputs: every argument is one number
            local = node.op.derivatives(FloatMath, *arguments)  # type: ignore[union-attr]
        elif node.op is _POW and children[1].op is CONSTANT:
            # x ** 2: the exponent's rule (a log at every point) would be thrown away.
            local = (arraymath.ArrayMath.power_rule(arguments[0], arguments[1]), 0.0)
        else:
            local = arraymath.derivatives(node.op, *arguments)  # type: ignore[arg-type]
        for child, derivative in zip(children, local):
            if child.op is CONSTANT:
                continue
            if derivative.__class__ is float and derivative == 1.0:
                contribution, fresh = grad, False  # 1 * grad is grad, to the bit
            elif scalar_grad and grad == 1.0:
                contribution, fresh = derivative, False
            else:
                contribution, fresh = derivative * grad, True
                if careful and not scalar_grad and not math.isfinite(np.add.reduce(contribution, axis=None)):
                    contribution = np.where(grad == 0.0, 0.0, contribution)
            # Accumulate, never assign: a node used twice gets both uses.  The first use is
            # stored as it is; a zero whose sign differs from the engine's +0.0 start is made
            # +0.0 when the inputs' grads are read.
            earlier = get(child.id)
            if earlier is None:
                grads[child.id] = contribution
                if fresh and isinstance(contribution, np.ndarray):
                    own.add(child.id)
            elif child.id in own and np.shape(contribution) == earlier.shape:
                np.add(earlier, contribution, out=earlier)
            else:
                total = grads[child.id] = earlier + contribution
                if isinstance(total, np.ndarray):
                    own.add(child.id)
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
    errors = data.errors
    if isinstance(errors, PointErrors):
        for rows in errors.row_arrays():
            ok[rows] = False
    else:
        ok[np.fromiter(errors, dtype=np.int64, count=len(errors))] = False
    bad = {key: ok & ~np.isfinite(data.grads[key]) for key in data.keys}
    keys = [key for key, rows in bad.items() if rows.any()]
    if not keys:
        return 0, []
    return int(np.logical_or.reduce([bad[key] for key in keys]).sum()), keys
