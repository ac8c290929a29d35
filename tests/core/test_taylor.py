"""Taylor mode (--taylor NAME:K): every operation against SymPy and mpmath up to K = 20, random programs, nested grad()."""

from __future__ import annotations

import json
import math

import mpmath
import pytest
from hypothesis import assume, event, given, note, settings

from autodiff_cli import evaluate
from autodiff_cli.base.errors import ProgramError
from autodiff_cli.core import ops, taylor
from tests.oracle import DEFINITIONS
from tests.support import PROFILE, Program, forward, programs, sympy_of

sp = pytest.importorskip("sympy")


def taylor_document(run, option: str, program: str) -> dict:
    result = run("eval", "-f", "json", "--taylor", option, program)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["taylor"]


def test_every_operation_has_a_rule() -> None:
    """A row without a rule of its own is a unary function whose series is its derivative rule's integral."""
    missing = sorted(name for name, op in ops.OPERATIONS.items() if op.taylor is None and op.arity != 1)
    assert not missing, f"operations without a Taylor rule: {missing}"


# ---------------------------------------------------------------- every operation, K = 20

# Each operation's meaning, written again from its mathematical definition (tests/oracle.py, not ops.py):
# for mpmath (high-precision Taylor coefficients) and for SymPy (symbolic derivatives).
MPMATH = {name: definition.mpmath for name, definition in DEFINITIONS.items()}
SYMPY = {name: definition.sympy for name, definition in DEFINITIONS.items()}

POINTS = [0.7, -0.6, 1.6, 0.3]


def _points(name: str) -> list[float]:
    """POINTS inside the operation's domain (for one argument), with the oracle's own where fewer than three are."""
    low, high = DEFINITIONS[name].domain
    points = [x for x in POINTS if low < x < high]
    return points if len(points) >= 3 else points + [x for x in DEFINITIONS[name].points if x not in points]
# An argument that moves with x at another rate, and one that does not move: (text, mpmath, SymPy) of x.
MOVING = ("(1.3 * x + 0.4)", lambda x: mpmath.mpf(1.3) * x + mpmath.mpf(0.4), lambda x: sp.Float(1.3, 30) * x + sp.Float(0.4, 30))
FIXED = ("1.7", lambda x: mpmath.mpf(1.7), lambda x: sp.Float(1.7, 30))
SEED = ("x", lambda x: x, lambda x: x)


def _variants(op: ops.Operation) -> list[tuple[str, tuple]]:
    """Argument lists: x alone, x with a moving second argument, with a constant one, and x second."""
    if op.arity == 1:
        return [("x", (SEED,))]
    rest = [MOVING] * (op.arity - 1)
    fixed = [FIXED] * (op.arity - 1)
    return [("moving", (SEED, *rest)), ("fixed", (SEED, *fixed)), ("second", (*fixed, SEED))]


def _text(op: ops.Operation, arguments: tuple) -> str:
    texts = [argument[0] for argument in arguments]
    if op.symbol and op.arity == 2:
        return f"({texts[0]}) {op.symbol} ({texts[1]})"
    if op.symbol:
        return f"{op.symbol}({texts[0]})"
    return f"{op.name}({', '.join(texts)})"


def _function(name: str, arguments: tuple):
    """The operation applied to its arguments, as an mpmath function of x."""
    return lambda x: MPMATH[name](*(argument[1](x) for argument in arguments))


def _close(ours: float, exact: float, scale: float) -> bool:
    return abs(ours - exact) <= 1e-9 * abs(exact) + 1e-13 * scale


@pytest.mark.parametrize("name", sorted(ops.OPERATIONS))
def test_every_operation_to_order_20_against_mpmath(run, name: str) -> None:
    """Coefficients c_0..c_20 against mpmath's Taylor coefficients at 40 digits (SymPy's arbitrary-precision engine)."""
    op = ops.OPERATIONS[name]
    assert name in MPMATH, f"no independent definition of {name} in this test"
    compared = 0
    for _variant, arguments in _variants(op):
        for x0 in _points(name):
            program = f"x = {x0!r}; y = {_text(op, arguments)}"
            result = run("eval", "-f", "json", "--taylor", "x:20", program)
            if result.exit_code == 1:
                continue  # outside the operation's domain at this point (the forward pass says so)
            assert result.exit_code == 0, result.stderr
            ours = json.loads(result.stdout)["taylor"]["coefficients"]
            with mpmath.workdps(40):
                exact = mpmath.taylor(_function(name, arguments), mpmath.mpf(x0), 20)
                exact = [float(c) for c in exact]
            scale = max(abs(c) for c in exact)
            bad = [(k, o, e) for k, (o, e) in enumerate(zip(ours, exact)) if not _close(o, e, scale)]
            assert not bad, f"{program}: (k, ours, mpmath) {bad[:3]}"
            compared += 1
    assert compared >= 3, f"{name}: too few points in its domain"


