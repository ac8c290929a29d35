"""Every operation's derivative against a central finite difference, and the kink policy."""

from __future__ import annotations

import json
import math

import pytest

from autodiff_cli import evaluate
from autodiff_cli.core.ops import OPERATIONS
from tests.oracle import DEFINITIONS, finite_difference
from tests.support import BINARY, MANY, UNARY


def test_every_operation_is_covered() -> None:
    """The oracle's table defines every operation of ops.py again, and nothing else."""
    assert set(DEFINITIONS) == set(OPERATIONS)


@pytest.mark.parametrize(("name", "x"), [(name, x) for name in sorted(UNARY) for x in DEFINITIONS[name].points])
def test_unary_derivative(name: str, x: float) -> None:
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


@pytest.mark.parametrize(("x", "y", "z"), [(0.7, -1.9, 2.5), (-2.2, 0.4, 1.5), (3.3, -1.1, 1.25)])
@pytest.mark.parametrize("name", sorted(MANY))
def test_ternary_and_variadic_derivatives(run, name: str, x: float, y: float, z: float) -> None:
    text = f"x = {x!r}; y = {y!r}; z = {z!r}; {MANY[name]}"
    result = run("eval", "--format", "json", text)
    assert result.exit_code == 0, result.stderr
    variables = json.loads(result.stdout)["variables"]
    for variable in ("x", "y", "z"):
        expected = finite_difference(text, variable)
        assert variables[variable]["grad"] == pytest.approx(expected, rel=1e-6, abs=1e-8), variable


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
        # The operations added later, each kink next to PyTorch's choice (docs/language.md).
        pytest.param("x = 1; asin(x)", {"x": math.inf}, id="asin-at-1-is-inf"),
        pytest.param("x = -1; asin(x)", {"x": math.inf}, id="asin-at-minus-1-is-inf"),
        pytest.param("x = 1; acos(x)", {"x": -math.inf}, id="acos-at-1-is-minus-inf"),
        pytest.param("y = 0; x = 0; atan2(y, x)", {"x": math.nan, "y": math.nan}, id="atan2-at-origin-is-nan"),
        pytest.param("x = 0; y = 0; hypot(x, y)", {"x": math.nan, "y": math.nan}, id="hypot-at-origin-is-nan"),
        pytest.param("x = 0; elu(x)", {"x": 1.0}, id="elu-at-0-is-1"),
        pytest.param("x = -2; elu(x)", {"x": math.exp(-2)}, id="elu-negative"),
        pytest.param("x = 0; s = 0.1; leaky_relu(x, s)", {"x": 0.1, "s": 0.0}, id="leaky-relu-at-0-takes-the-slope"),
        pytest.param("x = -3; s = 0.1; leaky_relu(x, s)", {"x": 0.1, "s": -3.0}, id="leaky-relu-negative"),
        pytest.param("x = 0; lo = 0; hi = 1; clamp(x, lo, hi)", {"x": 1.0, "lo": 0.0, "hi": 0.0}, id="clamp-at-lower-bound"),
        pytest.param("x = 1; lo = 0; hi = 1; clamp(x, lo, hi)", {"x": 1.0, "lo": 0.0, "hi": 0.0}, id="clamp-at-upper-bound"),
        pytest.param("x = -1; lo = 0; hi = 1; clamp(x, lo, hi)", {"x": 0.0, "lo": 1.0, "hi": 0.0}, id="clamp-below"),
        pytest.param("x = 2; lo = 0; hi = 1; clamp(x, lo, hi)", {"x": 0.0, "lo": 0.0, "hi": 1.0}, id="clamp-above"),
        pytest.param("x = 0; y = 5; z = 2; prod(x, y, z)", {"x": 10.0, "y": 0.0, "z": 0.0}, id="prod-with-a-zero"),
        pytest.param("x = 3; sum(x, x, x)", {"x": 3.0}, id="sum-of-one-input-thrice"),
        pytest.param("x = 3; prod(x, x, x)", {"x": 27.0}, id="prod-of-one-input-thrice"),
        pytest.param("x = 3; prod(x)", {"x": 1.0}, id="prod-of-one-argument"),
        pytest.param("x = 800; softplus(x)", {"x": 1.0}, id="softplus-saturates-without-overflow"),
        pytest.param("x = -800; softplus(x)", {"x": 0.0}, id="softplus-saturates-low"),
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


def test_explain_names_every_argument_of_many(run) -> None:
    """--explain takes each argument's rule and name from the table: clamp's lo and hi, every factor of prod."""
    result = run("eval", "--explain", "a = 2; b = 3; c = 5; x = 0.5; lo = 0; hi = 1; clamp(x, lo, hi) + prod(a, b, c)")
    assert result.exit_code == 0
    text = result.stdout
    for receiver, local in (("a", 15), ("b", 10), ("c", 6)):
        assert f"  {receiver}.grad += (the product of the other arguments) * prod(a, b, c).grad = {local} * 1" in text
    assert "  x.grad += (1 if lo <= x <= hi else 0) * clamp(x, lo, hi).grad = 1 * 1 = 1" in text
    assert "  hi.grad += (1 if x > hi else 0) * clamp(x, lo, hi).grad = 0 * 1 = 0" in text
