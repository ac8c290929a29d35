"""autodiff as a Python library: a program compiled once, then called at any input values.

`compile` parses and builds the graph once.  A call re-runs it forward at the
values given (`core.replay`, the re-run of `--at`) and walks it backward into
a list of its own (`replay.gradients`), so no call reads or leaves anything
in `Value.grad` or `Value.data`: two calls in any order give the same
answers.  NumPy arrays take the sweep's path (`analyses.sweep.at_points`):
one vectorised pass for every point.  A program that uses `grad()` is
evaluated again from its edited text at each call, as `--at` does, because
its derivative nodes took their branches at the values it was written with.

No Click, Rich or prompt_toolkit here: a script that imports the library
pays for none of them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any, Generic, NamedTuple, TypeVar, overload

from ..analyses.at import evaluate_edited, inputs_by_key, resolve, values_at
from ..base.errors import EvaluationError, ProgramError, Source, UsageError
from ..core.engine import INPUT, Value, topological_order
from ..core.replay import clone_at, gradients
from ..language.evaluate import Graph
from ..language.parse import parse

T = TypeVar("T")

#: What a call takes for one input: a number, or an array of them (NumPy's, or one of the array API).
Number = float | int
ArrayLike = Any


class ValueAndGrad(NamedTuple, Generic[T]):
    """The output's value and d(output)/d(input) for every input, by its key (`f.inputs`).

    `T` is `float` for a call on numbers, an array for a call on arrays.
    Unpacks as a pair: `value, grads = f(x=2.0)`.
    """

    value: T
    grads: dict[str, T]

    @property
    def grad(self) -> dict[str, T]:
        """`grads` under micrograd's name: `f(x=2.0).grad["x"]`."""
        return self.grads


class Jacobian(NamedTuple, Generic[T]):
    """d(output i)/d(input j) for the outputs given to `compile(of=...)` over every input."""

    outputs: list[str]
    inputs: list[str]
    values: list[T]  # each output's value
    rows: list[list[T]]  # rows[i][j] = d outputs[i] / d inputs[j]


class Hessian(NamedTuple):
    """The output's value and its second derivatives over the inputs it depends on."""

    value: float
    inputs: list[str]
    rows: list[list[float]]  # rows[i][j] = d2 output / d inputs[i] d inputs[j]


class Taylor(NamedTuple):
    """The first K derivatives of the output along one input, at one point."""

    input: str
    at: float
    coefficients: list[float]  # c_0..c_K: the k-th derivative over k!
    derivatives: list[float]  # d^k output / d input^k, k = 0..K


def compile(program: str | os.PathLike[str], of: str | Sequence[str] | None = None) -> Program:
    """Parse and build `program` once (its text, or a path to a file of it) for calling many times.

    `of` names the output (the last statement's node by default), or several
    outputs for `Program.jacobian`; a call differentiates the first.
    Raises ProgramError for a program that is wrong, UsageError for an `of`
    the program does not bind or a file that cannot be read.
    """
    if isinstance(program, os.PathLike):
        from .sources import read_file

        source = read_file(os.fspath(program))
    elif isinstance(program, str):
        source = Source("<program>", program)
    else:
        raise TypeError(f"compile() takes a program's text (str) or a path (os.PathLike), not {type(program).__name__}")
    graph = Graph(source)
    try:
        graph.run(parse(source.text))
    except ProgramError as error:
        error.source = source
        raise
    names = [of] if isinstance(of, str) else (None if of is None else list(of))
    if names is not None and not names:
        raise UsageError("of: name at least one output")
    return Program(graph, names)


