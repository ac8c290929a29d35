"""Property tests (Hypothesis): random text and bytes never crash the tool; random programs agree with SymPy.

Every test here is derandomized, so a CI failure reproduces on any machine;
`HYPOTHESIS_PROFILE=autodiff-explore` runs more examples from a random seed
(Hypothesis prints the seed and the failing program).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from dataclasses import dataclass, field

import mpmath
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from autodiff_cli.interface.cli import cli
from tests.interface.test_cli import _command

sp = pytest.importorskip("sympy")

settings.register_profile(
    "autodiff-ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "autodiff-explore", max_examples=2000, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "autodiff-ci"))

RUNNER = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})

# The documented shape of an error: "error: message", then optionally " --> name:line:column",
# the line with a gutter and a caret line; "  = help: ..." at the end.
PLACE = re.compile(r"^ --> (?P<name>.+?)(?::(?P<line>\d+):(?P<column>\d+))?$")


def invoke(args: list[str], input: bytes | None = None):
    return RUNNER.invoke(cli, args, input=input, catch_exceptions=False)


def assert_documented_ending(code: int, stdout: str, stderr: str, source_name: str) -> None:
    """A result (exit 0) or one clean error (exit 1) of the documented form; never a traceback."""
    assert "Traceback" not in stderr
    assert code in (0, 1), (code, stderr)
    if code == 0:
        assert stdout or "nothing to differentiate" in stderr
        return
    lines = stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("error: ") and len(lines[0]) > len("error: "), stderr
    if len(lines) > 1 and not lines[1].startswith("  = help:"):
        place = PLACE.match(lines[1])
        assert place and place["name"] == source_name, stderr
        if place["line"]:
            assert int(place["line"]) >= 1 and int(place["column"]) >= 1
            assert lines[2].strip() == "|" and lines[3].startswith(f"{place['line']} | ")
            assert set(lines[4].split("| ", 1)[1].strip()) == {"^"}, stderr


# ---------------------------------------------------------------- (1) random text and bytes

# Characters of the language, mixed in so that random text reaches the parser and the evaluator.
LANGUAGE = list("abxy_019.eE+-*/^()=;,#\n \t\r") + ["**", "log", "exp", "sqrt", "max(", "pow(", "pi", "1e999", "relu"]
language_text = st.lists(st.sampled_from(LANGUAGE), max_size=40).map("".join)
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # surrogates and NUL too


@settings(PROFILE)
@given(text=st.one_of(language_text, any_text, st.tuples(language_text, any_text).map("".join)))
def test_random_text_through_eval(text: str) -> None:
    result = invoke(["eval", "--", text])
    assert_documented_ending(result.exit_code, result.stdout, result.stderr, "<eval>")


@settings(PROFILE)
@given(
    data=st.one_of(
        st.binary(max_size=80),
        language_text.map(lambda t: t.encode()),
        any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_random_bytes_through_eval_stdin(data: bytes) -> None:
    result = invoke(["eval", "-f", "json", "-"], input=data)
    assert_documented_ending(result.exit_code, result.stdout, result.stderr, "<stdin>")
    if result.exit_code == 0 and result.stdout:
        json.loads(result.stdout)


@settings(PROFILE)
@given(data=st.one_of(st.binary(max_size=80), language_text.map(lambda t: t.encode())))
def test_random_bytes_through_run(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("run") / "random.ad"
    path.write_bytes(data)
    result = invoke(["run", str(path)])
    assert_documented_ending(result.exit_code, result.stdout, result.stderr, str(path))


@settings(PROFILE, max_examples=20)
@given(data=st.one_of(st.binary(max_size=80), language_text.map(lambda t: t.encode())))
def test_random_bytes_through_the_real_process(data: bytes) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*_command(), "eval", "-"], input=data, capture_output=True, timeout=60, env=env)
    stdout, stderr = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    assert_documented_ending(done.returncode, stdout, stderr, "<stdin>")


# ---------------------------------------------------------------- (2) grammar-aware programs
#
# A program is generated as a tree, printed with as few parentheses as the
# precedence rules allow (sometimes more), and mirrored three ways: a SymPy
# expression (the derivative oracle), a replay in floats written from the
# README's numeric policy (which operation leaves its domain first), and the
# same replay at shifted inputs (central finite differences).

NAMES = ["a", "b", "c", "x", "y"]
LITERALS = ["0", "1", "2", "3", "0.5", "1.5", "2.25", "10", "0.1", "100", "1e-3", "300", "700"]
EXPONENTS = ["0", "1", "2", "3", "-1", "-2", "0.5", "1.5"]
ATOM, POWER, UNARY, PRODUCT, SUM = 4, 3, 2, 1, 0  # precedence: higher binds tighter

FUNCTIONS_1 = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs"]
FUNCTIONS_2 = ["pow", "max", "min"]
KINKED = {"relu", "abs", "max", "min"}


class Failure(Exception):
    """The replay left an operation's domain: `kind` is the start of the tool's message."""

    def __init__(self, kind: str, node: Node) -> None:
        super().__init__(kind)
        self.kind = kind
        self.node = node


@dataclass
class Node:
    """One operation or leaf of a generated program."""

    op: str  # "input", "name" (a use of an earlier node), "const", "pi", "+", "-", "*", "/", "**", "neg", or a function
    children: list[Node] = field(default_factory=list)
    text: str = ""  # for const: the literal
    input_index: int = -1  # for input
    precedence: int = ATOM


def sympy_of(node: Node, symbols: list, constants: dict) -> object:
    """The node as SymPy; each literal becomes a symbol of its own, given its value only by mpmath.

    Left to SymPy, an exact 300 ** 300 ** 2 takes minutes, and 40-digit floats get the parity of
    (-1) ** (10 ** 40 - 1) wrong; mpmath at 30 digits does neither."""
    op, kids = node.op, [sympy_of(child, symbols, constants) for child in node.children]
    if op == "input":
        return symbols[node.input_index]
    if op == "name":
        return kids[0]
    if op == "const":
        if id(node) not in constants:
            value = float(node.text)
            symbol = sp.Symbol(f"k{len(constants)}", positive=True) if value > 0 else sp.Symbol(f"k{len(constants)}", real=True)
            constants[id(node)] = (symbol, node.text)
        return constants[id(node)][0]
    if op == "pi":
        return sp.pi
    if op == "neg":
        return -kids[0]
    if op in ("+", "-", "*", "/", "**", "pow"):
        a, b = kids
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b if op == "/" else a**b
    functions = {
        "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh,
        "sigmoid": lambda z: 1 / (1 + sp.exp(-z)), "relu": lambda z: sp.Max(0, z), "abs": sp.Abs,
        "max": sp.Max, "min": sp.Min,
    }
    return functions[op](*kids)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def replay(node: Node, inputs: list[float], cache: dict[int, float], kinks: list[float], poles: list[str]) -> float:
    """The forward pass in floats, children left to right, by the README's numeric policy."""
    if id(node) in cache:
        return cache[id(node)]
    values = [replay(child, inputs, cache, kinks, poles) for child in node.children]
    op = node.op
    try:
        if op == "input":
            value = inputs[node.input_index]
        elif op == "name":
            value = values[0]
        elif op == "const":
            value = float(node.text)
        elif op == "pi":
            value = math.pi
        elif op == "neg":
            value = -values[0]
        elif op in ("+", "-", "*"):
            a, b = values
            value = a + b if op == "+" else a - b if op == "-" else a * b
        elif op == "/":
            if values[1] == 0:
                raise Failure("division by zero", node)
            value = values[0] / values[1]
        elif op in ("**", "pow"):
            x, y = values
            if x == 0 and y < 0:
                raise Failure("zero cannot be raised to a negative power", node)
            if x < 0 and y != int(y):
                raise Failure("a negative base", node)
            if (x == 0 and y < 1) or x < 0:  # d/dx is infinite, or d/dy = nan by the documented policy
                poles.append(f"pow({x!r}, {y!r})")
            value = math.pow(x, y)
        elif op == "log":
            if values[0] <= 0:
                raise Failure("log of a non-positive number", node)
            value = math.log(values[0])
        elif op == "sqrt":
            if values[0] < 0:
                raise Failure("sqrt of a negative number", node)
            if values[0] == 0:
                poles.append("sqrt(0)")
            value = math.sqrt(values[0])
        elif op == "sigmoid":
            value = _sigmoid(values[0])
        elif op == "relu":
            kinks.append(values[0])
            value = max(0.0, values[0])
        elif op == "abs":
            kinks.append(values[0])
            value = abs(values[0])
        elif op in ("max", "min"):
            kinks.append(values[0] - values[1])
            value = max(values) if op == "max" else min(values)
        else:
            value = getattr(math, op)(values[0])
    except OverflowError:
        raise Failure("overflow", node) from None
    if not math.isfinite(value):
        raise Failure("overflow", node)
    cache[id(node)] = value
    return value


