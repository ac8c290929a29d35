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
from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")

from autodiff_cli.analyses.at import inputs_by_key  # noqa: E402
from autodiff_cli.core import arraymath  # noqa: E402
from autodiff_cli.core.engine import CONSTANT  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, VARIADIC  # noqa: E402
from autodiff_cli.language.evaluate import evaluate  # noqa: E402
from tests.oracle import inside  # noqa: E402
from tests.support import ROOT  # noqa: E402
from tests.sweep_bound import (  # noqa: E402
    _LARGEST,
    TWENTY,
    Node,
    _scalar,
    allowance,
    allowance_ulps,
    arguments,
    call_text,
    chain,
    check_point,
    dag,
    forward_errors,
    near_branch,
    program_bound,
    sweep_at,
    ulp_distance,
    wide,
)

DOCS = ROOT / "docs" / "sweeps.md"


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
