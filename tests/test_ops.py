"""Every operation's derivative against a central finite difference, and the kink policy."""

from __future__ import annotations

import math

import pytest

from autodiff_cli import evaluate
from autodiff_cli.ops import OPERATIONS

from .oracle import finite_difference

UNARY = {
    "neg": "-x",
    "exp": "exp(x)",
    "log": "log(x)",
    "sqrt": "sqrt(x)",
    "sin": "sin(x)",
    "cos": "cos(x)",
    "tan": "tan(x)",
    "tanh": "tanh(x)",
    "sigmoid": "sigmoid(x)",
    "relu": "relu(x)",
    "abs": "abs(x)",
}
BINARY = {
    "add": "x + y",
    "sub": "x - y",
    "mul": "x * y",
    "div": "x / y",
    "pow": "x ** y",
    "max": "max(x, y)",
    "min": "min(x, y)",
}
POINTS = [0.3, 1.7, 2.9]


def test_every_operation_is_covered() -> None:
    assert set(UNARY) | set(BINARY) == set(OPERATIONS)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivative(name: str, point: float) -> None:
    x = -point if name in {"relu", "abs"} and point == 0.3 else point
    text = f"x = {x!r}; {UNARY[name]}"
    assert evaluate(text).variables["x"].grad == pytest.approx(finite_difference(text, "x"), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(("x", "y"), [(0.7, 1.9), (2.2, 0.4), (1.3, -1.1)])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivative(name: str, x: float, y: float) -> None:
    text = f"x = {x!r}; y = {y!r}; {BINARY[name]}"
    result = evaluate(text)
    for variable in ("x", "y"):
        expected = finite_difference(text, variable)
        assert result.variables[variable].grad == pytest.approx(expected, rel=1e-6, abs=1e-8), variable


@pytest.mark.parametrize(
    ("text", "grads"),
    [
        pytest.param("x = 0; relu(x)", {"x": 0.0}, id="relu-at-0"),
        pytest.param("x = 0; abs(x)", {"x": 0.0}, id="abs-at-0"),
        pytest.param("x = 2; y = 2; max(x, y)", {"x": 0.5, "y": 0.5}, id="max-tie"),
        pytest.param("x = 2; y = 2; min(x, y)", {"x": 0.5, "y": 0.5}, id="min-tie"),
        pytest.param("x = 0; y = 2; x ** y", {"x": 0.0, "y": 0.0}, id="pow-at-zero-base"),
        pytest.param("x = 0; y = 1; x ** y", {"x": 1.0, "y": 0.0}, id="pow-zero-base-exponent-1"),
        pytest.param("x = 0; y = 0; x ** y", {"x": 0.0, "y": 0.0}, id="pow-zero-to-the-zero"),
        pytest.param("x = 3; y = 0; x ** y", {"x": 0.0, "y": math.log(3)}, id="pow-exponent-zero"),
        pytest.param("x = -2; y = 2; x ** y", {"x": -4.0, "y": math.nan}, id="pow-negative-base"),
        pytest.param("x = -1000; sigmoid(x)", {"x": 0.0}, id="sigmoid-saturates-without-overflow"),
        pytest.param("x = 1000; sigmoid(x)", {"x": 0.0}, id="sigmoid-saturates-high"),
        pytest.param("x = 800; tanh(x)", {"x": 0.0}, id="tanh-saturates"),
        pytest.param("x = 3; max(x, x)", {"x": 1.0}, id="max-of-a-node-with-itself"),
        pytest.param("x = 0; sqrt(x)", {"x": math.inf}, id="sqrt-at-0-is-inf"),
    ],
)
def test_kink_policy(text: str, grads: dict[str, float]) -> None:
    result = evaluate(text)
    for name, expected in grads.items():
        got = result.variables[name].grad
        if math.isnan(expected):
            assert math.isnan(got), name
        else:
            assert got == expected, name