@dataclass
class Program:
    text: str
    inputs: list[float]  # the value of each input node, in creation order
    roots: list[Node]  # every statement's expression, in order (all are evaluated)
    output: Node


def render(node: Node, draw) -> str:
    """Source text with the fewest parentheses the grammar needs, and now and then a redundant pair."""
    text = _render(node, draw)
    return text


def _wrap(child: Node, minimum: int, draw) -> str:
    text = _render(child, draw)
    if child.precedence < minimum or draw(st.integers(0, 9)) == 0:
        return f"({text})"
    return text


def _render(node: Node, draw) -> str:
    op = node.op
    if op in ("input", "name"):
        return node.text
    if op in ("const", "pi"):
        return node.text
    if op == "neg":
        return "-" + _wrap(node.children[0], UNARY, draw)
    if op in ("+", "-"):
        return f"{_wrap(node.children[0], SUM, draw)} {op} {_wrap(node.children[1], PRODUCT, draw)}"
    if op in ("*", "/"):
        return f"{_wrap(node.children[0], PRODUCT, draw)} {op} {_wrap(node.children[1], UNARY, draw)}"
    if op == "**":
        symbol = draw(st.sampled_from(["**", "^"]))
        return f"{_wrap(node.children[0], ATOM, draw)} {symbol} {_wrap(node.children[1], UNARY, draw)}"
    return f"{op}({', '.join(_render(child, draw) for child in node.children)})"


