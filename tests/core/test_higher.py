"""grad() in the language, --hessian and --symbolic, against SymPy and finite differences."""

from __future__ import annotations

import json
import math
import random

import pytest
import sympy

from autodiff_cli import evaluate
from autodiff_cli.core.derivative import GraphMath, gradient
from tests.oracle import DEFINITIONS
from tests.support import BINARY, MANY, UNARY, random_program

X, Y, Z = sympy.symbols("x y z", real=True)
SYMPY_UNARY = {name: DEFINITIONS[name].sympy(X) for name in UNARY}
SYMPY_BINARY = {name: DEFINITIONS[name].sympy(X, Y) for name in BINARY}
SYMPY_MANY = {name: DEFINITIONS[name].sympy(X, Y, Z) for name in MANY}


def _number(expr: sympy.Expr, point: dict) -> float:
    return float(expr.subs(point).evalf(30))


def _json(run, *args: str) -> dict:
    result = run("eval", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("name", "point"), [(name, x) for name in sorted(UNARY) for x in DEFINITIONS[name].points])
def test_second_derivative_of_every_unary_operation(run, name: str, point: float) -> None:
    text = f"x = {point!r}; y = {UNARY[name]}; g = grad(y, x); h = grad(g, x)"
    variables = _json(run, text)["variables"]
    at = {X: sympy.Float(point, 30)}
    assert variables["y"]["value"] == pytest.approx(_number(SYMPY_UNARY[name], at), rel=1e-12, abs=1e-15)
    assert variables["g"]["value"] == pytest.approx(_number(sympy.diff(SYMPY_UNARY[name], X), at), rel=1e-9, abs=1e-12)
    assert variables["h"]["value"] == pytest.approx(_number(sympy.diff(SYMPY_UNARY[name], X, 2), at), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("x", "y"), [(0.7, 1.9), (2.2, 0.4), (1.3, -1.1)])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_hessian_of_every_binary_operation(run, name: str, x: float, y: float) -> None:
    document = _json(run, "--hessian", f"x = {x!r}; y = {y!r}; {BINARY[name]}")
    expected = sympy.hessian(SYMPY_BINARY[name], (X, Y))
    at = {X: sympy.Float(x, 30), Y: sympy.Float(y, 30)}
    for i, row in enumerate("xy"):
        for j, column in enumerate("xy"):
            value = _number(expected[i, j], at)
            assert document["hessian"][row][column] == pytest.approx(value, rel=1e-9, abs=1e-12), (row, column)


@pytest.mark.parametrize(("x", "y", "z"), [(0.7, -1.9, 2.5), (-2.2, 0.4, 1.5), (3.3, -1.1, 1.25), (1.5, 1.5, 2.0)])
@pytest.mark.parametrize("name", sorted(MANY))
def test_hessian_of_every_operation_of_many_arguments(run, name: str, x: float, y: float, z: float) -> None:
    document = _json(run, "--hessian", "--symbolic", f"x = {x!r}; y = {y!r}; z = {z!r}; {MANY[name]}")
    at = {X: sympy.Float(x, 30), Y: sympy.Float(y, 30), Z: sympy.Float(z, 30)}
    symbols = {"x": X, "y": Y, "z": Z}
    expr = SYMPY_MANY[name]
    assert document["value"] == pytest.approx(_number(expr, at), rel=1e-12)
    for row, first in symbols.items():
        assert document["variables"][row]["grad"] == pytest.approx(_number(sympy.diff(expr, first), at), rel=1e-12)
        for column, second in symbols.items():
            expected = _number(sympy.diff(expr, first, second), at)
            assert document["hessian"].get(row, {}).get(column, 0.0) == pytest.approx(expected, abs=1e-12), (row, column)


@pytest.mark.parametrize("seed", range(25))
def test_hessians_of_random_programs_agree_with_sympy(run, seed: int) -> None:
    text, inputs, expr, symbols = random_program(random.Random(seed))
    document = _json(run, "--hessian", text)
    point = {symbols[name]: sympy.Float(value, 30) for name, value in inputs.items()}
    hessian = document["hessian"]
    for row in hessian:
        for column in hessian[row]:
            expected = _number(sympy.diff(expr, symbols[row], symbols[column]), point)
            assert hessian[row][column] == pytest.approx(expected, rel=1e-7, abs=1e-9), (text, row, column)
    # Inputs the output does not depend on have no row.
    dependent = {name for name, symbol in symbols.items() if expr.has(symbol)}
    assert set(hessian) <= set(symbols) and dependent <= set(hessian)


