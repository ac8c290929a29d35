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
from dataclasses import dataclass

import mpmath
import pytest
from click.testing import CliRunner
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from autodiff_cli.interface.cli import cli
from tests.support import PROFILE, Failure, Program, TreeNode, autodiff_command, forward, programs, sympy_of

sp = pytest.importorskip("sympy")


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


@pytest.mark.e2e
@settings(PROFILE, max_examples=20)
@given(data=st.one_of(st.binary(max_size=80), language_text.map(lambda t: t.encode())))
def test_random_bytes_through_the_real_process(data: bytes) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*autodiff_command(), "eval", "-"], input=data, capture_output=True, timeout=60, env=env)
    stdout, stderr = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    assert_documented_ending(done.returncode, stdout, stderr, "<stdin>")


def _exact(node: TreeNode, symbols: list, point: list[float]) -> complex:
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
