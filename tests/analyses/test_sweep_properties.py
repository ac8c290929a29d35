"""Property: a sweep gives, at every point, what `eval --at` gives there, within the documented bound.

Random programs over two inputs use every operation of the table (functions
of the language and operators), on grids that land on kinks (0, ties x == y),
poles and domain edges.  The oracle evaluates each point by the scalar path;
where a point fails, the program's text with the inputs' literals replaced is
parsed and run again for the place of the error.

The comparison was bit for bit while the sweep called `math` wherever NumPy
rounded differently; NumPy's ufuncs now run everywhere, so values and
gradients are held to the bound of docs/sweeps.md (tests/whole/test_sweep_agreement.py),
and a point near a branch (a kink, a tie, a domain edge) to what that bound
allows there.  A program with `grad()` is still evaluated point by point by
the scalar path itself, and compared bit for bit.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")

from autodiff_cli.analyses import sweep as sweep_module  # noqa: E402
from autodiff_cli.analyses.at import edited_text, inputs_by_key  # noqa: E402
from autodiff_cli.analyses.sweep import parse_axis, sweep  # noqa: E402
from autodiff_cli.base.errors import ProgramError  # noqa: E402
from autodiff_cli.core.ops import FUNCTIONS, OPERATIONS, VARIADIC  # noqa: E402
from autodiff_cli.language.evaluate import evaluate  # noqa: E402
from tests.sweep_bound import check_point  # noqa: E402

OPERATORS = {op.name: op.symbol for op in OPERATIONS.values() if op.symbol}
LEAVES = st.sampled_from(["x", "y", "x", "y", "0", "1", "2", "0.5", "3", "pi"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary_calls = [name for name, op in FUNCTIONS.items() if op.arity == 1]
    binary_calls = [name for name, op in FUNCTIONS.items() if op.arity == 2]
    ternary_calls = [name for name, op in FUNCTIONS.items() if op.arity == 3]
    variadic_calls = [name for name, op in FUNCTIONS.items() if op.arity == VARIADIC]
    return st.one_of(
        st.tuples(st.sampled_from(sorted(OPERATORS.values())), children, children).map(lambda t: f"({t[1]} {t[0]} {t[2]})"),
        st.tuples(st.sampled_from(unary_calls), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(binary_calls), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(st.sampled_from(ternary_calls), st.lists(children, min_size=3, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(st.sampled_from(variadic_calls), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        children.map(lambda c: f"-{c}"),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=6)
ENDS = st.sampled_from([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def check_sweep(program: str, specs: list[str]) -> None:
    result = evaluate(program)
    axes = [parse_axis(result.graph, spec) for spec in specs]
    data = sweep(result, axes, {})
    keyed = inputs_by_key(result.graph)
    for row in range(data.size):
        overrides = {keyed[key].id: float(data.inputs[key][row]) for key in (axis.key for axis in axes)}
        text = edited_text(result.graph, overrides)
        if result.graph.formulas:
            check_exactly(text, data, row)
            continue
        grads = {key: float(data.grads[key][row]) for key in data.keys}
        kind = check_point(result.graph, result.output, overrides, float(data.value[row]), grads, data.errors.get(row))
        if kind == "both failed":
            with pytest.raises(ProgramError) as raised:
                evaluate(text)
            assert data.errors[row].line == expected_line(text, raised.value), text
            assert math.isnan(data.value[row])


def check_exactly(text: str, data, row: int) -> None:
    """A program with grad(): the sweep evaluated this point's edited text, as eval does."""
    try:
        expected = evaluate(text)
    except ProgramError as error:
        failure = data.errors.get(row)
        assert failure is not None and failure.message == error.message, text
        assert failure.line == expected_line(text, error), text
        return
    assert row not in data.errors, f"{text!r}: the sweep fails ({data.errors[row].message}), eval does not"
    assert same(float(data.value[row]), expected.value), f"{text!r}: {data.value[row]!r} != {expected.value!r}"
    for key, node in inputs_by_key(expected.graph).items():
        got = float(data.grads[key][row])
        assert same(got, node.grad), f"{text!r}: d/d{key} {got!r} != {node.grad!r}"


def expected_line(text: str, error: ProgramError) -> int:
    return text.count("\n", 0, error.span[0]) + 1 if error.span else 0


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(EXPRESSIONS, min_size=1, max_size=3),
    x_range=st.tuples(ENDS, ENDS, st.integers(1, 9)),
    y_range=st.tuples(ENDS, ENDS, st.integers(1, 5)),
)
def test_sweep_equals_eval_at_every_point(body: list[str], x_range, y_range) -> None:
    lines = ["x = 1", "y = 2"] + [f"t{i} = {expression}" for i, expression in enumerate(body)]
    program = "\n".join(lines) + "\n"
    try:
        evaluate(program)
    except ProgramError:
        return  # the program fails at its own literals; the sweep starts from a built graph
    specs = ["x={}:{}:{}".format(*x_range), "y={}:{}:{}".format(*y_range)]
    check_sweep(program, specs)


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("x = 1\ny = 2\nz = relu(x) * abs(y) + max(x, y) - min(x, y)", id="kinks-and-ties"),
        pytest.param("x = 1\ny = 2\nz = x ** y + pow(y, x) + sqrt(x) + log(y)", id="powers-and-domains"),
        pytest.param("x = 1\ny = 2\nz = sigmoid(x) * tanh(y) / tan(x) + exp(x * y)", id="transcendental"),
        pytest.param("x = 1\ny = 2\nu = x * y\nv = u + u * x\nz = v / (y - 1)", id="shared-nodes-and-a-pole"),
        pytest.param(
            "x = 1\ny = 2\nz = asin(x / 3) + acos(y / 3) + log2(y) * log10(x) + log1p(x)", id="domains-of-new-functions"
        ),
        pytest.param(
            "x = 1\ny = 2\nz = atan2(y, x) * hypot(x, y) + sinh(x) / cosh(y) + erf(x) * gelu(y)", id="smooth-new-functions"
        ),
        pytest.param(
            "x = 1\ny = 2\nz = elu(x) + leaky_relu(y, 0.1) * clamp(x, -1, y) + softplus(x * y) + expm1(y)",
            id="kinks-of-new-functions",
        ),
        pytest.param("x = 1\ny = 2\nz = sum(x, y, x * y) * prod(x, y, x - y) + sum(x) + prod(y)", id="variadic"),
    ],
)
def test_sweep_equals_eval_across_chunk_boundaries(program: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "CHUNK", 7)  # many chunks, one ending mid-row of the grid
    check_sweep(program, ["x=-2:2:17", "y=-1:3:9"])


def test_a_program_with_grad_takes_its_branches_at_each_point() -> None:
    # grad() of relu is a constant node built at x = 1; at x = -1 it must be 0.
    check_sweep("x = 1\ny = relu(x) * x\ng = grad(y, x)\n", ["x=-2:2:9"])
