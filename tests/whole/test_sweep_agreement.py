"""A sweep agrees with `eval --at` within the bound docs/sweeps.md states, on any NumPy build.

A sweep runs NumPy's ufuncs; `eval --at` runs Python's `math`, that is the C
library.  The two round transcendental functions differently in the last bits
(and differently again on another machine), so they are compared by the
documented bound, never bit for bit:

- an operation on the same inputs differs by at most its allowance, k ulp of
  its scale (`allowance`, the table of docs/sweeps.md);
- a program's value by at most the sum, over its operations, of allowance
  times |grad| (the grads `eval --at` prints there): first-order propagation
  of each operation's own difference to the output;
- a gradient by the same sum over the program `grad(f, x)` builds;
- except near a branch: where an argument is so close to a kink, a tie, a
  domain edge or a pole that the other path's difference could cross it, the
  gradient may take the other side's value and the point may fail on one side
  only; the value still differs by no more than its own first-order bound
  through the steeper side of each kink (`forward_errors`).

The oracle is the scalar path (evaluated per point); the bound is computed
from its values and grads, never from the sweep's own numbers.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")

from autodiff_cli.analyses.at import apply, inputs_by_key  # noqa: E402
from autodiff_cli.analyses.points import Axis  # noqa: E402
from autodiff_cli.analyses.sweep import sweep  # noqa: E402
from autodiff_cli.base.errors import ProgramError  # noqa: E402
from autodiff_cli.core import arraymath  # noqa: E402
from autodiff_cli.core.derivative import GraphMath, gradient  # noqa: E402
from autodiff_cli.core.engine import CONSTANT, INPUT, Value, backward, topological_order  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, VARIADIC, DomainError, FloatMath  # noqa: E402
from autodiff_cli.core.replay import ReplayError, forward_values  # noqa: E402
from autodiff_cli.language.evaluate import Graph, evaluate  # noqa: E402
from tests.oracle import DEFINITIONS, inside  # noqa: E402
from tests.support import ROOT  # noqa: E402

DOCS = ROOT / "docs" / "sweeps.md"

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


def ulp_distances(a: Any, b: Any) -> Any:
    """`ulp_distance` over two arrays (float64 distances: exact below 2**53 steps)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def ordinal(x: Any) -> Any:
        bits = x.view(np.int64)
        return np.where(bits >= 0, bits, -(bits & 0x7FFF_FFFF_FFFF_FFFF))

    first, second = ordinal(a), ordinal(b)
    same_side = (first >= 0) == (second >= 0)
    with np.errstate(over="ignore"):
        distance = np.where(
            same_side,
            np.abs(first - second).astype(np.float64),
            np.abs(first.astype(np.float64)) + np.abs(second.astype(np.float64)),
        )
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return np.where(nan_a & nan_b, 0.0, np.where(nan_a | nan_b, math.inf, distance))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(1.0, 1.0, 0.0, id="equal"),
        pytest.param(0.0, -0.0, 0.0, id="signed-zeros-are-equal"),
        pytest.param(1.0, math.nextafter(1.0, 2.0), 1.0, id="next-up"),
        pytest.param(1.0, math.nextafter(1.0, 0.0), 1.0, id="next-down-across-a-power-of-two"),
        pytest.param(5e-324, -5e-324, 2.0, id="across-zero"),
        pytest.param(1.7976931348623157e308, math.inf, 1.0, id="largest-to-infinity"),
        pytest.param(math.nan, math.nan, 0.0, id="both-nan"),
        pytest.param(math.nan, 1.0, math.inf, id="one-nan"),
        pytest.param(2.8393514775267925, 2.839351477526793, 1.0, id="the-log-of-issue-20"),
    ],
)
def test_ulp_distance(a: float, b: float, expected: float) -> None:
    assert ulp_distance(a, b) == ulp_distance(b, a) == expected
    assert ulp_distances(np.array([a]), np.array([b]))[0] == expected


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


