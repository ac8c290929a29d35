"""The language of section 1 of the design, through the public evaluate()."""

from __future__ import annotations

import math

import pytest

from autodiff_cli import evaluate


def value(text: str) -> float:
    return evaluate(text).value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a = 3; -a**2", -9.0, id="unary-minus-looser-than-power"),
        pytest.param("2**-1", 0.5, id="power-accepts-unary-on-right"),
        pytest.param("2^3^2", 512.0, id="power-right-associative"),
        pytest.param("2**3**2", 512.0, id="double-star-right-associative"),
        pytest.param("a = 10; b = 3; c = 2; a - b - c", 5.0, id="minus-left-associative"),
        pytest.param("a = 12; b = 3; c = 2; a / b / c", 2.0, id="divide-left-associative"),
        pytest.param("1 + 2 * 3", 7.0, id="times-binds-tighter"),
        pytest.param("(1 + 2) * 3", 9.0, id="parentheses"),
        pytest.param("- -2", 2.0, id="double-negation"),
        pytest.param("+3", 3.0, id="unary-plus"),
        pytest.param(".5 + 1e-3 + 2.5E+4", 25000.501, id="number-forms"),
        pytest.param("pi", math.pi, id="pi"),
        pytest.param("pi = 3; pi + 1", 4.0, id="pi-shadowed"),
        pytest.param("pow(2, 10)", 1024.0, id="pow-function"),
        pytest.param("max(2, 3) + min(2, 3)", 5.0, id="max-min"),
        pytest.param("log(exp(2))", 2.0, id="log-is-natural"),
    ],
)
def test_expression_values(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a = 1;; b = a + 1;", id="blank-statements-and-trailing-semicolon"),
        pytest.param("\n\na = 1\n\n\nb = a + 1\n\n", id="blank-lines"),
        pytest.param("# leading comment\na = 1 # trailing\n# between\nb = a + 1 # end", id="comments"),
        pytest.param("a = 1\r\nb = (a +\n 1)", id="newline-inside-parentheses"),
    ],
)
def test_statement_layout(text: str) -> None:
    result = evaluate(text.replace("\r\n", "\n"))
    assert result.value == 2.0
    assert result.variables["a"].grad == 1.0


def test_reuse_accumulates() -> None:
    result = evaluate("a = 3; b = a + a")
    assert result.variables["a"].grad == 2.0


def test_seed_program() -> None:
    result = evaluate("a = -2; b = 3; d = a*b; e = a+b; f = d*e")
    grads = {name: node.grad for name, node in result.variables.items()}
    assert grads == {"a": -3.0, "b": -8.0, "d": 1.0, "e": -6.0, "f": 1.0}
    assert result.value == -6.0
    assert [result.label(node) for node in result.order] == ["a", "b", "d", "e", "f"]


def test_rebinding_keeps_earlier_uses() -> None:
    result = evaluate("a = 2; b = a * a; a = a + 1; c = b * a")
    # c = b * (a0 + 1) with b = a0**2: dc/da0 = 2*a0*(a0+1) + a0**2 = 12 + 4
    first_a = result.graph.nodes[0]
    assert first_a.grad == 16.0
    assert result.value == 12.0
    assert result.variables["a"].data == 3.0


def test_constants_carry_no_gradient() -> None:
    result = evaluate("a = 3; b = 2 * a")
    constants = [node for node in result.graph.nodes if node.op_name == "const"]
    assert len(constants) == 1 and constants[0].grad is None
    assert result.variables["a"].grad == 2.0
    assert result.variables["a"].op_name == "input"


def test_negative_literal_is_an_input() -> None:
    result = evaluate("a = -2.5; b = a * a")
    assert result.variables["a"].op_name == "input"
    assert result.variables["a"].grad == -5.0


def test_unused_nodes_have_zero_gradient() -> None:
    result = evaluate("a = 1; b = 2; c = a * 3")
    assert result.variables["b"].grad == 0.0
    assert result.variables["b"] not in result.order


def test_order_is_deterministic_and_in_source_order() -> None:
    orders = {tuple(evaluate("b = 2; a = 3; c = a * b").label(n) for n in evaluate("b = 2; a = 3; c = a * b").order)}
    assert orders == {("a", "b", "c")}


def test_second_backward_does_not_accumulate_stale_gradients() -> None:
    result = evaluate("a = 3; b = a * a")
    graph = result.graph
    again = graph.differentiate()
    assert again.variables["a"].grad == 6.0


def test_ten_thousand_nested_parentheses() -> None:
    depth = 10_000
    assert evaluate("a = 2; " + "(" * depth + "a * 3" + ")" * depth).variables["a"].grad == 3.0


def test_hundred_thousand_statement_chain() -> None:
    lines = ["x0 = 1"] + [f"x{i} = x{i - 1} * 1.00001" for i in range(1, 100_001)]
    result = evaluate("\n".join(lines))
    assert result.value == pytest.approx(1.00001**100_000, rel=1e-9)
    assert result.variables["x0"].grad == pytest.approx(1.00001**100_000, rel=1e-9)


def test_hundred_thousand_unary_minus() -> None:
    result = evaluate("a = 1; b = " + "-" * 100_001 + "a")
    assert result.value == -1.0
    assert result.variables["a"].grad == -1.0