class Program:
    """A compiled program: call it with input values (`f(x=2.0)`); it holds no state between calls."""

    def __init__(self, graph: Graph, outputs: list[str] | None) -> None:
        self._graph = graph
        self._of = outputs
        if outputs is None:
            self._outputs = [graph.output()]
            self._output_names = [graph.label(self._outputs[0])]
        else:
            self._outputs = []
            for name in outputs:
                try:
                    self._outputs.append(graph.output(name))
                except UsageError as error:
                    raise UsageError(str(error).removeprefix("--")) from None
            self._output_names = list(outputs)
        size = len(graph.nodes)
        self._orders = [topological_order(output, size) for output in self._outputs]
        keyed = inputs_by_key(graph)
        #: every input's key, in creation order
        self._keys = list(keyed)
        self._key_of = {node.id: key for key, node in keyed.items()}
        self._ids = {key: node.id for key, node in keyed.items()}
        # A later name bound to an input node (`a = 3; b = a`) also moves it, as --at does.
        for name, node in graph.names.items():
            if node.op is INPUT:
                self._ids.setdefault(name, node.id)
        self._position = {node.id: index for index, node in enumerate(keyed.values())}

    # -- what it is
    @property
    def inputs(self) -> list[str]:
        """Every input's key, in the order the program binds them (`name`, or `name@LINE` once rebound)."""
        return list(self._keys)

    @property
    def outputs(self) -> list[str]:
        """The outputs' names (one unless `compile(of=[...])` gave several)."""
        return list(self._output_names)

    @property
    def source(self) -> Source:
        return self._graph.source

    def __repr__(self) -> str:
        outputs = self._output_names[0] if len(self._outputs) == 1 else self._output_names
        return f"<autodiff program {outputs}({', '.join(self._keys)})>"

    # -- calls
    @overload
    def __call__(self, **inputs: Number) -> ValueAndGrad[float]: ...
    @overload
    def __call__(self, **inputs: ArrayLike) -> ValueAndGrad[Any]: ...
    def __call__(self, **inputs: ArrayLike) -> ValueAndGrad[Any]:
        """The output's value and gradient; inputs not named keep the values the program gives them."""
        scalars, arrays = self._overrides(inputs)
        if arrays is None:
            value, grads = self._scalar(scalars, 0)
            return ValueAndGrad(value, grads)
        value, grads = self._arrays(scalars, arrays, 0)
        return ValueAndGrad(value, grads)

    def jacobian(self, **inputs: ArrayLike) -> Jacobian[Any]:
        """d(output)/d(input) for every output named by `compile(of=...)`: one backward pass per output."""
        scalars, arrays = self._overrides(inputs)
        values: list[Any] = []
        rows: list[list[Any]] = []
        for index in range(len(self._outputs)):
            if arrays is None:
                value, grads = self._scalar(scalars, index)
            else:
                value, grads = self._arrays(scalars, arrays, index)
            values.append(value)
            rows.append([grads[key] for key in self._keys])
        return Jacobian(list(self._output_names), list(self._keys), values, rows)

    def hessian(self, **inputs: Number) -> Hessian:
        """The first output's second derivatives over the inputs it depends on (numbers only, not arrays)."""
        from ..core.derivative import hessian

        graph, nodes = self._graph_at(self._numbers(inputs, "hessian"))
        output = self._output_in(graph, nodes, 0)
        order = topological_order(output)
        reached = {node.id for node in order}
        dependent = [node for node in nodes if node.op is INPUT and node.id in reached]
        rows = hessian(output, dependent)
        return Hessian(output.data, [self._keys[self._input_index(nodes, node)] for node in dependent], rows)

    def taylor(self, name: str, k: int, **inputs: Number) -> Taylor:
        """The first `k` derivatives of the first output along input `name`, by Taylor arithmetic (numbers only)."""
        from ..core.taylor import MAX_ORDER, SeriesDomainError, derivatives, taylor_series

        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_ORDER:
            raise UsageError(f"taylor {name}:{k}: K must be a whole number between 1 and {MAX_ORDER}")
        seed_id = self._resolve(name, "taylor")
        graph, nodes = self._graph_at(self._numbers(inputs, "taylor"))
        output = self._output_in(graph, nodes, 0)
        seed = [node for node in nodes if node.op is INPUT][self._position[seed_id]]
        try:
            coefficients = taylor_series(output, seed, k, topological_order(output))
        except SeriesDomainError as failure:
            span = graph.span(failure.node) if failure.node is not None else None  # a clone keeps the ids
            error = EvaluationError(f"taylor: {failure.message}", span)
            error.source = graph.source
            raise error from None
        return Taylor(self._key_of[seed_id], seed.data, coefficients, derivatives(coefficients))

    # -- the work
    def _scalar(self, overrides: dict[int, float], index: int) -> tuple[float, dict[str, float]]:
        graph = self._graph
        if graph.formulas and overrides:
            edited, nodes = self._graph_at(overrides)
            output = self._output_in(edited, nodes, index)
            values = [node.data for node in nodes]
            grads = gradients(topological_order(output, len(nodes)), output, values)
            inputs = [node for node in nodes if node.op is INPUT]
            return output.data, {key: grads[node.id] for key, node in zip(self._keys, inputs)}
        values = self._values(overrides)
        output = self._outputs[index]
        grads = gradients(self._orders[index], output, values)
        return values[output.id], {key: grads[self._ids[key]] for key in self._keys}

    def _values(self, overrides: dict[int, float]) -> list[float]:
        graph = self._graph
        if not overrides:
            return [node.data for node in graph.nodes]  # the program's own point (with grad(), the only one replay may run)
        try:
            return values_at(graph, overrides)
        except ProgramError as error:
            error.source = graph.source
            raise

    def _graph_at(self, overrides: dict[int, float]) -> tuple[Graph, list[Value]]:
        """The program's graph at the new values, for the analyses that read each node's `data`: never the compiled one."""
        graph = self._graph
        if graph.formulas and overrides:
            try:
                edited = evaluate_edited(graph, overrides)
            except ProgramError as error:
                error.source = getattr(error, "edited_source", None) or graph.source
                raise
            return edited, edited.nodes
        return graph, clone_at(graph.nodes, self._values(overrides))

    def _output_in(self, graph: Graph, nodes: list[Value], index: int) -> Value:
        if graph is self._graph:
            return nodes[self._outputs[index].id]
        return graph.output(None if self._of is None else self._of[index])

    def _input_index(self, nodes: list[Value], node: Value) -> int:
        return [other.id for other in nodes if other.op is INPUT].index(node.id)

    def _arrays(self, scalars: dict[int, float], arrays: _Arrays, index: int) -> tuple[Any, dict[str, Any]]:
        from ..analyses.sweep import at_points

        np = arrays.np
        output = self._outputs[index]
        value, grads, errors = at_points(self._graph, self._orders[index], output, arrays.columns, scalars, arrays.size)
        if errors:
            first = min(errors)
            error = errors[first].error
            place = np.unravel_index(first, arrays.shape) if arrays.shape else ()
            where = ", ".join(f"{self._key_of[node_id]}={float(column[first])!r}" for node_id, column in arrays.columns.items())
            error.hint = f"at index {tuple(int(i) for i in place)} ({where}); {len(errors)} of {arrays.size} points fail"
            error.source = getattr(error, "edited_source", None) or self._graph.source
            raise error
        shaped = {key: arrays.out(grads[self._ids[key]]) for key in self._keys}
        return arrays.out(value), shaped

    # -- arguments
    def _resolve(self, name: str, option: str = "argument") -> int:
        node_id = self._ids.get(name)
        if node_id is None:
            node_id = resolve(self._graph, name, option).id  # raises the usage error --at gives
        return node_id

    def _overrides(self, inputs: Mapping[str, Any]) -> tuple[dict[int, float], _Arrays | None]:
        """Node id -> number for the numbers given, and the arrays broadcast together (None if none)."""
        scalars: dict[int, float] = {}
        given: dict[int, Any] = {}
        for name, value in inputs.items():
            node_id = self._resolve(name)
            if node_id in scalars or node_id in given:
                raise UsageError(f"argument {name}: given twice (as {self._key_of[node_id]})")
            if isinstance(value, Real) and not isinstance(value, bool):
                scalars[node_id] = _finite(name, float(value))
            elif isinstance(value, bool):
                raise UsageError(f"argument {name}: {value!r} is not a number")
            else:
                given[node_id] = value
        if not given:
            return scalars, None
        return scalars, _Arrays(given, {node_id: self._key_of[node_id] for node_id in given})

    def _numbers(self, inputs: Mapping[str, Any], call: str) -> dict[int, float]:
        scalars, arrays = self._overrides(inputs)
        if arrays is not None:
            raise UsageError(f"{call}() takes numbers, not arrays: call it once a point (or use jacobian() on arrays)")
        return scalars


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise UsageError(f"argument {name}: {value!r} is not a finite number")
    return value