@pytest.mark.parametrize("name", sorted(ops.OPERATIONS))
def test_every_operation_to_order_6_against_sympy(name: str) -> None:
    """Derivatives 0..6 against SymPy's symbolic derivatives, evaluated at 30 digits."""
    op = ops.OPERATIONS[name]
    assert name in SYMPY, f"no SymPy definition of {name} in this test"
    x = sp.Symbol("x", real=True)
    compared = 0
    for _variant, arguments in _variants(op):
        expression = SYMPY[name](*(a[2](x) for a in arguments))
        for x0 in _points(name):
            program = f"x = {x0!r}; y = {_text(op, arguments)}"
            try:
                result = evaluate(program)
            except ProgramError:
                continue
            ours = taylor.derivatives(taylor.taylor_series(result.output, result.variables["x"], 6))
            derivative = expression
            for k in range(7):
                exact = float(sp.N(derivative.subs(x, sp.Float(x0, 30)), 30))
                assert math.isclose(ours[k], exact, rel_tol=1e-9, abs_tol=1e-12), (program, k, ours[k], exact)
                derivative = sp.diff(derivative, x)
            compared += 1
    assert compared >= 3, f"{name}: too few points in its domain"


# Functions whose derivative is a polynomial in themselves (f' = w(f)): SymPy differentiates the
# polynomial in f instead of the ever longer expression in x (tan's 20th derivative otherwise takes minutes).
POLYNOMIAL_IN_ITSELF = {
    "tan": lambda f: 1 + f**2,
    "tanh": lambda f: 1 - f**2,
    "sigmoid": lambda f: f * (1 - f),
}


def _sympy_derivatives(name: str, arguments: tuple, x0: float, order: int) -> list[float]:
    """d^0 .. d^order of the operation applied to `arguments`, at x0, by SymPy, at 40 digits."""
    x = sp.Symbol("x", real=True)
    point = sp.Float(x0, 40)
    if name in POLYNOMIAL_IN_ITSELF and arguments == (SEED,):
        f = sp.Symbol("f")
        value = SYMPY[name](point)
        polynomial, derivatives = f, []
        for _ in range(order + 1):
            derivatives.append(float(sp.N(polynomial.subs(f, value), 40)))
            polynomial = sp.expand(sp.diff(polynomial, f) * POLYNOMIAL_IN_ITSELF[name](f))
        return derivatives
    expression, derivatives = SYMPY[name](*(argument[2](x) for argument in arguments)), []
    for _ in range(order + 1):
        derivatives.append(float(sp.N(expression.subs(x, point), 40)))
        expression = sp.diff(expression, x)
    return derivatives


@pytest.mark.parametrize("name", sorted(ops.OPERATIONS))
def test_every_operation_to_order_20_against_sympy(name: str) -> None:
    """Derivatives 0..20 against SymPy's symbolic derivatives (the variants whose expression stays small)."""
    op = ops.OPERATIONS[name]
    compared = 0
    for variant, arguments in _variants(op):
        if variant == "moving":
            continue  # x ** (1.3 x + 0.4) and the like: checked to order 20 against mpmath above, to 6 here
        for x0 in _points(name)[:2]:
            try:
                result = evaluate(f"x = {x0!r}; y = {_text(op, arguments)}")
            except ProgramError:
                continue
            ours = taylor.derivatives(taylor.taylor_series(result.output, result.variables["x"], 20))
            exact = _sympy_derivatives(name, arguments, x0, 20)
            scale = max(abs(d) / math.factorial(k) for k, d in enumerate(exact))
            for k, (o, e) in enumerate(zip(ours, exact)):
                assert _close(o / math.factorial(k), e / math.factorial(k), scale), (name, variant, x0, k, o, e)
            compared += 1
    assert compared >= 1, f"{name}: no point in its domain"


# ---------------------------------------------------------------- kinks: the first derivative's policy at every order

