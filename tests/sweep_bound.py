"""The bound a sweep keeps against `eval --at` (docs/sweeps.md), shared by its tests and benchmarks/agreement.py.

Each operation's allowance in ulps, a program's first-order bound from the
scalar path's values and grads, and where a point lies within reach of a
branch; tests/whole/test_sweep_agreement.py and tests/analyses/test_sweep_properties.py
check sweeps with it, benchmarks/agreement.py measures how much of it they use.
Not a test file (tests/whole/test_layout_of_tests.py): it needs NumPy, so it is a
module of its own rather than part of tests/support.py.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pytest

from autodiff_cli.analyses.at import apply, inputs_by_key
from autodiff_cli.analyses.points import Axis
from autodiff_cli.analyses.sweep import sweep
from autodiff_cli.base.errors import ProgramError
from autodiff_cli.core.derivative import GraphMath, gradient
from autodiff_cli.core.engine import CONSTANT, INPUT, Value, backward, topological_order
from autodiff_cli.core.ops import OPERATIONS, VARIADIC, DomainError, FloatMath
from autodiff_cli.core.replay import ReplayError, forward_values
from autodiff_cli.language.evaluate import Graph, evaluate
from tests.oracle import DEFINITIONS

# ------------------------------------------------------------------ ulps


def _ordinal(x: float) -> int:
    """The double's place in the order of all doubles (+0.0 and -0.0 share 0)."""
    bits: int = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def ulp_distance(a: float, b: float) -> float:
    """How many steps from one double to the other: 0 if equal (or both nan), inf if only one is nan."""
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    return float(abs(_ordinal(a) - _ordinal(b)))


# ------------------------------------------------------------------ the documented allowances

#: ulps one library call may differ by: NumPy documents its SIMD kernels within
#: 4 ulp of the true value; the C library `math` calls is within a few (glibc's
#: table: at most 2 for these functions on x86-64); 4 + 4 for any pair of builds.
LIBRARY = 8


#: Return an argument or its negation: nothing rounded, k = 0.
EXACT = frozenset({"neg", "abs", "relu", "max", "min", "clamp"})


#: One correctly rounded IEEE operation: k = 1 (the same rounding of inputs that may differ).
ROUNDED = frozenset({"add", "sub", "mul", "div", "sqrt", "leaky_relu"})


#: Two library calls' worth (a call and the arithmetic around it): k = 2 * LIBRARY.
TWO_CALLS = frozenset({"sigmoid", "softplus", "gelu"})


#: Made of IEEE arithmetic and `math.erf` on both paths: the same bits on the same inputs.
IDENTICAL = EXACT | ROUNDED | {"sum", "prod", "erf", "gelu"}


def allowance(op: str, value: float, arguments: Sequence[float]) -> float:
    """How far the sweep's result of `op` may be from the scalar one, beyond what its inputs carry in."""
    if op in EXACT:
        return 0.0
    if op in ROUNDED:
        return math.ulp(value)
    if op == "sum":  # left to right: each partial sum rounded, none larger than the sum of magnitudes
        return (len(arguments) - 1) * math.ulp(math.fsum(abs(argument) for argument in arguments))
    if op == "prod":
        return (len(arguments) - 1) * math.ulp(value)
    if op == "gelu":  # 0.5 * x * (1 + erf(x / sqrt 2)) cancels for x << 0: its error is relative to x
        return 2 * LIBRARY * math.ulp(max(abs(value), abs(arguments[0])))
    if op in TWO_CALLS:
        return 2 * LIBRARY * math.ulp(value)
    return LIBRARY * math.ulp(value)


def allowance_ulps(op: str) -> int:
    """k of an operation of fixed arity: its allowance in ulps of its scale."""
    return 0 if op in EXACT else 1 if op in ROUNDED else 2 * LIBRARY if op in TWO_CALLS else LIBRARY


# ------------------------------------------------------------------ the bound of a program


class Node(NamedTuple):
    """One row of `eval --at`'s table: what the bound is computed from."""

    op: str  # "input", "const", or an operation's name
    value: float
    grad: float | None  # d(output)/d(node); None for a constant
    inputs: tuple[int, ...]  # positions of its arguments in the list
    folded: bool = False  # a constant grad() computed (by FloatMath), not a literal


def nodes_of(order: Sequence[Value], folded: frozenset[int] = frozenset()) -> list[Node]:
    """The rows of a differentiated graph (a topological order), by position."""
    position = {id(node): index for index, node in enumerate(order)}
    return [
        Node(node.op_name, node.data, node.grad, tuple(position[id(child)] for child in node.children), id(node) in folded)
        for node in order
    ]