@pytest.mark.parametrize("seed", range(25))
def test_symbolic_formulas_round_trip_and_agree_with_sympy(run, seed: int) -> None:
    rng = random.Random(1000 + seed)
    text, inputs, expr, symbols = random_program(rng)
    document = _json(run, "--symbolic", text)
    smooth = not any(word in text for word in ("relu", "abs", "max", "min"))
    for name, formula in document["formulas"].items():
        derivative = sympy.diff(expr, symbols[name])
        # Pasted after the inputs, the formula's value is the gradient.
        bound = "; ".join(f"{input_name} = {value!r}" for input_name, value in inputs.items())
        pasted = _json(run, f"{bound}; {formula}")
        assert pasted["value"] == pytest.approx(document["variables"][name]["grad"], rel=1e-12, abs=1e-15)
        if not smooth:
            continue  # a kink's branch is fixed where the program was evaluated
        # And it is the derivative everywhere, not only at the point it came from.
        moved = {input_name: round(value + rng.uniform(-0.5, 0.5), 3) for input_name, value in inputs.items()}
        bound = "; ".join(f"{input_name} = {value!r}" for input_name, value in moved.items())
        value = _json(run, f"{bound}; {formula}")["value"]
        point = {symbols[n]: sympy.Float(v, 30) for n, v in moved.items()}
        assert value == pytest.approx(_number(derivative, point), rel=1e-9, abs=1e-12), (text, name, formula)


def test_symbolic_table_view_names_each_input(run) -> None:
    result = run("eval", "--symbolic", "a = -2; b = 3; d = a*b; e = a+b; f = d*e")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    formulas = {line.split(" = ", 1)[0]: line.split(" = ", 1)[1] for line in lines if line.startswith("∂f/∂")}
    assert set(formulas) == {"∂f/∂a", "∂f/∂b"}
    a, b = sympy.symbols("a b")
    f = (a * b) * (a + b)
    for name, symbol in (("a", a), ("b", b)):
        formula = sympy.sympify(formulas[f"∂f/∂{name}"].replace("^", "**"))
        assert sympy.simplify(formula - sympy.diff(f, symbol)) == 0


def test_symbolic_names_shared_subexpressions_instead_of_repeating_them(run) -> None:
    # d/dx of t*t*s with t = tanh(s) uses t and s several times: each is written once.
    document = _json(run, "--symbolic", "x = 0.4; s = sin(x) * x; t = tanh(s); y = t * t * s")
    formula = document["formulas"]["x"]
    statements = formula.split("; ")
    assert len(statements) > 1
    assert sum(statement.count("tanh(") for statement in statements) == 1
    pasted = _json(run, f"x = 0.4; {formula}")
    assert pasted["value"] == pytest.approx(document["variables"]["x"]["grad"], rel=1e-12)


def test_symbolic_folds_constants_and_drops_identities(run) -> None:
    document = _json(run, "--symbolic", "a = 1.5; b = 2; y = a * b * 1 + 3 * a * 2 - b + 0 * a")
    a, b = sympy.symbols("a b")
    for name, expected in (("a", b + 6), ("b", a - 1)):
        formula = document["formulas"][name]
        # One addition of a name and a folded constant: no `* 1`, `+ 0`, `0 *` or `3 * 2` left.
        assert len(formula.split()) == 3, formula
        assert sympy.sympify(formula) == expected


def test_third_derivative_of_a_polynomial_by_nested_grad(run) -> None:
    text = "x = 1.5; p = 2*x^4 - 3*x**3 + x - 7; d1 = grad(p, x); d2 = grad(d1, x); d3 = grad(d2, x); d4 = grad(d3, x)"
    variables = _json(run, text)["variables"]
    p = 2 * X**4 - 3 * X**3 + X - 7
    for order in (1, 2, 3, 4):
        assert variables[f"d{order}"]["value"] == pytest.approx(_number(sympy.diff(p, X, order), {X: 1.5}), rel=1e-12)


def test_grad_is_a_node_like_any_other(run) -> None:
    # Newton's method: x - f'(x)/f''(x), differentiated again with respect to x.
    text = "x = 2; f = x**3 - 2*x - 5; g = grad(f, x); h = grad(g, x); step = x - g / h"
    document = _json(run, text)
    f = X**3 - 2 * X - 5
    step = X - sympy.diff(f, X) / sympy.diff(f, X, 2)
    assert document["value"] == pytest.approx(_number(step, {X: 2}), rel=1e-12)
    assert document["variables"]["x"]["grad"] == pytest.approx(_number(sympy.diff(step, X), {X: 2}), rel=1e-12)


