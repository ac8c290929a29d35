"""Every program of examples/: its output is the one shipped beside it, and its gradients are SymPy's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.ad"))
AUTODIFF = [sys.executable, "-m", "autodiff_cli"]
ENV = dict(os.environ, COLUMNS="80", NO_COLOR="1")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AUTODIFF, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)


def test_the_promised_examples_exist() -> None:
    names = {path.stem for path in EXAMPLES}
    assert {"seed", "twice", "neuron", "newton_sqrt2", "mlp_layer"} <= names


@pytest.mark.e2e
@pytest.mark.parametrize("program", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_output_is_the_shipped_one(program: Path) -> None:
    done = run("run", f"examples/{program.name}")
    assert done.returncode == 0 and not done.stderr
    assert done.stdout == program.with_suffix(".out").read_text(encoding="utf-8")


def sympy_gradients(text: str) -> tuple[str, dict[str, float]]:
    """The output's name and d(output)/d(input) for every input, by SymPy from the program's statements.

    Test-only: each right-hand side is handed to SymPy's parser with the names
    bound so far; a literal bound to a name is an input (a symbol).
    """
    sympy = pytest.importorskip("sympy")
    bound: dict[str, object] = {}
    inputs: dict[str, float] = {}
    output = ""
    for line in text.splitlines():
        statement = line.split("#", 1)[0].strip()
        if not statement:
            continue
        name, _, expression = (part.strip() for part in statement.partition("="))
        try:
            inputs[name] = float(expression)
            bound[name] = sympy.Symbol(name)
        except ValueError:
            bound[name] = sympy.sympify(expression.replace("^", "**"), locals=dict(bound))
        output = name
    values = {sympy.Symbol(name): value for name, value in inputs.items()}
    expression = bound[output]
    return output, {name: float(sympy.diff(expression, sympy.Symbol(name)).subs(values)) for name in inputs}


# Programs of plain statements: not grad(), vectors or functions of the user, which SymPy's parser cannot read.
SYMBOLIC = [path for path in EXAMPLES if not any(mark in path.read_text(encoding="utf-8") for mark in ("grad(", "[", ") ="))]


@pytest.mark.e2e
@pytest.mark.parametrize("program", SYMBOLIC, ids=[path.stem for path in SYMBOLIC])
def test_gradients_agree_with_sympy(program: Path) -> None:
    output, expected = sympy_gradients(program.read_text(encoding="utf-8"))
    done = run("run", "--format", "json", f"examples/{program.name}")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["output"] == output
    for name, gradient in expected.items():
        assert document["variables"][name]["grad"] == pytest.approx(gradient, rel=1e-9, abs=1e-12), name


def literal_inputs(lines: list[str]) -> list[tuple[int, str, float, str]]:
    """(line index, name, value, JSON key) of every statement binding a name to a plain number."""
    targets = [[part.partition("=")[0].strip() for part in line.split("#", 1)[0].split(";")] for line in lines]
    found = []
    for index, line in enumerate(lines):
        name, _, expression = (part.strip() for part in line.split("#", 1)[0].partition("="))
        try:
            value = float(expression)
        except ValueError:
            continue
        rebound = any(name in later for later in targets[index + 1 :])
        found.append((index, name, value, f"{name}@{index + 1}" if rebound else name))
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("program", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_gradients_agree_with_central_differences(program: Path) -> None:
    from autodiff_cli import evaluate

    lines = program.read_text(encoding="utf-8").splitlines()
    document = json.loads(run("run", "--format", "json", f"examples/{program.name}").stdout)
    for index, name, value, key in literal_inputs(lines):
        step = 1e-6 * max(1.0, abs(value))

        def output_at(x: float, index: int = index, name: str = name) -> float:
            moved = [*lines[:index], f"{name} = {x!r}", *lines[index + 1 :]]
            return evaluate("\n".join(moved)).value

        difference = (output_at(value + step) - output_at(value - step)) / (2 * step)
        assert document["variables"][key]["grad"] == pytest.approx(difference, rel=1e-5, abs=1e-6), key


@pytest.mark.e2e
def test_run_help_cites_an_example_that_runs() -> None:
    help_text = run("run", "--help").stdout
    assert "autodiff run examples/seed.ad" in help_text
    assert (ROOT / "examples" / "seed.ad").is_file()