def _local(node: Node, nodes: Sequence[Node]) -> tuple[float, ...]:
    arguments = [nodes[i].value for i in node.inputs]
    return tuple(OPERATIONS[node.op].derivatives(FloatMath, *arguments, node.value))


def program_bound(nodes: Sequence[Node]) -> float:
    """The documented bound on |sweep - eval --at| for the output: sum of allowance * |grad|.

    A constant that grad() folded (log 2 in d/dy 2**y) was computed by a
    library call: it counts as one, through its users' local derivatives
    (a constant has no grad of its own).
    """
    total = 0.0
    for node in nodes:
        if node.op in (INPUT, CONSTANT):
            continue
        grad = abs(node.grad) if node.grad is not None else math.nan
        if grad == 0.0:
            continue
        own = allowance(node.op, node.value, [nodes[i].value for i in node.inputs])
        if own:
            total += own * grad
        for index, child in enumerate(node.inputs):
            if nodes[child].folded:
                total += LIBRARY * math.ulp(nodes[child].value) * abs(_local(node, nodes)[index]) * grad
    return math.inf if math.isnan(total) else total


#: How steep each operation with a kink can be on either side (its Lipschitz constants).
_STEEPEST = {
    "relu": lambda x: (1.0,),
    "abs": lambda x: (1.0,),
    "elu": lambda x: (1.0,),
    "max": lambda x, y: (1.0, 1.0),
    "min": lambda x, y: (1.0, 1.0),
    "clamp": lambda x, lo, hi: (1.0, 1.0, 1.0),
    "leaky_relu": lambda x, slope: (max(1.0, abs(slope)), abs(x)),
}


#: Operations whose branches are kinks or ties: the value is continuous across them, the gradient is not.
_KINKS = frozenset(_STEEPEST) | {"hypot"}


def forward_errors(nodes: Sequence[Node]) -> list[float]:
    """Each node's own first-order bound on its difference, through the steeper side of every kink.

    0 exactly where both paths must give the same bits (the same inputs, and
    an operation both compute alike); it needs no grads, so it also serves a
    point where the scalar path fails part way.
    """
    errors: list[float] = []
    for node in nodes:
        carried = [errors[i] for i in node.inputs]
        if node.op in (INPUT, CONSTANT) or (node.op in IDENTICAL and not any(carried)):
            errors.append(LIBRARY * math.ulp(node.value) if node.folded else 0.0)
            continue
        arguments = [nodes[i].value for i in node.inputs]
        steepest = _STEEPEST.get(node.op)
        slopes = steepest(*arguments) if steepest else [abs(d) for d in _local(node, nodes)]
        error = allowance(node.op, node.value, arguments)
        for slope, inherited in zip(slopes, carried):
            if inherited:
                error += inherited * (math.inf if math.isnan(slope) else slope)
        errors.append(error)
    return errors


#: A branch this many times an argument's bound away is beyond reach, with room for second-order terms.
REACH = 1024.0


_LARGEST = 1.7976931348623157e308


def _branches(op: str, arguments: Sequence[float], errors: Sequence[float]) -> list[tuple[float, float]]:
    """(distance from a branch, the bound on that distance's difference) for each branch of `op`.

    A branch: a kink or tie (the gradient jumps), a domain edge or a pole
    (the point fails on one side), atan2's cut (the value jumps by 2 pi).
    """
    if op in ("relu", "abs", "leaky_relu", "log", "log2", "log10", "sqrt"):
        return [(abs(arguments[0]), errors[0])]
    if op == "log1p":
        return [(abs(arguments[0] + 1.0), errors[0])]
    if op in ("asin", "acos"):
        return [(abs(1.0 - abs(arguments[0])), errors[0])]
    if op in ("max", "min"):
        return [(abs(arguments[0] - arguments[1]), errors[0] + errors[1])]
    if op == "clamp":
        (x, lo, hi), (ex, elo, ehi) = arguments, errors
        return [(abs(x - lo), ex + elo), (abs(x - hi), ex + ehi), (abs(lo - hi), elo + ehi)]
    if op == "div":
        return [(abs(arguments[1]), errors[1])]
    if op == "pow":  # 0 to a power; a negative base, whose exponent must stay an integer
        (x, y), (ex, ey) = arguments, errors
        return [(abs(x), ex)] + ([(0.0, ey)] if x < 0.0 else [])
    if op == "atan2":  # the cut: y = 0 with x <= 0
        (y, x), (ey, ex) = arguments, errors
        return [(max(abs(y), max(x, 0.0)), ey + ex)]
    if op == "hypot":
        return [(max(abs(arguments[0]), abs(arguments[1])), errors[0] + errors[1])]
    if op == "tan":  # a pole where cos(x) = 0
        return [(abs(math.cos(arguments[0])), errors[0])]
    return []


