"""Functions of the user: definitions, inlined calls, their labels and errors, through the real command."""

from __future__ import annotations

import io
import json

import pytest
import sympy

from autodiff_cli.interface.repl import Session
from tests.oracle import finite_difference

NEURONS = """neuron(x, w, b) = tanh(x * w + b)
x1 = 0.5; w1 = -1.5; x2 = 2; w2 = 0.25; b = 0.1
o = neuron(x1, w1, b) + neuron(x2, w2, b)"""


def _json(run, *args: str) -> dict:
    result = run("eval", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_call_is_its_body_inlined(run) -> None:
    document = _json(run, NEURONS)
    x1, w1, x2, w2, b = sympy.symbols("x1 w1 x2 w2 b")
    expr = sympy.tanh(x1 * w1 + b) + sympy.tanh(x2 * w2 + b)
    point = {x1: 0.5, w1: -1.5, x2: 2, w2: 0.25, b: 0.1}
    assert document["value"] == pytest.approx(float(expr.subs(point)), rel=1e-14)
    for symbol in (x1, w1, x2, w2, b):
        expected = float(sympy.diff(expr, symbol).subs(point))
        assert document["variables"][str(symbol)]["grad"] == pytest.approx(expected, rel=1e-12), symbol


def test_each_call_builds_its_own_labelled_nodes(run) -> None:
    labels = [node["label"] for node in _json(run, NEURONS)["nodes"]]
    assert labels.count("neuron(x1, w1, b)") == 1 and labels.count("neuron(x2, w2, b)") == 1
    for call in (1, 2):
        assert f"x * w in neuron#{call}" in labels and f"x * w + b in neuron#{call}" in labels


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("sq(x) = x * x; cube(x) = sq(x) * x; a = 1.3; y = cube(a) + sq(a)", id="a-body-calls-an-earlier-function"),
        pytest.param("f(x, y) = x / y + pi; a = 2; c = 5; z = f(c, a) * f(a, c)", id="two-parameters-and-a-constant"),
        pytest.param("f(a) = a * a; a = 3; g = f(a + 1)", id="a-parameter-named-like-a-program-name"),
        pytest.param("one() = 1; a = 2; y = a * one()", id="no-parameters"),
        pytest.param("n(x) = sum(x, x * x, exp(x)); a = 0.4; y = prod(n(a), n(a))", id="variadic-built-ins-in-a-body"),
    ],
)
def test_gradients_through_calls_agree_with_finite_differences(run, program: str) -> None:
    document = _json(run, program)
    inputs = [node["label"] for node in document["nodes"] if node["op"] == "input"]
    for name in inputs:
        assert document["variables"][name]["grad"] == pytest.approx(finite_difference(program, name), rel=1e-6), name


def test_grad_hessian_and_symbolic_work_through_calls(run) -> None:
    program = "f(x) = exp(x * x); a = 0.7; c = f(a); d = grad(c, a)"
    document = _json(run, "--hessian", "--symbolic", program)
    a = sympy.Symbol("a")
    c = sympy.exp(a * a)
    assert document["variables"]["d"]["value"] == pytest.approx(float(sympy.diff(c, a).subs(a, 0.7)), rel=1e-12)
    assert document["hessian"]["a"]["a"] == pytest.approx(float(sympy.diff(c, a, 3).subs(a, 0.7)), rel=1e-12)
    assert document["formulas"]


ERRORS = [
    ("f(x) = x*2; f = 3", "cannot assign to 'f': it is a function (f(x))", " " * 12 + "^"),
    ("f(x) = x*2; f(x) = 3", "function 'f' is already defined", " " * 12 + "^"),
    ("a = 1; f(x) = 2; a(x) = x", "'a' is already a value; a function needs a name of its own", " " * 17 + "^"),
    ("a = 1; f(x) = x*a", "unknown name 'a' in the body of f()", " " * 16 + "^"),
    ("f(x) = x; g(y) = f", "'f' is a function, not a value", " " * 17 + "^"),
    ("exp(x) = x", "cannot define 'exp': it is a built-in function", "^^^"),
    ("f(exp) = exp", "parameter 'exp' is named like a function", "  ^^^"),
    ("f(x, x) = x", "parameter 'x' appears twice", "     ^"),
    ("f(x*2) = x", "a parameter must be a name", "  ^^^"),
    ("f(1) = 2", "a parameter must be a name", "  ^"),
    ("f(x) = f(x)", "f() cannot call itself", "       ^"),
    ("f(x) = g(x); g(x) = x", "unknown function 'g' in the body of f()", "       ^"),
    ("f(x) = grad(x, x)", "grad() cannot be used in a function's body", "       ^^^^"),
    ("f(x) = x; g(x) = f(x, x)", "f(x) takes 1 argument, not 2", " " * 17 + "^^^^^^^"),
    ("f(x) = exp(x, x)", "exp() takes 1 argument, not 2", "       ^^^^^^^^^"),
    ("f(x) = x; y = f(1, 2)", "f(x) takes 1 argument, not 2", " " * 14 + "^^^^^^^"),
    ("f(x) = x; b = f", "'f' is a function, not a value", " " * 14 + "^"),
    ("f(x) = log(x); a = 0; b = f(a)", "log of a non-positive number (0), at log(x) in the body of f()", " " * 26 + "^^^^"),
]


@pytest.mark.parametrize(("program", "message", "caret"), ERRORS, ids=[message for _, message, _ in ERRORS])
def test_function_errors_point_at_the_place(run, program: str, message: str, caret: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {message}"
    assert lines[4] == f"  | {caret}"
    assert "Traceback" not in result.stderr


def test_a_long_chain_of_functions_does_not_recurse(run) -> None:
    """Each function calls the one before: inlining runs from a stack of frames, not Python recursion."""
    count = 3000
    lines = ["f0(x) = x + 1"] + [f"f{k}(x) = f{k - 1}(x) * 1" for k in range(1, count)] + ["a = 2", f"y = f{count - 1}(a)"]
    document = _json(run, "\n".join(lines))
    assert document["value"] == 3.0 and document["variables"]["a"]["grad"] == 1.0


def test_the_repl_keeps_functions_across_lines() -> None:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    lines = ["sq(x) = x * x", "a = 3", "b = sq(a)", "sq(a) + 1", ":vars", "sq = 2"]
    session.run_stream(line + "\n" for line in lines)
    text = out.getvalue()
    assert "defined sq(x)\n" in text and "b = 9\n" in text and "∂/∂a = 6" in text
    assert "sq(x) = x * x\n" in text
    assert "cannot assign to 'sq': it is a function" in err.getvalue()