class _Arrays:
    """The array arguments of one call: flattened to NumPy columns of one length, and how to give results back."""

    def __init__(self, given: dict[int, Any], keys: dict[int, str]) -> None:
        from ..core import arraymath  # raises the usage error naming the extra when NumPy is missing

        np = self.np = arraymath.np
        self.namespace: Any = None
        self.device: Any = None
        converted = {}
        for node_id, value in given.items():
            converted[node_id] = self._numpy(value, keys[node_id])
        try:
            self.shape: tuple[int, ...] = np.broadcast_shapes(*(array.shape for array in converted.values()))
        except ValueError:
            shapes = ", ".join(f"{keys[node_id]}: {array.shape}" for node_id, array in converted.items())
            raise UsageError(f"the arrays do not broadcast together ({shapes})") from None
        self.size = math.prod(self.shape)
        if self.size == 0:
            raise UsageError("the arrays hold no points (a dimension of length 0)")
        self.columns = {
            node_id: np.ascontiguousarray(np.broadcast_to(array, self.shape)).reshape(-1) for node_id, array in converted.items()
        }
        for node_id, column in self.columns.items():
            if not np.isfinite(column).all():
                bad = int(np.flatnonzero(~np.isfinite(column))[0])
                raise UsageError(f"argument {keys[node_id]}: {float(column[bad])!r} at index {bad} is not a finite number")

    def _numpy(self, value: Any, key: str) -> Any:
        np = self.np
        array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple, np.generic)) else self._foreign(value, key)
        if array.dtype.kind not in "biuf":
            raise UsageError(f"argument {key}: an array of {array.dtype} is not an array of real numbers")
        return array.astype(np.float64, copy=False)

    def _foreign(self, value: Any, key: str) -> Any:
        """An array of another library: read through DLPack (or `__array__`), answered in its own namespace."""
        try:
            import array_api_compat
        except ImportError:
            raise UsageError(
                f"argument {key}: a {type(value).__name__} is not a number or a NumPy array "
                "(arrays of other libraries need array-api-compat: pip install 'autodiff-cli[array-api]')"
            ) from None
        if not array_api_compat.is_array_api_obj(value):
            raise UsageError(f"argument {key}: a {type(value).__name__} is not a number or an array")
        namespace = array_api_compat.array_namespace(value)
        if self.namespace is not None and namespace is not self.namespace:
            raise UsageError(f"argument {key}: arrays of two libraries in one call")
        self.namespace, self.device = namespace, array_api_compat.device(value)
        np = self.np
        try:
            return np.from_dlpack(value)
        except (TypeError, BufferError, RuntimeError, AttributeError):
            try:
                return np.asarray(value)
            except Exception as error:  # a library's own refusal (a GPU array, a tensor that requires grad)
                raise UsageError(f"argument {key}: cannot be read as a NumPy array ({error})") from None

    def out(self, result: Any) -> Any:
        """A result column as an array of the arguments' shape, in the arguments' namespace."""
        np = self.np
        shaped = np.broadcast_to(np.asarray(result, dtype=np.float64), (self.size,)).reshape(self.shape)
        shaped = shaped + 0.0  # a fresh array the caller owns (never a view of a shared column)
        if self.namespace is None:
            return shaped
        return self.namespace.asarray(shaped, device=self.device)