def test_grad_of_a_node_that_does_not_depend_on_x_is_zero(run) -> None:
    variables = _json(run, "a = 1; b = 2; c = b * b; g = grad(c, a); s = grad(a, a)")["variables"]
    assert variables["g"]["value"] == 0.0 and variables["s"]["value"] == 1.0


def test_grad_sums_every_use(run) -> None:
    variables = _json(run, "a = 3; b = a + a; g = grad(b, a); c = a * a * a + a; k = grad(c, a)")["variables"]
    assert variables["g"]["value"] == 2.0
    assert variables["k"]["value"] == _number(sympy.diff(X**3 + X, X), {X: 3})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 0; y = relu(x); g = grad(y, x)", 0.0),
        ("x = -1; y = abs(x); g = grad(y, x); h = grad(g, x)", 0.0),
        ("x = 2; z = 2; m = max(x, z); g = grad(m, x)", 0.5),
        ("x = 2; z = 2; m = min(x, z); g = grad(m, z); h = grad(g, x)", 0.0),
        ("x = 0; y = x ** 2; g = grad(y, x); h = grad(g, x)", 2.0),
        ("x = 0; y = x ** 0; g = grad(y, x)", 0.0),
        ("a = 0; b = 2; f = a ** b; g = grad(f, b)", 0.0),
    ],
)
def test_kink_policy_holds_at_every_order(run, text: str, expected: float) -> None:
    assert _json(run, text)["value"] == expected


@pytest.mark.parametrize(
    ("text", "message", "caret"),
    [
        ("a = 1; f = a * a; grad(f + 1, a)", "named node", "f + 1"),
        ("a = 1; f = a * a; grad(f, 2)", "named node", "2"),
        ("a = 1; f = a * a; grad(f, pi)", "named node", "pi"),
        ("a = 1; f = a * a; grad(f)", "takes 2 arguments", "grad(f)"),
        ("a = 1; grad = a", "cannot assign to 'grad'", "grad"),
        ("a = 1; b = grad", "is a function, not a value", "grad"),
        ("a = 1; f = a * a; grad(f, q)", "unknown name 'q'", "q"),
        ("a = 0; b = sqrt(a); grad(b, a)", "db/da is inf here: a local derivative is infinite or undefined", "grad(b, a)"),
        ("a = -1; b = 2; f = a ** b; grad(f, b)", "df/db is nan here: a local derivative is infinite or undefined", "grad(f, b)"),
    ],
)
def test_bad_grad_calls_point_at_the_argument(run, text: str, message: str, caret: str) -> None:
    result = run("eval", text)
    assert result.exit_code == 1
    error = result.output
    assert message in error and "Traceback" not in error
    # The caret line underlines exactly the offending text.
    lines = error.splitlines()
    source_line = next(line for line in lines if text in line)
    marks = lines[lines.index(source_line) + 1]
    column = source_line.index(text) + text.rindex(caret)
    assert marks[column : column + len(caret)] == "^" * len(caret), error


def _chain(n: int) -> str:
    lines = ["a = 0.3", "b = 0.2", "x0 = a * b"]
    lines += [f"x{i} = x{i - 1} * 0.999 + tanh(x{i - 1}) * b" for i in range(1, n)]
    return "\n".join(lines)


def test_hessian_of_a_deep_graph_has_no_blow_up(run) -> None:
    text = _chain(2000)
    document = _json(run, "--hessian", text)
    hessian = document["hessian"]
    # Each entry against a central difference of the first derivative.
    for row in ("a", "b"):
        for column, value in (("a", 0.3), ("b", 0.2)):
            h = 1e-5
            moved = [text.replace(f"{column} = {value}", f"{column} = {value + s * h!r}", 1) for s in (1, -1)]
            plus, minus = (evaluate(t).variables[row].grad for t in moved)
            assert hessian[row][column] == pytest.approx((plus - minus) / (2 * h), rel=1e-5, abs=1e-8)
    # The derivative graph grows like the graph, not exponentially with depth.
    sizes = []
    for n in (500, 1000, 2000):
        result = evaluate(_chain(n))
        m = GraphMath()
        gradient(result.output, result.variables["a"], m)
        sizes.append(len(m.created))
    assert sizes[2] / sizes[1] == pytest.approx(2, rel=0.05) and sizes[1] / sizes[0] == pytest.approx(2, rel=0.05)


