"""The views of issue 13's modes, computed before anything is printed: Jacobian, forward mode, Taylor.

Each view is plain data keyed the way the JSON contract keys inputs; the
maths is in `modes.py` and `taylor.py`, the text in `render/modes.py`.
"""

from __future__ import annotations

from typing import NamedTuple

from .engine import CONSTANT, INPUT, Value, backward
from .errors import EvaluationError, UsageError
from .evaluate import Graph, Result
from .modes import FORWARD, REVERSE, TangentStep, cheaper_mode, forward_gradient, jacobian, tangent_steps


class JacobianView(NamedTuple):
    outputs: list[str]  # the names given to --of
    inputs: list[str]  # input keys
    rows: list[list[float]]
    mode: str  # "reverse" or "forward"
    passes: int


class ForwardPass(NamedTuple):
    input: str  # the seeded input's key
    steps: list[TangentStep]


class ForwardView(NamedTuple):
    inputs: list[str]
    gradient: list[float]
    passes: list[ForwardPass] | None  # only with --explain


class TaylorView(NamedTuple):
    input: str
    at: float
    coefficients: list[float]
    derivatives: list[float]


def split_outputs(of: str | None) -> list[str] | None:
    """`--of f,g,h` as a list of names (None for no --of); a usage error for an empty piece or a repeat."""
    if of is None or "," not in of:
        return None if of is None else [of]
    names = [name.strip() for name in of.split(",")]
    if any(not name for name in names):
        raise UsageError(f"--of {of}: a name is missing between commas")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"--of {of}: '{repeated[0]}' is named twice")
    return names


def input_keys(graph: Graph) -> dict[int, str]:
    """Every input's unique key by node id: its name, or NAME@LINE where the name was bound to several inputs."""
    inputs = [node for node in graph.nodes if node.op is INPUT]
    labels = [graph.label(node) for node in inputs]
    keys = {}
    for node, label in zip(inputs, labels):
        if labels.count(label) > 1:
            line = graph.source.text.count("\n", 0, graph.span(node)[0]) + 1
            label = f"{label}@{line}"
        keys[node.id] = label
    return keys


def jacobian_view(result: Result, names: list[str], mode: str | None) -> JacobianView:
    """The Jacobian of the named outputs over every input any of them depends on."""
    graph = result.graph
    outputs = [graph.output(name) for name in names]
    keys = input_keys(graph)
    from .modes import jacobian_inputs

    inputs = jacobian_inputs(outputs)
    chosen = mode or cheaper_mode(len(outputs), len(inputs))
    matrix = jacobian(outputs, inputs, chosen)
    if chosen == REVERSE:
        # Each row's pass wrote grads, some on nodes the main output does not reach: as before them.
        for node in graph.nodes:
            if node.op is not CONSTANT:
                node.grad = 0.0
        backward(result.output, result.order)
    return JacobianView(names, [keys[x.id] for x in inputs], matrix.rows, matrix.mode, matrix.passes)


def forward_view(result: Result, explain: bool) -> ForwardView:
    """d(output)/d(input) for every input the output depends on, by forward passes.

    The inputs' `grad` in the result become the forward-mode numbers, so the
    table and the JSON `variables` show them.
    """
    keys = input_keys(result.graph)
    inputs = result.dependent_inputs()
    gradient = forward_gradient(result.output, inputs, result.order)
    for node, value in zip(inputs, gradient):
        node.grad = value
    passes = None
    if explain:
        passes = [ForwardPass(keys[x.id], list(tangent_steps(result.order, x))) for x in inputs]
    return ForwardView([keys[x.id] for x in inputs], gradient, passes)


def parse_taylor(text: str) -> tuple[str, int]:
    """`NAME:K` as (NAME, K); a usage error naming the option otherwise."""
    from .taylor import MAX_ORDER

    name, colon, count = text.rpartition(":")
    if not colon or not name:
        raise UsageError(f"--taylor {text}: expected NAME:K, as in --taylor x:5")
    try:
        k = int(count)
    except ValueError:
        raise UsageError(f"--taylor {text}: K must be a whole number, as in --taylor x:5") from None
    if not 1 <= k <= MAX_ORDER:
        raise UsageError(f"--taylor {text}: K must be between 1 and {MAX_ORDER}")
    return name, k


def _taylor_input(result: Result, name: str, option: str) -> Value:
    keys = input_keys(result.graph)
    by_key = {key: node_id for node_id, key in keys.items()}
    if name in by_key:
        return result.graph.nodes[by_key[name]]
    node = result.graph.names.get(name)
    if node is None:
        raise UsageError(f"--taylor {option}: the program binds no name '{name}'")
    if node.op is not INPUT:
        raise UsageError(f"--taylor {option}: '{name}' is not an input (it is bound to an expression, not a number)")
    return node


def taylor_view(result: Result, option: str) -> TaylorView:
    """The first K derivatives of the output along one input, by Taylor arithmetic."""
    from .taylor import SeriesDomainError, derivatives, taylor_series

    name, k = parse_taylor(option)
    x = _taylor_input(result, name, option)
    try:
        coefficients = taylor_series(result.output, x, k, result.order)
    except SeriesDomainError as error:
        span = result.graph.span(error.node) if error.node is not None else None
        raise EvaluationError(f"--taylor: {error.message}", span) from None
    return TaylorView(input_keys(result.graph)[x.id], x.data, coefficients, derivatives(coefficients))


class ModeViews(NamedTuple):
    jacobian: JacobianView | None = None
    forward: ForwardView | None = None
    taylor: TaylorView | None = None


def mode_views(result: Result, outputs: list[str] | None, mode: str | None, taylor: str | None, explain: bool) -> ModeViews:
    """Every view of this module the command line asked for (ProgramError/UsageError on bad input)."""
    jac = jacobian_view(result, outputs, mode) if outputs is not None and len(outputs) > 1 else None
    fwd = forward_view(result, explain) if mode == FORWARD else None
    tay = taylor_view(result, taylor) if taylor is not None else None
    return ModeViews(jac, fwd, tay)