@st.composite
def expressions(draw, scope: dict[str, Node], depth: int) -> Node:
    """An expression over the names in scope; at depth 0 a leaf."""
    kind = draw(st.sampled_from(["leaf", "leaf", "unary", "binary", "binary", "call1", "call2"] if depth else ["leaf"]))
    if kind == "leaf":
        if scope and draw(st.integers(0, 3)):
            name = draw(st.sampled_from(sorted(scope)))
            return Node("name", [scope[name]], text=name)
        if draw(st.integers(0, 9)) == 0:
            return Node("pi", text="pi")
        return Node("const", text=draw(st.sampled_from(LITERALS)))
    if kind == "unary":
        return Node("neg", [draw(expressions(scope, depth - 1))], precedence=UNARY)
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        left = draw(expressions(scope, depth - 1))
        if op == "**" and draw(st.booleans()):
            right = Node("const", text=draw(st.sampled_from(EXPONENTS)))
            if right.text.startswith("-"):
                right = Node("neg", [Node("const", text=right.text[1:])], precedence=UNARY)
        else:
            right = draw(expressions(scope, depth - 1))
        precedence = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER}[op]
        return Node(op, [left, right], precedence=precedence)
    if kind == "call1":
        return Node(draw(st.sampled_from(FUNCTIONS_1)), [draw(expressions(scope, depth - 1))])
    return Node(draw(st.sampled_from(FUNCTIONS_2)), [draw(expressions(scope, depth - 1)), draw(expressions(scope, depth - 1))])