KINKS = [
    pytest.param("x = 0; y = relu(x)", [0.0, 0.0, 0.0, 0.0], id="relu-at-0"),
    pytest.param("x = 0; y = abs(x)", [0.0, 0.0, 0.0, 0.0], id="abs-at-0"),
    pytest.param("x = 0; y = abs(x) + x * x", [0.0, 0.0, 2.0, 0.0], id="abs-at-0-plus-smooth"),
    pytest.param("x = 0; y = max(x, 2 * x)", [0.0, 1.5, 0.0, 0.0], id="max-tie-splits"),
    pytest.param("x = 1; y = min(x, x * x)", [1.0, 1.5, 1.0, 0.0], id="min-tie-mean-of-both"),
    pytest.param("x = -1; y = relu(x) + abs(x) * x", [-1.0, 2.0, -2.0, 0.0], id="relu-left-abs-left"),
    pytest.param("x = 2; y = relu(x) * x + max(x, 1)", [6.0, 5.0, 2.0, 0.0], id="relu-right"),
]


@pytest.mark.parametrize(("program", "wanted"), KINKS)
def test_kinks_follow_the_first_derivatives_policy(run, program: str, wanted: list[float]) -> None:
    assert taylor_document(run, "x:3", program)["derivatives"] == wanted


@pytest.mark.parametrize(("program", "wanted"), KINKS)
def test_kinks_agree_with_nested_grad(program: str, wanted: list[float]) -> None:
    nested = program + "; g0 = y" + "".join(f"; g{k} = grad(g{k - 1}, x)" for k in range(1, 4))
    result = evaluate(nested)
    assert [result.variables[f"g{k}"].data for k in range(4)] == wanted


def test_nested_grads_agree_with_taylor() -> None:
    """The issue's example at order 10 here (16 nested grads build a million nodes: see benchmarks/modes.py)."""
    levels = 10
    lines = ["x = 0.7", "p = sin(x) * exp(x) * x", "g0 = p"] + [f"g{k} = grad(g{k - 1}, x)" for k in range(1, levels + 1)]
    nested = evaluate("\n".join(lines))
    series = taylor.derivatives(taylor.taylor_series(nested.variables["p"], nested.variables["x"], 16))
    for k in range(levels + 1):
        assert math.isclose(series[k], nested.variables[f"g{k}"].data, rel_tol=1e-11), k
    # And order 16 against SymPy.
    x = sp.Symbol("x")
    exact = float(sp.N(sp.diff(sp.sin(x) * sp.exp(x) * x, x, 16).subs(x, sp.Float(0.7, 30)), 30))
    assert math.isclose(series[16], exact, rel_tol=1e-11)


# ---------------------------------------------------------------- random programs against SymPy


@settings(PROFILE, max_examples=120)
@given(program=programs())
def test_random_programs_against_sympy(program: Program) -> None:
    note(program.text)
    try:
        _, kinks, poles = forward(program, program.inputs)
        result = evaluate(program.text)
    except Exception:
        assume(False)
        return
    if any(abs(kink) < 1e-6 for kink in kinks) or poles:
        event("at a kink or a pole: the policy, not SymPy, decides")
        return
    inputs = [node for node in result.graph.nodes if node.op == "input"]
    seed = (result.dependent_inputs() or inputs)[-1]
    seed_index = inputs.index(seed)
    try:
        ours = taylor.derivatives(taylor.taylor_series(result.output, seed, 4, result.order))
    except taylor.SeriesDomainError:
        event("no Taylor series here")
        return
    symbols = [sp.Symbol(f"in{index}", real=True) for index in range(len(program.inputs))]
    constants: dict = {}
    expression = sympy_of(program.output, symbols, constants)
    values = {symbol: sp.Float(value, 30) for symbol, value in zip(symbols, program.inputs)}
    values.update({symbol: sp.Float(text, 30) for symbol, text in constants.values()})
    for k in range(5):
        exact = complex(sp.N(expression.subs(values), 30))
        if not math.isfinite(abs(exact)) or abs(exact.imag) > 1e-9:
            event("SymPy gives no finite real number")
            return
        scale = max(1.0, abs(exact.real), abs(ours[k]))
        assert abs(ours[k] - exact.real) <= 1e-7 * scale, (k, ours[k], exact.real)
        expression = sp.diff(expression, symbols[seed_index])
    event("compared to order 4")


# ---------------------------------------------------------------- the command line