def near_branch(
    nodes: Sequence[Node], errors: Sequence[float], failing: Node | None = None, overflowed: bool = False
) -> list[Node]:
    """The nodes (and `failing`, the step where the scalar path stopped) with a branch within reach.

    Besides each operation's own branches, any value that could reach the
    largest double overflows on one side only; a step that `overflowed` on
    the scalar path is at that edge unless both paths must give its bits.
    """
    steps = [(node, errors[index]) for index, node in enumerate(nodes)]
    if failing is not None:
        carried = any(errors[i] for i in failing.inputs)
        steps.append((failing, 1.0 if overflowed and (carried or failing.op not in IDENTICAL) else 0.0))
    near = []
    for node, own in steps:
        if node.op in (INPUT, CONSTANT):
            continue
        branches = _branches(node.op, [nodes[i].value for i in node.inputs], [errors[i] for i in node.inputs])
        branches.append((0.0 if node is failing else _LARGEST - abs(node.value), own))
        if any(error > 0.0 and not distance > REACH * error for distance, error in branches):
            near.append(node)
    return near


# ------------------------------------------------------------------ one point, sweep against scalar


def _masked(message: str) -> str:
    # The numbers in a message are the arguments at that step, which may differ within the bound.
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", message)


def check_point(
    graph: Graph, output: Value, overrides: dict[int, float], value: float, grads: dict[str, float], error: Any
) -> str:
    """Assert that the sweep's `value`, `grads` (by input key) and `error` at one point keep the bound.

    The scalar path is `eval --at` (the graph replayed at `overrides`), which
    this runs itself.  Returns what was checked: "bound", "near a branch" or
    "both failed".
    """
    try:
        apply(graph, overrides)
    except ProgramError as scalar_error:
        if (
            error is not None
            and error.error.span == scalar_error.span
            and _masked(error.message) == _masked(scalar_error.message)
        ):
            return "both failed"
        # A failure on one side only, or at another step: the scalar path's values up to its failure
        # must have a branch within reach.
        with pytest.raises(ReplayError) as stopped:
            forward_values(graph.nodes, overrides)
        stop = stopped.value.node
        before = forward_values(graph.nodes[: stop.id], overrides)
        nodes = [Node(n.op_name, v, None, tuple(c.id for c in n.children)) for n, v in zip(graph.nodes, before)]
        failing = Node(stop.op_name, math.nan, None, tuple(c.id for c in stop.children))
        overflowed = scalar_error.message.startswith("overflow")
        assert near_branch(nodes, forward_errors(nodes), failing, overflowed), (
            f"eval --at fails ({scalar_error.message}), the sweep {'gives ' + repr(value) if error is None else error.message}"
        )
        return "near a branch"
    for node in graph.nodes:
        if node.op is not CONSTANT:
            node.grad = 0.0
    backward(output, topological_order(output))
    nodes = nodes_of(graph.nodes)
    errors = forward_errors(nodes)
    branches = near_branch(nodes, errors)
    expected = output.data
    if error is not None:
        assert branches, f"the sweep fails ({error.message}), eval --at gives {expected!r}"
        return "near a branch"
    if branches:
        if all(branch.op in _KINKS for branch in branches):
            # A kink is continuous: the value's difference stays within its own bound, through the steeper side.
            limit = errors[output.id]
            assert abs(value - expected) <= limit or ulp_distance(value, expected) == 0, (value, expected, limit)
        return "near a branch"
    limit = program_bound(nodes)
    assert abs(value - expected) <= limit or ulp_distance(value, expected) == 0, (
        f"value {value!r} against {expected!r}: {ulp_distance(value, expected):g} ulp, bound {limit:g}"
    )
    keyed = inputs_by_key(graph)
    expected_grads = {key: node.grad for key, node in keyed.items()}  # before gradient_bound's passes reuse the grads
    for key, node in keyed.items():
        expected_grad, got = expected_grads[key], grads[key]
        assert expected_grad is not None
        if not math.isfinite(expected_grad):
            assert ulp_distance(got, expected_grad) == 0 or not math.isfinite(got), f"d/d{key}: {got!r}, {expected_grad!r}"
            continue
        limit = gradient_bound(output, node)
        assert abs(got - expected_grad) <= limit or ulp_distance(got, expected_grad) == 0, (
            f"d/d{key} {got!r} against {expected_grad!r}: {ulp_distance(got, expected_grad):g} ulp, bound {limit:g}"
        )
    return "bound"