def _uses_a_name(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.op == "name":
            return True
        stack.extend(current.children)
    return False


@st.composite
def programs(draw) -> Program:
    scope: dict[str, Node] = {}
    inputs: list[float] = []
    roots: list[Node] = []
    lines: list[str] = []

    def bind_input() -> None:
        name = draw(st.sampled_from(NAMES))
        literal = draw(st.sampled_from(["-2", "-1", "-0.5", "0", "0.25", "1", "2", "3", "-3.5", "0.75"]))
        node = Node("input", text=name, input_index=len(inputs))
        inputs.append(float(literal))
        scope[name] = node
        roots.append(node)
        lines.append(f"{name} = {literal}")

    for _ in range(draw(st.integers(1, 3))):
        bind_input()
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0:
            bind_input()  # rebinding a name to a new input
            continue
        expression = draw(expressions(scope, draw(st.integers(1, 3))))
        if not _uses_a_name(expression):  # a statement of numbers only would bind an input or a constant
            name = draw(st.sampled_from(sorted(scope)))
            op = draw(st.sampled_from(["+", "*"]))
            expression = Node(op, [Node("name", [scope[name]], text=name), expression], precedence=SUM if op == "+" else PRODUCT)
        text = render(expression, draw)
        roots.append(expression)
        if draw(st.integers(0, 5)) == 0:
            lines.append(text)  # a bare expression statement
        else:
            name = draw(st.sampled_from(NAMES))  # often a name already bound: rebinding
            lines.append(f"{name} = {text}")
            scope[name] = expression
    separator = draw(st.sampled_from(["\n", "; "]))
    return Program(separator.join(lines), inputs, roots, roots[-1])


def forward(program: Program, inputs: list[float]) -> tuple[float, list[float], list[str]]:
    """The output, every kink argument, and every pole of a local derivative passed; Failure outside a domain."""
    cache: dict[int, float] = {}
    kinks: list[float] = []
    poles: list[str] = []
    for root in program.roots:
        replay(root, inputs, cache, kinks, poles)
    return cache[id(program.output)], kinks, poles


def _exact(node: Node, symbols: list, point: list[float]) -> complex:
    """The node's value at the point, by mpmath at 30 digits (nan where mpmath cannot say)."""
    constants: dict = {}
    expression = sympy_of(node, symbols, constants)
    function = _lambdify([*symbols, *(symbol for symbol, _ in constants.values())], expression)
    with mpmath.workdps(30):
        try:
            values = [mpmath.mpf(repr(value)) for value in point] + [mpmath.mpf(text) for _, text in constants.values()]
            return complex(function(*values))
        except (ArithmeticError, ValueError, TypeError):
            return complex(math.nan, math.nan)


def _confirm_with_sympy(failure: Failure, symbols: list, point: list[float]) -> None:
    """The operation that failed in floats is outside its domain in exact arithmetic too (or at its edge)."""
    args = [_exact(child, symbols, point) for child in failure.node.children]
    kind = failure.kind
    if kind == "division by zero":
        assert abs(args[1]) <= 1e-12 * max(1.0, abs(args[0])), args
    elif kind.startswith(("log", "sqrt")):
        assert args[0].real <= 1e-12, args
    elif kind.startswith("zero cannot"):
        assert abs(args[0]) <= 1e-12 and args[1].real < 0, args
    elif kind.startswith("a negative base"):
        # Either not real in exact arithmetic, or a base that is exactly 0 and negative only by
        # rounding (tan(pi) is -1.2e-16 in doubles): the doubles decide at the edge.
        exact = _exact(failure.node, symbols, point)
        assert abs(args[0]) <= 1e-12 or (args[0].real < 0 and not _finite_real(exact)), (args, exact)
    else:  # overflow: the exact result is beyond the largest double
        exact = _exact(failure.node, symbols, point)
        assert not math.isfinite(abs(exact)) or abs(exact) > 1e300, exact


def _close(a: float, b: float, tolerance: float, slack: float = 0.0) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b)) + slack


@dataclass
class Exact:
    """The output and its derivative by each input, exactly (30 digits), and how far a few ulps move them."""

    values: list[complex]  # [output, d/d input0, d/d input1, ...]
    spread: list[float]  # change when every input moves by about 4 ulps: the conditioning of each entry


def _lambdify(arguments: list, expression):
    """An mpmath function of the expression; one that gives nan where SymPy cannot write it (zoo, from 1/0)."""
    try:
        return sp.lambdify(arguments, expression, modules="mpmath")
    except KeyError:
        return lambda *_: complex(math.nan, math.nan)


def exact(program: Program, symbols: list) -> Exact:
    constants: dict = {}
    output = sympy_of(program.output, symbols, constants)
    entries = [output, *(output.diff(symbol) for symbol in symbols)]
    arguments = [*symbols, *(symbol for symbol, _ in constants.values())]
    nan = complex(math.nan, math.nan)
    functions = [_lambdify(arguments, entry) for entry in entries]

    def evaluate(function, point) -> complex:
        try:
            return complex(function(*point, *literals))
        except (ArithmeticError, ValueError, TypeError):  # 0/0 in an unsimplified derivative, a complex comparison
            return nan

    with mpmath.workdps(30):
        point = [mpmath.mpf(repr(value)) for value in program.inputs]
        literals = [mpmath.mpf(text) for _, text in constants.values()]
        alternating = [1 if index % 2 else -1 for index in range(len(point))]
        moves = [alternating, [-sign for sign in alternating], [1] * len(point)]
        moved_points = [[x + sign * 1e-15 * max(1, abs(x)) for x, sign in zip(point, signs)] for signs in moves]
        values, spread = [], []
        for function in functions:
            base = evaluate(function, point)
            moved = [evaluate(function, other) for other in moved_points]
            # A move can make a real result complex (a negative base to a power that is no longer whole): ignore it.
            shifts = [abs(z - base) for z in moved if _finite_real(z)]
            values.append(base)
            spread.append(max(shifts, default=0.0) if _finite_real(base) else 0.0)
    return Exact(values, spread)