def documented_allowances() -> dict[str, str]:
    """The k column of the table in docs/sweeps.md, by operation: '0', '1', 'n - 1', '8' or '16';
    the row that begins "every other" under the key "" (an operation it does not name takes it)."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("| operations | k |") :]
    table: dict[str, str] = {}
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        names, k = line.split("|")[1:3]
        for name in re.findall(r"`(\w+)`", names) + ([""] if names.strip().startswith("every other") else []):
            table[name] = k.strip().replace("−", "-")
    return table


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_has_the_documented_allowance(name: str) -> None:
    """The table of docs/sweeps.md gives every operation the k `allowance` uses (by name, or as "every other")."""
    table = documented_allowances()
    k = table.get(name, table.get(""))
    assert k is not None, f"docs/sweeps.md gives no allowance for {name}"
    if name in ("sum", "prod"):
        assert k == "n - 1"
        return
    assert k == str(allowance_ulps(name)), name


# ------------------------------------------------------------------ the bound of a program


class Node(NamedTuple):
    """One row of `eval --at`'s table: what the bound is computed from."""

    op: str  # "input", "const", or an operation's name
    value: float
    grad: float | None  # d(output)/d(node); None for a constant
    inputs: tuple[int, ...]  # positions of its arguments in the list
    folded: bool = False  # a constant grad() computed (by FloatMath), not a literal


def _number(value: Any) -> float:
    return float(value) if value is not None else math.nan


def nodes_of_json(document: dict[str, Any]) -> list[Node]:
    """The rows of `eval --format json`, by id."""
    nodes = sorted(document["nodes"], key=lambda node: node["id"])
    assert [node["id"] for node in nodes] == list(range(len(nodes)))
    return [
        Node(node["op"], _number(node["value"]), None if node["grad"] is None else _number(node["grad"]), tuple(node["inputs"]))
        for node in nodes
    ]


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


def check_sweep(program: str, columns: dict[str, Any], of: str | None = None) -> dict[str, int]:
    """Every point of the sweep against `eval --at` there; how many points took each kind of check."""
    result, data = sweep_at(program, columns, of)
    graph, output = result.graph, result.output
    keyed = inputs_by_key(graph)
    counts: dict[str, int] = {}
    for row in range(data.size):
        overrides = {keyed[key].id: float(data.inputs[key][row]) for key in columns}
        grads = {key: float(data.grads[key][row]) for key in data.keys}
        kind = check_point(graph, output, overrides, float(data.value[row]), grads, data.errors.get(row))
        counts[kind] = counts.get(kind, 0) + 1
    return counts


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


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_on_arrays_is_within_its_allowance(name: str) -> None:
    """The array forward against the scalar one on the same 20,000 inputs: within k ulp, failing at the same points."""
    columns = arguments(name, 20_000, seed=sorted(OPERATIONS).index(name))
    with np.errstate(all="ignore"):
        out = arraymath.forward(OPERATIONS[name], *columns)
    checked = 0
    for index, point in enumerate(zip(*(column.tolist() for column in columns))):
        expected, got = _scalar(name, point), float(out[index])
        if expected is None or not math.isfinite(got):
            # The same comparisons decide every domain: only an overflow's edge may differ by the allowance.
            finite = got if expected is None else expected
            assert expected is None and not math.isfinite(got) or abs(finite) + allowance(name, finite, point) >= _LARGEST, (
                f"{name}{point}: eval gives {expected!r}, the array {got!r}"
            )
            continue
        limit = allowance(name, expected, point)
        assert abs(got - expected) <= limit or ulp_distance(got, expected) == 0, (
            f"{name}{point}: {got!r} against {expected!r}, {ulp_distance(got, expected):g} ulp"
        )
        checked += 1
    assert checked > 10_000


def call_text(name: str, names: Sequence[str]) -> str:
    """`name` applied to `names` as a program writes it (operators infix)."""
    op = OPERATIONS[name]
    if name == "neg":
        return f"-{names[0]}"
    if op.symbol and name != "pow":
        return f"{names[0]} {op.symbol} {names[1]}"
    return f"{name}({', '.join(names)})"


