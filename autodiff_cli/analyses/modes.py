"""The views of issue 13's modes, computed before anything is printed: Jacobian, forward mode, Taylor.

Each view is plain data keyed the way the JSON contract keys inputs; the
maths is in `modes.py` and `taylor.py`, the text in `render/modes.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..base.errors import EvaluationError, UsageError
from ..core.engine import INPUT, Value
from ..core.tangents import (
    FORWARD,
    TangentStep,
    cheaper_mode,
    jacobian,
    jacobian_inputs,
    tangent_steps,
)

if TYPE_CHECKING:
    from .subject import Subject


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


def first_output(of: str) -> str:
    """The output of the main view for `--of f,g,...`: the first name (the list checked as split_outputs does)."""
    names = split_outputs(of)
    assert names is not None
    return names[0]


def jacobian_view(report: Subject, names: list[str], mode: str | None) -> JacobianView:
    """The Jacobian of the named outputs over every input any of them depends on."""
    graph = report.result.graph
    outputs = [graph.output(name) for name in names]
    inputs = jacobian_inputs(outputs)
    chosen = mode or cheaper_mode(len(outputs), len(inputs))
    matrix = jacobian(outputs, inputs, chosen, len(graph.nodes))
    return JacobianView(names, [report.input_key(x) for x in inputs], matrix.rows, matrix.mode, matrix.passes)


def forward_view(report: Subject, explain: bool) -> ForwardView:
    """Forward mode's gradients, and with --explain every pass's steps.

    The gradients are the subject's (`Subject.forward_gradients`), the ones
    every view then shows as the inputs' in forward mode.
    """
    result = report.result
    inputs, gradient = report.forward_gradients()
    passes = None
    if explain:
        passes = [ForwardPass(report.input_key(x), list(tangent_steps(result.order, x))) for x in inputs]
    return ForwardView([report.input_key(x) for x in inputs], gradient, passes)


def parse_taylor(text: str) -> tuple[str, int]:
    """`NAME:K` as (NAME, K); a usage error naming the option otherwise."""
    from ..core.taylor import MAX_ORDER

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


def _taylor_input(report: Subject, name: str, option: str) -> Value:
    by_key = {key: node_id for node_id, key in report.keys.items()}
    graph = report.result.graph
    if name in by_key:
        return graph.nodes[by_key[name]]
    node = graph.names.get(name)
    if node is None:
        raise UsageError(f"--taylor {option}: the program binds no name '{name}'")
    if node.op is not INPUT:
        raise UsageError(f"--taylor {option}: '{name}' is not an input (it is bound to an expression, not a number)")
    return node


def taylor_view(report: Subject, option: str) -> TaylorView:
    """The first K derivatives of the output along one input, by Taylor arithmetic."""
    from ..core.taylor import SeriesDomainError, derivatives, taylor_series

    name, k = parse_taylor(option)
    x = _taylor_input(report, name, option)
    result = report.result
    try:
        coefficients = taylor_series(result.output, x, k, result.order)
    except SeriesDomainError as error:
        span = result.graph.span(error.node) if error.node is not None else None
        raise EvaluationError(f"--taylor: {error.message}", span) from None
    return TaylorView(report.input_key(x), x.data, coefficients, derivatives(coefficients))


def mode_views(report: Subject) -> tuple[JacobianView | None, ForwardView | None, TaylorView | None]:
    """Every view of this module the options ask for (None for each one not asked); each reads, none writes."""
    options = report.options
    outputs = split_outputs(options.of)
    jacobian = jacobian_view(report, outputs, options.mode) if outputs is not None and len(outputs) > 1 else None
    forward = forward_view(report, options.explain) if options.mode == FORWARD else None
    taylor = taylor_view(report, options.taylor) if options.taylor is not None else None
    return jacobian, forward, taylor