def test_table_rows(run) -> None:
    result = run("eval", "--taylor", "x:3", "x = 0; y = exp(2 * x)")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Taylor series of y in x at x = 0 (K = 3)")
    assert [line.split() for line in lines[start : start + 6]][1:] == [
        ["k", "d^k", "y/dx^k", "coefficient"],
        ["0", "1", "1"],
        ["1", "2", "2"],
        ["2", "4", "2"],  # 2^k and 2^k / k!
        ["3", "8", "1.33333"],
    ]


def test_json_member(run) -> None:
    doc = taylor_document(run, "x:4", "x = 0.5; y = 1 / (1 - x)")
    assert doc["input"] == "x" and doc["at"] == 0.5
    # 1/(1 - x) at 0.5: c_k = 2^(k+1), d^k = k! 2^(k+1)
    assert doc["coefficients"] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert doc["derivatives"] == [2.0, 4.0, 16.0, 96.0, 768.0]


def test_rebound_input_key(run) -> None:
    doc = taylor_document(run, "x@1:2", "x = 2\ny = x * x\nx = 3\nz = y * x")
    assert doc["input"] == "x@1" and doc["derivatives"] == [12.0, 12.0, 6.0]


def test_negative_base_to_a_moving_exponent_is_nan(run) -> None:
    doc = taylor_document(run, "x:2", "x = 2; y = (0 - 2) ** x")
    assert doc["derivatives"] == [4.0, "nan", "nan"]  # d/dy x**y is nan for x < 0, as in the first derivative


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param("x", "expected NAME:K", id="no-colon"),
        pytest.param("x:two", "K must be a whole number", id="not-a-number"),
        pytest.param("x:0", "K must be between 1 and 170", id="zero"),
        pytest.param("x:171", "K must be between 1 and 170", id="too-many"),
        pytest.param("nope:3", "binds no name 'nope'", id="unknown-name"),
        pytest.param("y:3", "'y' is not an input", id="not-an-input"),
    ],
)
def test_usage_errors(run, option: str, message: str) -> None:
    result = run("eval", "--taylor", option, "x = 1; y = x * x")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --taylor {option}") and message in result.stderr


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("x = 0; y = sqrt(x)", id="sqrt-at-0"),
        pytest.param("x = 0; y = x ** 0.5", id="fractional-power-at-0"),
    ],
)
def test_no_series_at_a_branch_point_is_a_program_error(run, program: str) -> None:
    result = run("eval", "--taylor", "x:3", program)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --taylor:") and "no Taylor series at" in result.stderr
    assert " --> <eval>:1:12" in result.stderr and "^" in result.stderr


def test_whole_power_at_0_has_a_series(run) -> None:
    assert taylor_document(run, "x:4", "x = 0; y = (x + x) ** 3")["derivatives"] == [0.0, 0.0, 0.0, 48.0, 0.0]


def test_an_operation_that_does_not_move_is_not_asked(run) -> None:
    # sqrt(0) of a constant: the series is constant, whatever sqrt's rule would say.
    assert taylor_document(run, "x:2", "x = 1; z = 0; y = x * sqrt(z) + x")["derivatives"] == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("name", sorted(ops.OPERATIONS))
def test_every_rule_against_mpmath_directly(name: str) -> None:
    """The rules themselves, on series given directly (a variadic one on two)."""
    operation = ops.OPERATIONS[name]
    rule = taylor.rule(operation)
    arity = operation.arity if operation.arity > 0 else 2
    compared = 0
    for x0 in _points(name):
        with mpmath.workdps(40):
            arguments = [SEED, MOVING, FIXED][:arity]
            try:
                value = MPMATH[name](*(a[1](mpmath.mpf(x0)) for a in arguments))
            except (ValueError, ZeroDivisionError):
                continue
            if not isinstance(value, mpmath.mpf):
                continue  # complex: outside the domain
            exact = [float(c) for c in mpmath.taylor(_function(name, arguments), mpmath.mpf(x0), 12)]
        series = [[x0, 1.0] + [0.0] * 11, [1.3 * x0 + 0.4, 1.3] + [0.0] * 11, [1.7] + [0.0] * 12][:arity]
        ours = rule(series, float(value))
        scale = max(abs(c) for c in exact)
        assert all(_close(o, e, scale) for o, e in zip(ours, exact)), (name, x0, ours, exact)
        compared += 1
    assert compared >= 2