#: Points a side of the grid, by the operation's number of arguments (about 400 points each).
_SIDE = {1: 400, 2: 20, 3: 8}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_and_its_gradient_through_a_sweep(name: str) -> None:
    """`f = op(...)` swept over random points of its domain: value and every gradient within the bound."""
    op = OPERATIONS[name]
    arity = 3 if op.arity == VARIADIC else op.arity
    names = ["x", "y", "z"][:arity]
    program = "".join(f"{n} = {inside(name, 1.0)!r}\n" for n in names) + f"f = {call_text(name, names)}\n"
    columns = arguments(name, _SIDE[arity], seed=100 + sorted(OPERATIONS).index(name))
    counts = check_sweep(program, dict(zip(names, columns)))
    assert counts.get("bound", 0) >= sum(counts.values()) // 3, counts


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


def shape_columns(program: str, side: int, low: float, high: float, seed: int) -> dict[str, Any]:
    """Random values for each input of `program` (a grid of `side` values each)."""
    rng = np.random.default_rng(seed)
    keys = list(inputs_by_key(evaluate(program).graph))
    return {key: rng.uniform(low, high, side) for key in keys}


@pytest.mark.parametrize(
    ("program", "side", "low", "high"),
    [
        pytest.param(TWENTY, 12, -2.0, 3.0, id="twenty-statements"),
        pytest.param(chain(200), 24, -3.0, 3.0, id="chain-200"),
        pytest.param(dag(200, 3, seed=1), 3, -1.0, 1.0, id="dag-200"),
        pytest.param(wide(60, 3, seed=2), 4, -1.0, 1.0, id="wide-60"),
    ],
)
def test_programs_of_the_benchmark_shapes_keep_the_bound(program: str, side: int, low: float, high: float) -> None:
    counts = check_sweep(program, shape_columns(program, side, low, high, seed=len(program)))
    assert counts.get("bound", 0) >= sum(counts.values()) * 3 // 4, counts


