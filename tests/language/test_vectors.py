"""Vectors: literals, indexing, element-wise operations, dot/sum/prod/len, and their errors, through the real command.

The oracles are independent: micrograd 0.1.0's own Value for the MLP
example, and plain Python arithmetic for the element-wise rules.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.support import MLP, micrograd_loss, micrograd_mlp


def _json(run, *args: str) -> dict:
    result = run("eval", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_vector_literal_is_a_vector_of_inputs_keyed_by_element(run) -> None:
    document = _json(run, "w = [0.5, -0.3, 2]; y = w[0] * w[1] + w[2] ** 2")
    variables = document["variables"]
    assert variables["w[0]"] == {"value": 0.5, "grad": -0.3}
    assert variables["w[1]"] == {"value": -0.3, "grad": 0.5}
    assert variables["w[2]"] == {"value": 2.0, "grad": 4.0}
    inputs = [node["label"] for node in document["nodes"] if node["op"] == "input"]
    assert inputs == ["w[0]", "w[1]", "w[2]"]


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("a = [1, 2, 3]; b = [4, 5, 6]; y = sum(a * b)", 1 * 4 + 2 * 5 + 3 * 6),
        ("a = [1, 2, 3]; b = [4, 5, 6]; y = sum(a + b)", 21),
        ("a = [1, 2, 3]; b = [4, 5, 6]; y = sum(a - b)", -9),
        ("a = [1, 2, 3]; b = [4, 5, 6]; y = sum(a / b)", 1 / 4 + 2 / 5 + 3 / 6),
        ("a = [1, 2, 3]; y = sum(2 * a + 1)", 15),
        ("a = [1, 2, 3]; y = sum(a ** 2)", 14),
        ("a = [1, 2, 3]; y = prod(a)", 6),
        ("a = [1, 2, 3]; y = sum(-a)", -6),
        ("a = [1, 2, 3]; y = sum(tanh(a))", math.tanh(1) + math.tanh(2) + math.tanh(3)),
        ("a = [1, 2, 3]; y = sum(exp(a))", math.exp(1) + math.exp(2) + math.exp(3)),
        ("a = [1, 2, 3]; b = [4, 5, 6]; y = dot(a, b)", 32),
        ("a = [1, 2, 3]; y = len(a) * a[2]", 9),
        ("a = [1, 2]; y = (a * [3, 4])[1]", 8),
        ("a = [1, 2]; y = sum(max(a, 1.5))", 1.5 + 2),
    ],
)
def test_element_wise_operations_and_reductions(run, program: str, expected: float) -> None:
    assert _json(run, program)["value"] == pytest.approx(expected, rel=1e-15)


def test_the_gradient_of_a_dot_product_is_the_other_vector(run) -> None:
    variables = _json(run, "a = [1, 2, 3]; b = [4, 5, 6]; y = dot(a, b)")["variables"]
    assert [variables[f"a[{i}]"]["grad"] for i in range(3)] == [4, 5, 6]
    assert [variables[f"b[{i}]"]["grad"] for i in range(3)] == [1, 2, 3]


def test_functions_take_and_return_vectors(run) -> None:
    program = "scale(v, k) = [v[1] * k, v[0] * k]; p = [2, 3]; k = 10; q = scale(p, k); y = q[0] - q[1]"
    document = _json(run, program)
    assert document["value"] == 30 - 20
    assert document["variables"]["k"]["grad"] == 3 - 2
    labels = [node["label"] for node in document["nodes"]]
    assert "q[0]" in labels and "q[1]" in labels


def test_rebinding_a_vector_forgets_its_elements(run) -> None:
    variables = _json(run, "w = [1, 2, 3]; w = [4, 5]; y = sum(w)")["variables"]
    assert "w[2]" not in variables and variables["w[1]"]["value"] == 5
    variables = _json(run, "w = [1, 2]; w = 3; y = w * 2")["variables"]
    assert "w[0]" not in variables and variables["w"]["value"] == 3


def test_at_moves_one_element(run) -> None:
    document = _json(run, "--at", "w[1]=4", "w = [1, 2]; y = w[0] * w[1]")
    assert document["value"] == 4
    assert document["variables"]["w[0]"]["grad"] == 4


@pytest.mark.parametrize(
    ("program", "message", "caret"),
    [
        ("x = [1, 2]; y = [1, 2, 3]; z = dot(x, y)", "dot() of vectors of different lengths (2 and 3)", "dot(x, y)"),
        ("x = [1, 2]; z = x[2]", "index 2 is out of range: the vector has 2 elements", "2"),
        ("x = [1, 2]; z = x[1.5]", "an index is a whole number, not 1.5", "1.5"),
        ("x = 1; z = x[0]", "'x' is a number, not a vector: it has no elements", "x"),
        ("x = [1, 2]; z = x + [1, 2, 3]", "add of vectors of different lengths (2 elements and 3 elements)", "x + [1, 2, 3]"),
        ("x = [1, 2]; z = tanh(x)", "the program ends in a vector of 2 elements", "z = tanh(x)"),
        ("z = [[1], 2]", "an element of a vector needs a number, not a vector of 1 element", "[1]"),
        ("x = [1, 2]; z = sum(x, 1)", "sum() of several arguments needs a number", "x"),
        ("z = dot(1, 2)", "dot() needs two vectors; this is a number", "1"),
        ("x = [1, 2]; z = grad(x, x)", "grad() differentiates a number, not a vector", "x"),
        ("f(v) = v[3]; z = f([1, 2])", "index 3 is out of range", "3"),
        ("x = [1, 2]; z = log(x - 1)", "log", "log(x - 1)"),
        ("z = len(1)", "len() needs a vector, not a number", "1"),
    ],
)
def test_shape_errors_point_at_the_source(run, program: str, message: str, caret: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and message in first
    lines = result.stderr.splitlines()
    source_line = next(line for line in lines if line.startswith("1 | "))[4:]
    marks = next(line for line in lines if "^" in line)
    start = marks.index("^") - 4
    assert source_line[start : start + len(caret)] == caret
    assert marks.count("^") == len(caret)


def test_of_a_vector_is_a_usage_error(run) -> None:
    result = run("eval", "--of", "w", "w = [1, 2]; y = sum(w)")
    assert result.exit_code == 2
    assert "--of w[0]" in result.stderr


def test_a_vector_spans_lines_inside_brackets(run) -> None:
    assert _json(run, "w = [1,\n 2,\n 3]\ny = sum(w)")["value"] == 6


def _micrograd_mlp():
    model, keyed = micrograd_mlp()
    loss = micrograd_loss(model)
    model.zero_grad()
    loss.backward()
    return loss.data, {key: value.grad for key, value in keyed.items()}


def test_the_mlp_example_agrees_with_micrograd(run) -> None:
    pytest.importorskip("micrograd")
    loss, grads = _micrograd_mlp()
    result = run("run", "--format", "json", str(MLP))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["value"] == pytest.approx(loss, rel=1e-12)
    for key, grad in grads.items():
        assert document["variables"][key]["grad"] == pytest.approx(grad, rel=1e-9, abs=1e-12), key


def test_the_mlp_example_is_short() -> None:
    statements = [line for line in MLP.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert len(statements) < 20


def test_the_table_groups_a_vector_of_inputs(run) -> None:
    result = run("eval", "w = [0.5, -2, 1]; x = [3, 1, 2]; y = tanh(dot(w, x) + 0.1)")
    assert result.exit_code == 0
    labels = [line.split()[1] for line in result.stdout.splitlines()[1:] if line.strip() and line.split()[0].isdigit()]
    assert labels[:6] == ["w[0]", "w[1]", "w[2]", "x[0]", "x[1]", "x[2]"]
    assert labels[-1] == "y"  # the rows stay in a topological order