def gradient_bound(output: Value, x: Value) -> float:
    """The bound of the program `grad(output, x)` builds, at the graph's current values."""
    m = GraphMath()
    derivative = gradient(output, x, m)
    if derivative.op is CONSTANT:
        # A constant gradient is literal arithmetic (both paths give its bits) unless it was folded from calls.
        return LIBRARY * math.ulp(derivative.data) if derivative in m.created else 0.0
    order = topological_order(derivative)
    backward(derivative, order)
    folded = frozenset(id(node) for node in m.created if node.op is CONSTANT)
    return program_bound(nodes_of(order, folded))


def sweep_at(program: str, columns: dict[str, Any], of: str | None = None) -> tuple[Any, Any]:
    """The sweep of `program` over the given values of its inputs (a grid of them), in process."""
    result = evaluate(program, of)
    keyed = inputs_by_key(result.graph)
    axes = [Axis(key, keyed[key], np.asarray(values, dtype=np.float64)) for key, values in columns.items()]
    return result, sweep(result, axes, {})


# ------------------------------------------------------------------ every operation, on its own


def mixture(rng: Any, count: int) -> Any:
    """Numbers of every kind: moderate, tiny and huge magnitudes of both signs, integers, zeros and their neighbours."""
    sign = rng.choice([-1.0, 1.0], count)
    kinds = [
        rng.uniform(-10.0, 10.0, count),
        sign * 10.0 ** rng.uniform(-300.0, 300.0, count),
        sign * 10.0 ** rng.uniform(-8.0, 3.0, count),
        rng.integers(-20, 21, count).astype(np.float64),
        rng.choice([0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 0.5, -0.5], count),
    ]
    return np.choose(rng.integers(0, len(kinds), count), kinds)


def _near_one(rng: Any, count: int) -> Any:
    return rng.choice([-1.0, 1.0], count) * (1.0 - 10.0 ** rng.uniform(-16.0, 0.0, count))


#: Where each function is interesting, besides the mixture: near its overflow, its
#: domain's edges, its poles, and where it saturates.
DOMAINS: dict[str, Any] = {
    "exp": lambda rng, n: rng.uniform(-746.0, 710.0, n),
    "expm1": lambda rng, n: rng.uniform(-746.0, 710.0, n),
    "sinh": lambda rng, n: rng.uniform(-711.0, 711.0, n),
    "cosh": lambda rng, n: rng.uniform(-711.0, 711.0, n),
    "log": lambda rng, n: np.where(rng.random(n) < 0.5, 10.0 ** rng.uniform(-300.0, 300.0, n), 1.0 + rng.uniform(-1e-8, 1e-8, n)),
    "log1p": lambda rng, n: -1.0 + 10.0 ** rng.uniform(-16.0, 2.0, n),
    "asin": _near_one,
    "acos": _near_one,
    "tan": lambda rng, n: math.pi / 2 * rng.integers(-1000, 1000, n) + rng.uniform(-1e-6, 1e-6, n),
    "tanh": lambda rng, n: rng.uniform(-40.0, 40.0, n),
    "sigmoid": lambda rng, n: rng.uniform(-750.0, 750.0, n),
    "softplus": lambda rng, n: rng.uniform(-750.0, 750.0, n),
    "gelu": lambda rng, n: rng.uniform(-40.0, 40.0, n),
    "erf": lambda rng, n: rng.uniform(-7.0, 7.0, n),
    "elu": lambda rng, n: rng.uniform(-40.0, 40.0, n),
}


DOMAINS["log2"] = DOMAINS["log10"] = DOMAINS["sqrt"] = DOMAINS["log"]


def _inside(interval: tuple[float, float]) -> Any:
    """Uniform points of the oracle's domain of a function no entry of DOMAINS names (None: it is defined everywhere)."""
    low, high = max(interval[0], -10.0), min(interval[1], 10.0)
    if (low, high) == (-10.0, 10.0):
        return None
    return lambda rng, n: rng.uniform(low, high, n)