def test_the_check_catches_a_sweep_off_by_more_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tanh 2**-45 off (about 64 ulp) breaks the bound: the check is not vacuous."""
    monkeypatch.setattr(arraymath.ArrayMath, "tanh", lambda x: np.tanh(x) * (1.0 + 2.0**-45), raising=False)
    with pytest.raises(AssertionError, match="ulp, bound"):
        check_sweep(TWENTY, {"x": np.linspace(-2.0, 2.0, 9), "y": np.linspace(0.1, 3.0, 9)})


# ------------------------------------------------------------------ the real command


def _grad_program(program: str, output: str, key: str) -> str:
    return f"{program}__g = grad({output}, {key})\n"


@pytest.mark.parametrize(
    ("program", "sweeps"),
    [
        pytest.param(TWENTY, ["x=-2:2:5", "y=0.1:3:4"], id="twenty-statements"),
        pytest.param(
            "x = 1\ny = 2\nf = log1p(x * x) * atan2(y, x) + sinh(x) / cosh(y) + hypot(x, y) ** 1.5 + 2 ** y\n",
            ["x=-3:3:4", "y=-2:2:4"],
            id="library-functions",
        ),
    ],
)
def test_the_command_keeps_the_bound(run, program: str, sweeps: list[str]) -> None:
    """`eval --sweep -f json` against `eval --at -f json` at every point, the bound from --at's own table.

    The gradient's bound is the value bound of the program `grad(f, x)`
    builds, as docs/sweeps.md tells a reader to compute it.
    """
    options = [item for spec in sweeps for item in ("--sweep", spec)]
    swept = run("eval", "-f", "json", *options, program)
    assert swept.exit_code == 0, swept.stderr
    rows = [json.loads(line) for line in swept.stdout.splitlines()]
    assert len(rows) == math.prod(int(spec.rsplit(":", 1)[1]) for spec in sweeps)
    for row in rows:
        at = [item for key, value in row["point"].items() for item in ("--at", f"{key}={value!r}")]
        scalar = run("eval", "-f", "json", *at, program)
        assert scalar.exit_code == 0, scalar.stderr
        document = json.loads(scalar.stdout)
        nodes = nodes_of_json(document)
        assert not near_branch(nodes, forward_errors(nodes)), row["point"]
        value, expected = _number(row["value"]), document["value"]
        assert abs(value - expected) <= program_bound(nodes), (row["point"], value, expected)
        for key, got in row["grad"].items():
            derivative = run("eval", "-f", "json", *at, _grad_program(program, document["output"], key))
            assert derivative.exit_code == 0, derivative.stderr
            derived = json.loads(derivative.stdout)
            rows_of_grad = nodes_of_json(derived)
            # Constants grad() folded come after the program's own nodes.
            rows_of_grad = [n._replace(folded=n.op == CONSTANT and i >= len(nodes)) for i, n in enumerate(rows_of_grad)]
            expected_grad = document["variables"][key]["grad"]
            assert derived["value"] == expected_grad
            limit = program_bound(rows_of_grad)
            assert abs(_number(got) - expected_grad) <= limit, (row["point"], key, got, expected_grad, limit)


def test_failed_points_report_what_eval_at_reports(run) -> None:
    """Library functions on NumPy fail at the points eval fails at, with eval's message and place."""
    program = "x = 1\ny = log2(x) + asin(x - 1)\nz = y + log1p(x) * sqrt(x) + expm1(x * 400)\n"
    swept = run("eval", "-f", "json", "--sweep", "x=-2:3:11", program)
    assert swept.exit_code == 1
    rows = [json.loads(line) for line in swept.stdout.splitlines()]
    failed = []
    for row in rows:
        at = run("eval", "--at", f"x={row['point']['x']!r}", program)
        if row["error"] is None:
            assert at.exit_code == 0, (row, at.stderr)
            continue
        assert at.exit_code == 1
        error = row["error"]
        message, place = at.stderr.splitlines()[:2]
        assert message == f"error: {error['message']}"
        assert place == f" --> <eval>:{error['line']}:{error['column']}"
        failed.append(error["message"].split(" ")[0])
    # x <= 0: log2 (5 points); x = 2.5 and 3: asin (2); x = 2: expm1 overflows (1).
    assert failed == ["log2"] * 5 + ["overflow:", "asin", "asin"], failed


def test_pow_keeps_maths_signed_zero() -> None:
    """(-0.0) ** 0.5 is +0.0 on both paths (NumPy's sqrt shortcut would give -0.0, which atan2 turns into -pi)."""
    result, data = sweep_at("x = 1\nf = atan2(x ** 0.5, -1) + atan2(pow(x, 2), -1)\n", {"x": np.array([-0.0, 0.0])})
    assert not data.errors
    assert data.value.tolist() == [2 * math.pi, 2 * math.pi]


@pytest.mark.parametrize(
    ("program", "near"),
    [
        pytest.param("x = 1\nf = max(exp(log(x)), x)\n", True, id="a-tie-through-library-calls"),
        pytest.param("x = 1\nf = relu(x - exp(log(x))) + x\n", True, id="a-kink-through-library-calls"),
        pytest.param("x = 2\nf = sqrt(x - exp(log(x)))\n", True, id="a-domain-edge-through-library-calls"),
        pytest.param("x = 1\nf = max(exp(log(x)), x + 1) + relu(x - 1e-3)\n", False, id="the-same-away-from-them"),
    ],
)
def test_branches_within_reach_are_told_apart(program: str, near: bool) -> None:
    """exp(log(x)) is x on one path and may be an ulp off on the other: every point is near a branch, and allowed to
    take the other side (0.5 or 1 for a tie's gradient, a failure on one side only); away from it, the bound holds."""
    counts = check_sweep(program, {"x": np.linspace(0.5, 40.0, 400)})
    if near:
        assert counts.get("bound", 0) == 0, counts
    else:
        assert counts == {"bound": 400}