def test_nested_grad_on_a_deep_chain(run) -> None:
    text = _chain(3000) + "\ng = grad(x2999, a)\nh = grad(g, a)"
    variables = _json(run, text)["variables"]
    step = 1e-5
    moved = [text.replace("a = 0.3", f"a = {0.3 + s * step!r}", 1) for s in (1, -1)]
    plus, minus = (evaluate(t).variables["g"].data for t in moved)
    assert variables["h"]["value"] == pytest.approx((plus - minus) / (2 * step), rel=1e-5)
    assert math.isfinite(variables["h"]["value"])


def test_hessian_table_view(run) -> None:
    result = run("eval", "--hessian", "a = -2; b = 3; d = a*b; e = a+b; f = d*e")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Hessian of f"))
    a, b = sympy.symbols("a b")
    expected = sympy.hessian((a * b) * (a + b), (a, b)).subs({a: -2, b: 3})
    assert lines[start + 1].split() == ["a", "b"]
    for i, name in enumerate("ab"):
        cells = lines[start + 2 + i].split()
        assert cells[0] == name and [float(c) for c in cells[1:]] == [float(expected[i, 0]), float(expected[i, 1])]


def test_an_output_that_depends_on_no_input(run) -> None:
    result = run("eval", "--hessian", "--symbolic", "a = 1; b = 3 * 2")
    assert result.exit_code == 0
    assert "Hessian of b: b depends on no input" in result.output
    assert "b depends on no input: no formulas" in result.output
    document = _json(run, "--hessian", "--symbolic", "a = 1; b = 3 * 2")
    assert document["hessian"] == {} and document["formulas"] == {}


def test_a_non_finite_first_derivative_leaves_its_hessian_row_undefined(run) -> None:
    # d/db a**b is nan for a < 0 (the kink policy); its row is nan, not a row of zeros.
    hessian = _json(run, "--hessian", "a = -2; b = 2; f = a ** b")["hessian"]
    assert hessian["a"]["a"] == pytest.approx(_number(sympy.diff(X**2, X, 2), {X: -2}))
    assert hessian["a"]["b"] == hessian["b"]["a"] == hessian["b"]["b"] == "nan"


def test_a_failed_grad_leaves_a_session_graph_as_it_was() -> None:
    import io

    from autodiff_cli.interface.repl import Session

    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    session.feed("a = 0")
    session.feed("b = sqrt(a)")
    before = len(session.graph.nodes)
    session.feed("g = grad(b, a)")
    assert "a local derivative is infinite or undefined" in err.getvalue()
    assert len(session.graph.nodes) == before and "g" not in session.graph.names


def _nested_grad_program(levels: int) -> str:
    lines = ["x = 0.5", "p = sin(x) * exp(x) * x"]
    lines += [f"g{k} = grad({'p' if k == 1 else f'g{k - 1}'}, x)" for k in range(1, levels + 1)]
    return "\n".join(lines)


def test_nested_grad_values_agree_with_sympy(run) -> None:
    levels = 9
    variables = _json(run, _nested_grad_program(levels))["variables"]
    p = sympy.sin(X) * sympy.exp(X) * X
    for k in range(1, levels + 1):
        expected = _number(sympy.diff(p, X, k), {X: sympy.Rational(1, 2)})
        assert variables[f"g{k}"]["value"] == pytest.approx(expected, rel=1e-11), k


def test_nested_grad_shares_identical_nodes(run) -> None:
    """Each level reuses the nodes of the levels before it: the graph grew 2.08x a level without sharing."""
    sizes = [len(_json(run, _nested_grad_program(levels))["nodes"]) for levels in (8, 9, 10)]
    assert sizes[2] / sizes[1] < 1.85 and sizes[1] / sizes[0] < 1.85, sizes


def test_a_derivative_reuses_the_program_s_own_nodes() -> None:
    """d/dx cos(x) needs sin(x): the program's sin(x) node is reused, not copied."""
    result = evaluate("x = 0.7; s = sin(x); c = cos(x); y = s + c")
    m = GraphMath()
    second = gradient(gradient(result.output, result.variables["x"], m), result.variables["x"], m)
    ops = {node.op_name for node in m.created}
    assert "sin" not in ops and "cos" not in ops
    assert second.data == pytest.approx(-math.sin(0.7) - math.cos(0.7), rel=1e-15)


def test_hash_consing_keeps_signed_zeros_apart() -> None:
    m = GraphMath()
    assert m.constant(0.0) is m.constant(0.0)
    assert m.constant(0.0) is not m.constant(-0.0)