def arguments(name: str, count: int, seed: int) -> list[Any]:
    """`count` points for `name`: each argument half from the mixture, half from the function's domain; ties often."""
    rng = np.random.default_rng(seed)
    op = OPERATIONS[name]
    arity = 3 if op.arity == VARIADIC else op.arity
    if name == "pow":
        base = np.concatenate(
            [np.abs(mixture(rng, count // 2)), rng.uniform(0.0, 10.0, count // 4), mixture(rng, count - count // 2 - count // 4)]
        )
        exponent = np.concatenate(
            [
                rng.uniform(-5.0, 5.0, count // 2),
                rng.integers(-6, 7, count // 4).astype(np.float64),
                rng.uniform(-300, 300, count - count // 2 - count // 4),
            ]
        )
        return [base, exponent]
    domain = DOMAINS.get(name) or _inside(DEFINITIONS[name].domain)
    columns = []
    for _ in range(arity):
        column = mixture(rng, count)
        if domain is not None:
            column = np.where(rng.random(count) < 0.5, domain(rng, count), column)
        columns.append(column)
    for column in columns[1:]:
        ties = rng.random(count) < 0.15
        column[ties] = columns[0][ties]
    return columns


def _scalar(name: str, point: Sequence[float]) -> float | None:
    """The scalar forward, or None where `eval` stops (outside the domain, or overflow)."""
    try:
        value = OPERATIONS[name].forward(*point)
    except (DomainError, ArithmeticError, ValueError):
        return None
    return value if math.isfinite(value) else None


def call_text(name: str, names: Sequence[str]) -> str:
    """`name` applied to `names` as a program writes it (operators infix)."""
    op = OPERATIONS[name]
    if name == "neg":
        return f"-{names[0]}"
    if op.symbol and name != "pow":
        return f"{names[0]} {op.symbol} {names[1]}"
    return f"{name}({', '.join(names)})"


# ------------------------------------------------------------------ programs of the benchmark shapes


def chain(length: int) -> str:
    """benchmarks/generate.py's chain: each node used twice, through tanh."""
    lines = ["x0 = 0.5"] + [f"x{i} = x{i - 1} * 0.999 + tanh(x{i - 1}) * 0.001" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def dag(length: int, inputs: int, seed: int) -> str:
    """benchmarks/generate.py's DAG: means, products and tanh of differences, mostly of recent nodes."""
    rng = np.random.default_rng(seed)
    names = [f"v{i}" for i in range(inputs)]
    lines = [f"{name} = 0.5" for name in names]
    for i in range(inputs, length):

        def pick() -> str:
            low = max(0, len(names) - 32) if rng.random() < 0.8 else 0
            return names[int(rng.integers(low, len(names)))]

        a, b = pick(), pick()
        kind = int(rng.integers(0, 3))
        lines.append(f"v{i} = " + [f"({a} + {b}) * 0.5", f"{a} * {b}", f"tanh({a} - {b})"][kind])
        names.append(f"v{i}")
    return "\n".join(lines) + "\n"


def wide(terms: int, inputs: int, seed: int) -> str:
    """benchmarks/generate.py's wide shape: a running sum of products of inputs."""
    rng = np.random.default_rng(seed)
    lines = [f"a{i} = 0.5" for i in range(inputs)]
    previous = None
    for i in range(terms):
        a, b = (int(v) for v in rng.integers(0, inputs, 2))
        lines.append(f"s{i} = " + (f"a{a} * a{b}" if previous is None else f"{previous} + a{a} * a{b}"))
        previous = f"s{i}"
    return "\n".join(lines) + "\n"


#: The 20-statement program of benchmarks/sweep.py: every kind of operation, kinks included.
TWENTY = """\
x = 0.5
y = 1.5
s1 = sin(x) * y
s2 = exp(-x * x) + s1
s3 = tanh(s2 * y - x)
s4 = sqrt(x * x + y * y + 1)
s5 = log(s4 + 1) / s4
s6 = sigmoid(s3 - s5)
s7 = s6 * s6 + cos(y * s1)
s8 = max(s7, s3) + min(x, y)
s9 = relu(s8 - 0.5) + abs(x - y)
s10 = s9 ** 2 / (1 + s4)
s11 = s10 * s5 - s2 / (2 + s7)
s12 = tan(s6 - 0.5) + s11
s13 = pow(s4, 0.5) * s12
s14 = s13 - s9 * s1
s15 = exp(-s14 * s14) + s3 * s8
s16 = s15 * x + s14 * y
s17 = tanh(s16) + sigmoid(s15 - s16)
f = s17 * s13 + s16 / s4
"""
