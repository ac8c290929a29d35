"""--simplify: SymPy's simpler formulas paste back into autodiff and give the same floats."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import pytest
import sympy

from autodiff_cli import evaluate
from autodiff_cli.analyses.simplify import MISSING
from tests.support import WRITTEN, random_program

# Generous: SymPy's import and simplify share two busy cores with the rest of the suite.
BUDGET = "300"

PROGRAMS = [
    pytest.param("x = 0.5; y = 2; f = exp(x*y) + x*y*x", id="issue-example"),
    pytest.param("a = -2; b = 3; d = a*b; e = a+b; f = d*e", id="seed"),
    pytest.param("x = 0.3; y = sigmoid(x) * tanh(x) / (1 + x*x)", id="sigmoid-stays-opaque"),
    pytest.param("x = 1.5; y = 0.25; z = sqrt(x*x + y*y) * log(x) - x ** y", id="roots-logs-powers"),
    pytest.param("w = 0.7; b = -0.2; x = 1.5; n = tanh(w*x + b); l = (n - 1) ** 2", id="neuron-loss"),
    pytest.param("x = 2; y = relu(x - 1) * max(x, 3) + abs(x - 5) / min(x, 4)", id="kinks"),
]


def formulas(run, *args: str, simplified: bool = False) -> dict[str, str]:
    """The formulas of --simplify; `simplified`: SymPy's answer must have been used for every one."""
    result = run("eval", "--format", "json", "--simplify", "--simplify-timeout", BUDGET, *args)
    assert result.exit_code == 0, result.stderr
    if simplified:
        # The one note allowed: SymPy's form needs a function the table of operations has not (yet).
        from autodiff_cli.core.ops import OPERATIONS

        for note in re.findall(r"^note: .*$", result.stderr, re.M):
            missing = re.search(r"SymPy's form uses (\w+), which autodiff has not", note)
            assert missing and missing.group(1) not in OPERATIONS, note
    return json.loads(result.stdout)["formulas"]


def paste_back(text: str, formula: str) -> float:
    """The program's inputs, then the formula's statements: autodiff evaluates the derivative."""
    inputs = "; ".join(statement for statement in text.split("; ") if _is_input(statement))
    return evaluate(f"{inputs}; {formula}").value


def _is_input(statement: str) -> bool:
    _, _, right = statement.partition("=")
    try:
        float(right)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", PROGRAMS)
def test_simplified_formula_pastes_back_with_the_same_floats(run, text: str) -> None:
    result = evaluate(text)
    simplified = formulas(run, text, simplified=True)
    assert set(simplified) == {result.label(x) for x in result.dependent_inputs()}
    for x in result.dependent_inputs():
        formula = simplified[result.label(x)]
        assert paste_back(text, formula) == pytest.approx(x.grad, rel=1e-12, abs=1e-300), (text, formula)


def test_issue_example_is_simpler(run) -> None:
    text = "x = 0.5; y = 2; f = exp(x*y) + x*y*x"
    raw = json.loads(run("eval", "--format", "json", "--symbolic", text).stdout)["formulas"]
    simplified = formulas(run, text)
    assert simplified == {"x": "y * (2 * x + exp(x * y))", "y": "x * (x + exp(x * y))"}
    assert all(len(simplified[name]) < len(raw[name]) for name in raw)


@pytest.mark.parametrize("seed", range(8))
def test_random_programs_paste_back_and_agree_with_sympy(run, seed: int) -> None:
    rng = random.Random(500 + seed)
    text, inputs, expr, symbols = random_program(rng)
    simplified = formulas(run, text)
    point = {symbols[name]: sympy.Float(value, 30) for name, value in inputs.items()}
    result = evaluate(text)
    for x in result.dependent_inputs():
        name = result.label(x)
        exact = float(sympy.diff(expr, symbols[name]).evalf(30, subs=point))
        assert paste_back(text, simplified[name]) == pytest.approx(exact, rel=1e-9, abs=1e-12), (text, simplified[name])


def test_every_operation_goes_through_sympy_and_back(run) -> None:
    """Each operation of the table on inputs of its own, so each formula is small: every one is
    simplified (no note), comes back as autodiff's operations, and pastes back with the same floats."""
    from autodiff_cli.core.ops import OPERATIONS
    from tests.oracle import inside

    lines, terms = [], []
    for op in sorted(OPERATIONS):
        written = WRITTEN[op][0]
        values = {"x": inside(op, 0.5), "y": 0.25, "z": 0.75}
        for variable, value in values.items():
            if re.search(rf"\b{variable}\b", written):
                lines.append(f"{variable}_{op} = {value}")
                written = re.sub(rf"\b{variable}\b", f"{variable}_{op}", written)
        terms.append(written)
    text = "; ".join(lines) + "; out = " + " + ".join(f"({term})" for term in terms)
    result = evaluate(text)
    for name, formula in formulas(run, text, simplified=True).items():
        assert paste_back(text, formula) == pytest.approx(result.variables[name].grad, rel=1e-9), (name, formula)


def test_shared_parts_are_named_once(run) -> None:
    text = "x = 0.3; y = 0.4; s = sin(x * y) + cos(x * y); f = s * s * exp(s)"
    simplified = formulas(run, text)
    assert any(len(formula.split("; ")) > 1 for formula in simplified.values())  # cse named a common part
    variables = evaluate(text).variables
    for name, formula in simplified.items():
        assert paste_back(text, formula) == pytest.approx(variables[name].grad, rel=1e-12), formula


def test_budget_exhausted_falls_back_with_a_note(run) -> None:
    text = "x = 0.5; y = 2; f = exp(x*y) + x*y*x"
    result = run("eval", "--simplify", "--simplify-timeout", "0", text)
    assert result.exit_code == 0
    raw = run("eval", "--symbolic", text).stdout
    assert result.stdout == raw  # the unsimplified formulas, exactly as --symbolic prints them
    assert "note: ∂f/∂x: SymPy did not finish within 0 s (--simplify-timeout); shown unsimplified" in result.stderr


def test_simplify_implies_symbolic_and_shows_latex(run) -> None:
    text = "x = 0.5; y = 2; f = exp(x*y) + x*y*x"
    result = run("eval", "--format", "latex", "--simplify", "--simplify-timeout", BUDGET, text)
    assert result.exit_code == 0, result.stderr
    assert r"\frac{\partial f}{\partial x} &= y \cdot \left(2 \cdot x + \exp\left(x \cdot y\right)\right)" in result.stdout


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_without_sympy_the_message_names_the_extra() -> None:
    done = _run_python(
        "import sys; sys.modules['sympy'] = None\n"
        "from autodiff_cli.interface.cli import main\n"
        "sys.argv = ['autodiff', 'eval', '--simplify', 'x = 1; y = x * x']\n"
        "main()"
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"error: {MISSING}" in done.stderr and "autodiff-cli[sympy]" in done.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("flag", ["--symbolic", "--simplify"])
def test_sympy_is_never_imported_by_the_command(flag: str) -> None:
    """--symbolic works without SymPy; --simplify imports it only in its child process."""
    done = _run_python(
        "import sys\n"
        "from autodiff_cli.interface.cli import main\n"
        f"sys.argv = ['autodiff', 'eval', '{flag}', '--simplify-timeout', '{BUDGET}', 'x = 0.5; y = exp(x) * x']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('sympy' in sys.modules, file=sys.stderr)"
    )
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert "∂y/∂x" in done.stdout
