"""One output pipeline: every view inside one document, unique input keys, nothing cut on a pipe.

Regression tests for the defects a newcomer's trial found, each through the real command.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import sympy
from click.testing import CliRunner

from autodiff_cli import evaluate
from autodiff_cli.analyses.check import gradient_check
from autodiff_cli.interface.cli import cli
from tests.support import autodiff_command

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
SHADOWED = "a = 1; b = a * 2; a = 3; c = a * b"


def run(*args: str, columns: str = "100", input: str | None = None):
    return CliRunner(env={"COLUMNS": columns, "NO_COLOR": "1"}).invoke(cli, list(args), input=input)


def strict_json(text: str) -> dict:
    """Parse one JSON document, failing on a repeated key (a JSON reader would keep only one)."""

    def no_repeats(pairs: list[tuple[str, object]]) -> dict:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"repeated keys: {keys}"
        return dict(pairs)

    return json.loads(text, object_pairs_hook=no_repeats)


# ---------------------------------------------------------------- one document


def test_json_is_one_document_with_every_view() -> None:
    result = run("eval", "-f", "json", "--check", "--explain", "--hessian", "--symbolic", SEED)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    document = strict_json(lines[0])
    assert {"hessian", "formulas", "check", "explain", "nodes", "order", "variables"} <= set(document)
    assert [row["status"] for row in document["check"]] == ["ok", "ok"]
    # Explain is structured: each step's before + contribution is its after, and the last
    # after of every input is its gradient.
    final: dict[int, float] = {}
    for entry in document["explain"]:
        for step in entry["steps"]:
            assert step["before"] + step["contribution"] == step["after"]
            final[step["to"]] = step["after"]
    grads = {node["id"]: node["grad"] for node in document["nodes"]}
    assert final == {k: grads[k] for k in final}
    assert final[0] == -3.0 and final[1] == -8.0  # d(f)/da = b*(a+b) + a*b = 3 - 6; d/db = -2 - 6


def test_run_json_lines_with_views(tmp_path) -> None:
    one, two = tmp_path / "one.ad", tmp_path / "two.ad"
    one.write_text(SEED)
    two.write_text("x = 2; y = x * x")
    result = run("run", "-f", "json", "--check", "--explain", str(one), str(two))
    assert result.exit_code == 0, result.output
    documents = [strict_json(line) for line in result.stdout.splitlines()]
    assert [d["source"] for d in documents] == [str(one), str(two)]
    assert all("check" in d and "explain" in d for d in documents)


@pytest.mark.parametrize("fmt", ["dot", "tree", "table"])
@pytest.mark.parametrize("view", ["--check", "--explain", "--hessian", "--symbolic"])
def test_views_in_every_format(fmt: str, view: str) -> None:
    result = run("eval", "-f", fmt, view, SEED)
    assert result.exit_code == 0, result.output
    if fmt == "dot":
        # Still one DOT document: the view is inside it as comments.
        text = result.stdout.strip()
        assert text.startswith("digraph") and text.endswith("}")
        assert any(line.strip().startswith("//") for line in text.splitlines())


# ---------------------------------------------------------------- input keys


def test_inputs_that_share_a_name_have_unique_keys() -> None:
    result = run("eval", "-f", "json", "--hessian", "--symbolic", "--check", SHADOWED)
    assert result.exit_code == 0, result.output
    document = strict_json(result.stdout)
    assert set(document["hessian"]) == {"a@1", "a"}
    assert set(document["formulas"]) == {"a@1", "a"}
    assert [row["input"] for row in document["check"]] == ["a@1", "a"]
    assert document["variables"]["a"]["value"] == 3.0
    assert document["variables"]["a@1"]["value"] == 1.0
    # SymPy: c = a2 * (a1 * 2)
    a1, a2 = sympy.symbols("a1 a2")
    c = a2 * (a1 * 2)
    point = {a1: 1, a2: 3}
    assert document["variables"]["a@1"]["grad"] == float(sympy.diff(c, a1).subs(point))
    assert document["variables"]["a"]["grad"] == float(sympy.diff(c, a2).subs(point))
    assert document["hessian"]["a@1"]["a"] == float(sympy.diff(c, a1, a2).subs(point))
    assert document["hessian"]["a@1"]["a@1"] == 0.0


def test_a_shadowed_input_formula_evaluates_to_its_derivative() -> None:
    result = run("eval", "-f", "json", "--symbolic", SHADOWED)
    document = strict_json(result.stdout)
    for key, expected in (("a@1", 6.0), ("a", 2.0)):
        formula = document["formulas"][key]
        program = f"a_at1 = 1; a = 3; {formula}"
        assert evaluate(program).value == expected, (key, formula)


def test_table_and_check_rows_name_each_input_once() -> None:
    result = run("eval", "--check", SHADOWED)
    assert result.exit_code == 0, result.output
    assert "a@1 (input)" in result.stdout and "a (input)" in result.stdout
    check = result.stdout.split("gradient check")[1]
    assert [line.split()[0] for line in check.splitlines()[2:]] == ["a@1", "a"]


def test_two_shadowed_inputs_on_one_line_get_columns() -> None:
    result = run("eval", "-f", "json", "a = 1; b = a; a = 2; c = a * b; a = 5; d = a * c")
    document = strict_json(result.stdout)
    assert {"a@1:5", "a@1:19", "a"} <= set(document["variables"])  # by the column of each literal


# ---------------------------------------------------------------- --check


@pytest.mark.parametrize(
    "program",
    [
        "x = 1e-8; y = log(x)",
        "x = 5e-7; y = sqrt(x)",
        "x = 1e-4; y = x ** 0.5 * 1e3",
        "x = 0; y = sqrt(x + 1e-300)",
        "x = 1e-12; y = exp(x)",
        "x = 1e12; y = log(x) * x",
        "x = 1e-12; y = x * x * 1e30",
        "x = 2; y = log(x - 2 + 1e-9)",
    ],
)
def test_check_never_fails_a_correct_gradient_near_zero_or_an_edge(program: str) -> None:
    result = run("eval", "--check", "-f", "json", program)
    assert result.exit_code == 0, result.output + result.stderr
    rows = strict_json(result.stdout)["check"]
    assert all(row["status"] in ("ok", "cannot check") for row in rows), rows


MAGNITUDES = [1e-12, 3e-9, 1e-6, 0.02, 1.0, 7.5, 1e3, 4e6, 1e9, 1e12]
FUNCTIONS = ["log(x)", "sqrt(x)", "x ** 0.5 * 1e3", "exp(-x) + x", "tanh(x) * x", "sin(x) * x", "x * x", "1 / x"]


@pytest.mark.parametrize("body", FUNCTIONS)
def test_check_agrees_with_sympy_across_magnitudes(body: str) -> None:
    x = sympy.Symbol("x", positive=True)
    expression = sympy.sympify(body.replace("^", "**"), locals={"x": x})
    for magnitude in MAGNITUDES:
        result = run("eval", "--check", "-f", "json", f"x = {magnitude!r}; y = {body}")
        if result.exit_code == 1 and "error:" in result.stderr and "check" not in result.stderr:
            continue  # a domain error or overflow at this magnitude, not a check
        assert result.exit_code == 0, (magnitude, result.stderr)
        document = strict_json(result.stdout)
        (row,) = document["check"]
        assert row["status"] != "FAIL", (magnitude, row)
        exact = float(sympy.diff(expression, x).subs(x, sympy.Float(magnitude, 30)))
        # Our own float arithmetic cancels (1 - exp(-x) near 0): compare at the scale of the terms.
        assert math.isclose(row["gradient"], exact, rel_tol=1e-6, abs_tol=1e-12), (magnitude, row, exact)


def test_check_fails_a_wrong_gradient() -> None:
    result = evaluate("x = 3; y = x * x")
    result.variables["x"].grad = 6.001
    (row,) = gradient_check(result)
    assert row.status == "FAIL"


def test_check_says_why_it_cannot_check() -> None:
    result = run("eval", "--check", "x = 0; y = sqrt(x) + sqrt(-x)")
    assert result.exit_code == 0, result.output
    assert "cannot check" in result.stdout


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf", "abc"])
def test_tolerance_must_be_finite_and_not_negative(value: str) -> None:
    result = run("eval", "--check", "--tolerance", value, SEED)
    assert result.exit_code == 2
    assert "--tolerance" in result.stderr


# ---------------------------------------------------------------- one formatter, no cutting


def test_pipe_never_cuts_a_number_or_a_name() -> None:
    names = ["v" + "x" * 50 + "a", "v" + "x" * 50 + "b"]
    program = f"{names[0]} = 1.23456789e-7; {names[1]} = 9.87654321e8; out = {names[0]} * {names[1]} + {names[0]}"
    for columns in ("0", "40"):
        result = run("eval", "--check", "--hessian", "-p", "9", program, columns=columns)
        assert result.exit_code == 0, result.output
        for name in names:
            assert f"{name} (input)" in result.stdout
        assert "1.23456789e-07" in result.stdout and "987654321" in result.stdout


def test_dot_follows_precision() -> None:
    result = run("eval", "-f", "dot", "a = 1e-8; b = a * 3")
    assert "data 1e-08" in result.stdout and "0.0000" not in result.stdout
    result = run("eval", "-f", "dot", "-p", "3", "a = 3.14159; b = a * 3")
    assert "data 3.14 " in result.stdout and "data 9.42 " in result.stdout


def test_explain_reads_as_formulas() -> None:
    result = run("eval", "--explain", "-p", "3", "a = 0.123456; b = 2; f = (a*b) * (a+b); g = tanh(f)")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "f = (a*b) * (a+b)" in text
    assert "(1 - tanh(f)**2) * g.grad" in text
    assert "0.123456" not in text.split("backward order:")[1]  # precision 3 everywhere in the explain


@pytest.mark.parametrize("fmt", ["tree", "dot"])
def test_run_heads_each_file_in_text_formats(fmt: str, tmp_path) -> None:
    one, two = tmp_path / "one.ad", tmp_path / "two.ad"
    one.write_text(SEED)
    two.write_text("x = 2; y = x * x")
    result = run("run", "-f", fmt, str(one), str(two))
    assert f"==> {one} <==" in result.stdout and f"==> {two} <==" in result.stdout


def test_run_of_names_the_file(tmp_path) -> None:
    one, two = tmp_path / "one.ad", tmp_path / "two.ad"
    one.write_text("a = 1; b = a * 2")
    two.write_text("x = 2; y = x * x")
    result = run("run", "--of", "a", str(one), str(two))
    assert result.exit_code == 2
    assert f"{two}: --of a" in result.stderr


# ---------------------------------------------------------------- --render on the command line


@pytest.mark.parametrize("name", ["graph.txt", ".svg", "", "dir/.png", "graph"])
def test_render_needs_a_drawing_file_name(name: str) -> None:
    result = run("eval", "--render", name, SEED)
    assert result.exit_code == 2, result.output
    assert "--render" in result.stderr


def test_render_draws_one_graph_only(tmp_path) -> None:
    one, two = tmp_path / "one.ad", tmp_path / "two.ad"
    one.write_text(SEED)
    two.write_text(SEED)
    result = run("run", "--render", str(tmp_path / "g.svg"), str(one), str(two))
    assert result.exit_code == 2
    assert "--render" in result.stderr


@pytest.mark.e2e
def test_render_with_a_file_name_too_long_is_a_clean_error(tmp_path) -> None:
    done = subprocess.run(
        [*autodiff_command(), "eval", "--render", str(tmp_path / ("g" * 300 + ".svg")), SEED],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.startswith("error:")


# ---------------------------------------------------------------- closed and full streams


def _closing(fd: int):
    return lambda: os.close(fd)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args, closed, code, message",
    [
        (["eval", "a=1; b=a*2"], 1, 2, "standard output is closed"),
        (["eval"], 0, 2, "standard input is closed"),
        ([], 0, None, ""),
    ],
    ids=["stdout", "eval-stdin", "bare-stdin"],
)
def test_closed_streams_end_in_one_line(args: list[str], closed: int, code: int | None, message: str) -> None:
    done = subprocess.run(
        [*autodiff_command(), *args], stdout=None if closed == 1 else subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=None if closed == 0 else subprocess.DEVNULL, preexec_fn=_closing(closed), timeout=60,
    )
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr, stderr
    assert done.returncode in ((1, 2) if code is None else (code,)), stderr
    assert message in stderr
    assert len(stderr.strip().splitlines()) <= 1


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_stdout_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*autodiff_command(), "eval", SEED], stdout=full, stderr=subprocess.PIPE, timeout=60)
    stderr = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert stderr.startswith("error: cannot write the output")


@pytest.mark.e2e
def test_an_unreadable_progress_delay_is_a_warning_not_a_traceback() -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "AUTODIFF_PROGRESS_DELAY": "abc", "NO_COLOR": "1"}
    command = autodiff_command()
    child = pexpect.spawn(command[0], [*command[1:], "eval", SEED], env=env, encoding="utf-8", timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before
    assert "AUTODIFF_PROGRESS_DELAY" in child.before
    assert child.exitstatus == 0


@pytest.mark.e2e
def test_python_api_still_works_for_a_script() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from autodiff_cli import evaluate; print(evaluate('a = 3; b = a + a').variables['a'].grad)"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.strip() == "2.0"