def _finite_real(z: complex) -> bool:
    return math.isfinite(z.real) and math.isfinite(z.imag) and abs(z.imag) <= 1e-12 * max(1.0, abs(z.real))


@settings(PROFILE, max_examples=PROFILE.max_examples * 2)
@given(program=programs())
def test_random_programs_agree_with_sympy_and_finite_differences(program: Program) -> None:
    note(program.text)
    result = invoke(["eval", "-f", "json", "--", program.text])
    symbols = [sp.Symbol(f"in{index}", real=True) for index in range(len(program.inputs))]
    try:
        value, kinks, poles = forward(program, program.inputs)
    except Failure as failure:
        event(f"domain error: {failure.kind}")
        assert result.exit_code == 1, f"the replay fails with {failure.kind!r}, autodiff does not:\n{result.stdout[:500]}"
        assert result.stderr.startswith(f"error: {failure.kind}"), result.stderr
        _confirm_with_sympy(failure, symbols, program.inputs)
        return
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    oracle = exact(program, symbols)
    note(f"exact: {oracle.values}; spread: {oracle.spread}")
    assert _close(document["value"], value, 1e-12), "the output differs from a float replay of the program"
    if not _finite_real(oracle.values[0]):
        # Floats step past an exact singularity: sin(pi) ** -pi is 1.2e-16 ** -pi in doubles, 0 ** -pi exactly.
        event("exactly singular, finite in doubles: values not compared")
        return
    assert _close(document["value"], oracle.values[0].real, 1e-9, 100 * oracle.spread[0]), "the output differs from SymPy"

    input_nodes = [node for node in document["nodes"] if node["op"] == "input"]
    assert [node["value"] for node in input_nodes] == program.inputs
    if any(abs(kink) < 1e-6 for kink in kinks):
        event("near a kink: values only")
        return
    compared = 0
    for index, node in enumerate(input_nodes):
        grad, wanted, spread = node["grad"], oracle.values[1 + index], oracle.spread[1 + index]
        if not _finite_real(wanted):
            event("a derivative that is not a finite real number: skipped")
            continue
        if not isinstance(grad, float):
            # Documented: sqrt'(0) = inf and d/dy x**y = nan for x < 0 can poison a gradient that SymPy
            # simplifies away ((a - a) ** 0.5).  Allowed only where the replay passed such a point.
            assert poles, f"d/d input {index}: autodiff {grad}, SymPy {wanted.real}, and no pole on the way"
            event("a non-finite gradient through a pole of a local derivative")
            continue
        assert _close(grad, wanted.real, 1e-7, 100 * spread), f"d/d input {index}: autodiff {grad}, SymPy {wanted.real}"
        compared += 1
        h = 1e-6 * max(1.0, abs(program.inputs[index]))
        if abs(grad) * h > 1e-3 * max(1.0, abs(value)):
            event("a step too large for a finite difference (sin of a huge argument)")
            continue
        differences = [_central_difference(program, index, step) for step in (1e-6, 2e-6)]
        if None not in differences:
            # Slack: rounding in the output divided by the step, and the difference's own truncation error,
            # estimated by the change between the two steps.
            slack = (abs(value) * 1e-13 + oracle.spread[0] * 10) / h + 2 * abs(differences[0] - differences[1])
            difference = differences[0]
            assert _close(grad, difference, 1e-5, slack), f"d/d input {index}: autodiff {grad}, difference {difference}"
    event(f"gradients compared: {min(compared, 3)}{'+' if compared > 3 else ''}")


def _central_difference(program: Program, index: int, step: float) -> float | None:
    """d(output)/d(input) by a central difference of the replay; None where a step leaves a domain or crosses a kink."""
    x = program.inputs[index]
    h = step * max(1.0, abs(x))
    values = []
    for shifted in (x + h, x - h):
        inputs = list(program.inputs)
        inputs[index] = shifted
        try:
            value, kinks, _ = forward(program, inputs)
        except Failure:
            return None
        if any(abs(kink) < 1e-3 for kink in kinks):
            return None
        values.append(value)
    return (values[0] - values[1]) / (2 * h)
