"""Teaching views: --compare against hand-written buggy engines, --why's contributions, and the quiz.

Each classic mistake is checked against an independent implementation of
that bug written here, micrograd style (closures, recursion, `=` or `+=`),
on random programs that reuse their nodes; the correct gradients against
SymPy.  Nothing is compared with numbers copied from our own output.
"""

from __future__ import annotations

import json
import math

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff_cli.interface.cli import cli

ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
SEED_1 = "a = 3; b = a + a"
SEED_2 = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"


def run(*args: str, input: str | None = None):
    return CliRunner(env=ENV).invoke(cli, list(args), input=input, catch_exceptions=False)


def document(*args: str) -> dict:
    result = run("eval", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- a micrograd with each bug, written here


class Micro:
    """A tiny micrograd: `mode` is "add" (+=, correct) or "assign" (=, the overwrite bug)."""

    mode = "add"

    def __init__(self, data: float, children: tuple[Micro, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._prev = children
        self._backward = lambda: None

    def _put(self, amount: float) -> None:
        if Micro.mode == "assign":
            self.grad = amount
        else:
            self.grad += amount

    def __add__(self, other: Micro) -> Micro:
        out = Micro(self.data + other.data, (self, other))

        def _backward() -> None:
            self._put(out.grad)
            other._put(out.grad)

        out._backward = _backward
        return out

    def __sub__(self, other: Micro) -> Micro:
        out = Micro(self.data - other.data, (self, other))

        def _backward() -> None:
            self._put(out.grad)
            other._put(-out.grad)

        out._backward = _backward
        return out

    def __mul__(self, other: Micro) -> Micro:
        out = Micro(self.data * other.data, (self, other))

        def _backward() -> None:
            self._put(other.data * out.grad)
            other._put(self.data * out.grad)

        out._backward = _backward
        return out

    def tanh(self) -> Micro:
        t = math.tanh(self.data)
        out = Micro(t, (self,))

        def _backward() -> None:
            self._put((1 - t * t) * out.grad)

        out._backward = _backward
        return out

    def topo(self) -> list[Micro]:
        order: list[Micro] = []
        seen: set[int] = set()

        def build(v: Micro) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    build(child)
                order.append(v)

        build(self)
        return order

    def backward(self) -> None:
        """micrograd 0.1.0's backward: no reset of the other gradients."""
        self.grad = 1.0
        for v in reversed(self.topo()):
            v._backward()

    def backward_without_sort(self) -> None:
        """The bug: recurse from the output, each node passing on what it holds when first reached."""
        self.grad = 1.0
        seen: set[int] = set()

        def visit(v: Micro) -> None:
            if id(v) in seen:
                return
            seen.add(id(v))
            v._backward()
            for child in v._prev:
                visit(child)

        visit(self)


# ---------------------------------------------------------------- random programs that reuse nodes

INPUT_VALUES = st.sampled_from([-2.0, -1.5, -0.5, 0.5, 1.0, 2.0, 3.0])
OPERATORS = ("+", "-", "*", "tanh")


@st.composite
def programs(draw) -> list[tuple[str, str, str | float, str | float | None]]:
    """Statements (target, op, left, right): inputs first, then operations on earlier names or literals."""
    inputs = draw(st.integers(1, 3))
    statements: list[tuple[str, str, str | float, str | float | None]] = []
    names = []
    for index in range(inputs):
        name = f"x{index}"
        statements.append((name, "input", draw(INPUT_VALUES), None))
        names.append(name)
    for index in range(draw(st.integers(1, 7))):
        op = draw(st.sampled_from(OPERATORS))
        # Mostly earlier names, so nodes are used more than once; sometimes a literal constant.
        operand = st.one_of(st.sampled_from(names), st.sampled_from(names), st.sampled_from(names), st.sampled_from([2.0, 0.5]))
        left = draw(operand)
        right = draw(operand) if op != "tanh" else None
        name = f"v{index}"
        statements.append((name, op, left, right))
        names.append(name)
    return statements


def text_of(statements) -> str:
    lines = []
    for target, op, left, right in statements:
        if op == "input":
            lines.append(f"{target} = {left!r}")
        elif op == "tanh":
            lines.append(f"{target} = tanh({left})")
        else:
            lines.append(f"{target} = {left} {op} {right}")
    return "\n".join(lines)


def micro_graph(statements, variant: str = "") -> dict[str, Micro]:
    """The program as the hand-written engine's nodes; for no-reset, `a - b` as micrograd 0.1.0 builds it, `a + b * -1`."""
    nodes: dict[str, Micro] = {}

    def operand(x):
        return nodes[x] if isinstance(x, str) else Micro(x)

    for target, op, left, right in statements:
        if op == "input":
            nodes[target] = Micro(left)
        elif op == "tanh":
            nodes[target] = operand(left).tanh()
        elif op == "+":
            nodes[target] = operand(left) + operand(right)
        elif op == "-" and variant == "no-reset":
            nodes[target] = operand(left) + operand(right) * Micro(-1.0)  # -b is a node whose gradient piles up too
        elif op == "-":
            nodes[target] = operand(left) - operand(right)
        else:
            nodes[target] = operand(left) * operand(right)
    return nodes


def buggy_gradients(statements, variant: str) -> dict[str, float]:
    """Each name's gradient under `variant`, from the hand-written buggy engine."""
    Micro.mode = "assign" if variant == "overwrite" else "add"
    try:
        nodes = micro_graph(statements, variant)
        output = nodes[statements[-1][0]]
        if variant == "no-sort":
            output.backward_without_sort()
        else:
            output.backward()
            if variant == "no-reset":
                output.backward()
    finally:
        Micro.mode = "add"
    return {name: node.grad for name, node in nodes.items()}


def reached(statements) -> set[str]:
    """The names the output depends on (the others are off the backward pass)."""
    uses = {
        target: [] if op == "input" else [x for x in (left, right) if isinstance(x, str)]
        for target, op, left, right in statements
    }
    seen, stack = set(), [statements[-1][0]]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(uses[name])
    return seen


def ids_by_name(doc: dict) -> dict[str, int]:
    return {node["label"]: node["id"] for node in doc["nodes"] if node["op"] != "const"}


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("variant", ["overwrite", "no-sort", "no-reset"])
@SETTINGS
@given(statements=programs())
def test_each_mistake_matches_a_hand_written_buggy_engine(variant: str, statements) -> None:
    doc = document("--compare", variant, text_of(statements))
    ours = doc["compare"][variant]
    expected = buggy_gradients(statements, variant)
    on_path = reached(statements)
    for name, node_id in ids_by_name(doc).items():
        if name in on_path:
            assert ours[str(node_id)] == pytest.approx(expected[name], rel=1e-12, abs=1e-12), (variant, name)


@SETTINGS
@given(statements=programs())
def test_correct_gradients_agree_with_sympy_and_micrograd(statements) -> None:
    doc = document(text_of(statements))
    symbols: dict[str, sympy.Expr] = {}
    values = {}
    for target, op, left, right in statements:
        if op == "input":
            symbols[target] = sympy.Symbol(target)
            values[symbols[target]] = left
            continue

        def term(x):
            return symbols[x] if isinstance(x, str) else sympy.Float(x)

        a = term(left)
        symbols[target] = (
            sympy.tanh(a) if op == "tanh" else {"+": a + term(right), "-": a - term(right), "*": a * term(right)}[op]
        )
    output = symbols[statements[-1][0]]
    correct = buggy_gradients(statements, "correct")
    for target, op, *_ in statements:
        if op != "input":
            continue
        want = float(sympy.diff(output, symbols[target]).subs(values))
        assert doc["variables"][target]["grad"] == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert doc["variables"][target]["grad"] == pytest.approx(correct[target], rel=1e-12, abs=1e-12)


@SETTINGS
@given(statements=programs())
def test_contributions_add_up_exactly_to_each_gradient(statements) -> None:
    doc = document("--why", statements[0][0], text_of(statements))
    grads = {node["id"]: node["grad"] for node in doc["nodes"]}
    output = next(node["id"] for node in doc["nodes"] if node["label"] == doc["output"])
    assert doc["contributions"][str(output)] == []
    for node_id, steps in doc["contributions"].items():
        if int(node_id) == output:
            continue
        total = 0.0
        for step in steps:
            total += step["amount"]
            assert step["amount"] == step["local"] * grads[step["via"]] or grads[step["via"]] == 0
        assert total == grads[int(node_id)]  # exactly: the same additions in the same order


# ---------------------------------------------------------------- the seed programs, by the oracles above


def test_seed_two_no_reset_is_what_micrograd_gives_after_two_calls() -> None:
    statements = [
        ("a", "input", -2.0, None),
        ("b", "input", 3.0, None),
        ("d", "*", "a", "b"),
        ("e", "+", "a", "b"),
        ("f", "*", "d", "e"),
    ]
    expected = buggy_gradients(statements, "no-reset")
    doc = document("--compare", SEED_2)
    ids = ids_by_name(doc)
    assert {name: doc["compare"]["no-reset"][str(ids[name])] for name in "abdef"} == expected
    assert set(doc["compare"]) == {"overwrite", "no-sort", "no-reset"}


def test_compare_table_marks_what_differs_and_says_why() -> None:
    result = run("eval", "--compare", SEED_2)
    assert result.exit_code == 0
    text = result.stdout.split("classic mistakes", 1)[1]
    rows = {line.split()[0]: line.split() for line in text.splitlines()[2:7]}
    overwrite = buggy_gradients(
        [("a", "input", -2.0, None), ("b", "input", 3.0, None), ("d", "*", "a", "b"), ("e", "+", "a", "b"), ("f", "*", "d", "e")],
        "overwrite",
    )
    assert rows["a"][2] == f"{overwrite['a']:g}*"  # differs, so marked
    assert rows["f"][2] == "1"  # the output never differs
    assert "a is used by e and by d; overwrite kept only d's contribution, 3, and lost e's, -6" in result.stdout
    assert "no-sort: every gradient is right on this program" in result.stdout
    assert "a kept -3 from the first backward(), and the second added -6 on top" in result.stdout


def test_overwrite_on_a_plus_a_keeps_one_use() -> None:
    result = run("eval", "--compare", "overwrite", SEED_1)
    assert "a is used twice by b; overwrite kept only b's second contribution, 1, and lost b's first, 1" in result.stdout
    assert "no-reset" not in result.stdout


def test_no_sort_reason_names_the_node_that_passed_too_early() -> None:
    result = run("eval", "--compare=no-sort", "a = 2; b = a*a; c = b + a; d = b * c")
    assert "b passed its gradient on to a when it held 6; c's 4 arrived after" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--compare", "sideways", SEED_1], "unknown mistake 'sideways'", id="unknown-mistake"),
        pytest.param(["--why", "zz", SEED_1], "--why zz: the program binds no name 'zz'", id="unknown-why-name"),
    ],
)
def test_bad_teaching_options_are_usage_errors(args: list[str], message: str) -> None:
    result = run("eval", *args)
    assert result.exit_code == 2 and message in result.stderr and not result.stdout


def test_why_lines_are_the_uses_in_backward_order_and_sum_to_the_gradient() -> None:
    result = run("eval", "--why", "a", SEED_2)
    lines = result.stdout.split("backward order:", 1)[1].splitlines()[2:]
    a, b = sympy.symbols("a b")
    want = sympy.diff((a * b) * (a + b), a).subs({a: -2, b: 3})
    assert lines[0] == f"a.grad = {want}"
    assert lines[1].split()[:4] == ["=", "-6", "via", "e"] and "(∂e/∂a = 1," in lines[1] and "e.grad = -6)" in lines[1]
    assert lines[2].split()[:4] == ["+", "3", "via", "d"] and "(∂d/∂a = b = 3," in lines[2] and "d.grad = 1)" in lines[2]
    assert lines[1].index("via") == lines[2].index("via") and lines[1].index("(") == lines[2].index("(")


@pytest.mark.parametrize(
    ("program", "name", "expected"),
    [
        pytest.param(SEED_2, "f", "f.grad = 1   (the output: backpropagation starts here with 1)", id="output"),
        pytest.param("a = 1; z = 5; f = a*2", "z", "z.grad = 0   (f does not depend on z)", id="unused-input"),
        pytest.param(
            "a = 1; d = a*0; f = d*0 + a", "a", "(also used by d, whose gradient is 0: nothing flows back)", id="zero-user"
        ),
    ],
)
def test_why_special_cases(program: str, name: str, expected: str) -> None:
    result = run("eval", "--why", name, program)
    assert result.exit_code == 0 and expected in result.stdout


def test_explain_in_json_carries_contributions() -> None:
    doc = json.loads(run("eval", "--format", "json", "--explain", SEED_1).stdout.splitlines()[0])
    assert doc["contributions"]["0"] == [{"via": 1, "local": 1.0, "amount": 1.0}] * 2


def test_compare_may_read_the_program_from_stdin() -> None:
    result = run("eval", "--compare", input=SEED_1)
    assert result.exit_code == 0 and "overwrite kept only" in result.stdout


def test_dot_keeps_the_views_inside_the_graph_as_comments() -> None:
    result = run("eval", "--format", "dot", "--why", "a", "--compare=overwrite", SEED_1)
    body = result.stdout.rstrip()
    assert body.endswith("}") and body.count("}") == body.count("{")
    assert "  // a.grad = 2" in body and "  // overwrite:" in body
    assert body.index("// a.grad") < body.rindex("}")


def test_run_json_lines_carry_compare_per_file(tmp_path) -> None:
    first, second = tmp_path / "one.ad", tmp_path / "two.ad"
    first.write_text(SEED_1)
    second.write_text(SEED_2.replace("; ", "\n"))
    result = run("run", "--format", "json", "--compare", "no-reset", str(first), str(second))
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(doc["compare"]) for doc in docs] == [{"no-reset"}, {"no-reset"}]


def test_why_takes_an_input_key_for_a_rebound_name() -> None:
    result = run("eval", "--why", "a@1", "a = 1; b = a * 2; a = 3; c = a * b")
    # c = 3 * (2 * a@1): dc/da@1 = 6, all through b
    assert result.exit_code == 0 and "a@1.grad = 6\n" in result.stdout and "via b = a * 2" in result.stdout


def test_compare_leaves_the_real_gradients_alone(tmp_path) -> None:
    program = "a = 2; b = a*a; c = b + a; d = b * c"
    plain, compared = document(program), document("--compare", program)
    assert compared["nodes"] == plain["nodes"] and compared["variables"] == plain["variables"]
    path = tmp_path / "p.ad"
    path.write_text(program)
    result = run("run", "--compare", str(path))  # a file right after --compare is not a mistake's name
    assert result.exit_code == 0 and "no-sort:" in result.stdout
