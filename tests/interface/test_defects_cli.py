"""Defects a new user found, each through the real interface, with its siblings.

Oracles are independent of the tool: `math` for values, the real micrograd
package for `--compare no-reset`, the files of the repository for the
references messages make.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import os
import re
import shlex
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli
from tests.oracle import DEFINITIONS, inside
from tests.support import ROOT, autodiff_command

PIPE_ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}

# ---------------------------------------------------------------- --at and --sweep move off a failing literal

LOG_AT_ZERO = "x = 0; y = log(x)"


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_at_moves_off_a_literal_outside_the_domain(run) -> None:
    result = run("eval", "-f", "json", "--at", "x=2", LOG_AT_ZERO)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["value"] == pytest.approx(math.log(2), rel=1e-15)
    assert document["variables"]["x"] == {"value": 2.0, "grad": 0.5}
    assert result.stderr == ""


def test_at_moves_off_a_failing_literal_in_the_table(run) -> None:
    result = run("eval", "--at", "x=2", LOG_AT_ZERO)
    assert result.exit_code == 0, result.stderr
    assert "0.693147" in result.stdout and "0.5" in result.stdout


def test_sweep_moves_off_a_literal_outside_the_domain(run) -> None:
    result = run("eval", "-f", "json", "--sweep", "x=1:3:3", LOG_AT_ZERO)
    assert result.exit_code == 0, result.stderr
    points = _json_lines(result.stdout)
    assert [point["point"]["x"] for point in points] == [1.0, 2.0, 3.0]
    for point in points:
        x = point["point"]["x"]
        assert point["value"] == pytest.approx(math.log(x), rel=1e-15, abs=1e-300)
        assert point["grad"]["x"] == pytest.approx(1 / x, rel=1e-15)
        assert point["error"] is None


def test_check_at_a_moved_point(run) -> None:
    result = run("eval", "-f", "json", "--check", "--at", "x=2", LOG_AT_ZERO)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["check"]
    assert row["status"] == "ok" and row["gradient"] == 0.5


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--hessian"], id="hessian"),
        pytest.param(["--symbolic"], id="symbolic"),
        pytest.param(["--explain"], id="explain"),
        pytest.param(["--taylor", "x:2"], id="taylor"),
        pytest.param(["--compare"], id="compare"),
        pytest.param(["--why", "x"], id="why"),
        pytest.param(["--mode", "forward"], id="forward-mode"),
    ],
)
def test_every_view_works_at_a_moved_point(run, args: list[str]) -> None:
    """y = x log x at x = 2: y' = log 2 + 1, whatever view is asked for as well."""
    result = run("eval", "-f", "json", *args, "--at", "x=2", "x = 0; y = log(x) * x")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["variables"]["x"]["grad"] == pytest.approx(math.log(2) + 1, rel=1e-15)


def test_at_and_sweep_together_move_off_a_failing_literal(run) -> None:
    result = run("eval", "-f", "csv", "--at", "k=3", "--sweep", "x=1:2:2", "x = 0; k = 0; y = log(x) / k")
    assert result.exit_code == 0, result.stderr
    header, *rows = [line.split(",") for line in result.stdout.splitlines()]
    assert header[:4] == ["x", "value", "d/dx", "d/dk"]
    assert [float(row[1]) for row in rows] == pytest.approx([0.0, math.log(2) / 3], rel=1e-15)
    assert [float(row[2]) for row in rows] == pytest.approx([1 / 3, 1 / 6], rel=1e-15)


def test_grad_and_functions_move_off_a_failing_literal(run) -> None:
    program = "f(t) = log(t) * t; x = 0; y = f(x); g = grad(y, x)"  # g = log x + 1
    result = run("eval", "-f", "json", "--at", "x=2", program)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["variables"]["g"]["value"] == pytest.approx(math.log(2) + 1, rel=1e-15)


def test_run_moves_off_a_failing_literal(run, tmp_path) -> None:
    program = tmp_path / "log.ad"
    program.write_text("x = 0\ny = sqrt(x - 1)\n")
    result = run("run", "-f", "json", "--at", "x=5", str(program))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["variables"]["x"]["grad"] == pytest.approx(0.25, rel=1e-15)


@pytest.mark.parametrize(
    ("args", "program", "message", "failing"),
    [
        pytest.param(["--at", "x=-1"], LOG_AT_ZERO, "log of a non-positive number (-1)", "log(x)", id="at"),
        pytest.param(
            ["--at", "k=2"], "x = 0; k = 1; y = log(x) * k", "log of a non-positive number (0)", "log(x)",
            id="another-input-moved",
        ),
        pytest.param(["--check", "--at", "x=-3"], "x = 0\ny = sqrt(x)", "sqrt of a negative number (-3)", "sqrt(x)", id="check"),
        pytest.param(["--sweep", "x=-1:1:3"], LOG_AT_ZERO, "log of a non-positive number (-1)", "log(x)", id="sweep"),
    ],
)
def test_an_error_at_the_moved_point_has_its_caret(run, args, program, message, failing) -> None:
    result = run("eval", *args, program)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    line = next(line for line in program.splitlines() if failing in line)
    shown = next(index for index, text in enumerate(lines) if text.endswith("| " + line))
    margin = lines[shown].index("| ") + 2
    caret = lines[shown + 1]
    assert caret[margin:].strip() == "^" * len(failing)
    assert caret.index("^") - margin == line.index(failing)


def test_without_moving_the_literal_point_must_be_in_the_domain(run) -> None:
    result = run("eval", LOG_AT_ZERO)
    assert result.exit_code == 1 and "log of a non-positive number (0)" in result.stderr


def test_a_wrong_program_is_still_wrong_when_inputs_move(run) -> None:
    result = run("eval", "--at", "x=2", "x = 0; y = log(x); z = nope")
    assert result.exit_code == 1 and "unknown name 'nope'" in result.stderr


@pytest.mark.e2e
def test_the_notebook_magic_moves_inputs_as_the_command_line_does(tmp_path) -> None:
    """`%autodiff --at x=2 ...` in a real kernel: the table at x = 2 (the magic used to show the literals' point)."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install '.[test]')")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install '.[test]')")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install '.[test]')")
    cells = [
        "%load_ext autodiff_cli",
        f"%autodiff --at x=2 {LOG_AT_ZERO}",
        f"%autodiff --at x=-1 {LOG_AT_ZERO}",
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    resources = {"metadata": {"path": str(tmp_path)}}
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3", resources=resources)
    client.execute()
    (shown,) = [out for out in notebook.cells[1].outputs if "data" in out]
    rows = [line.split() for line in shown["data"]["text/plain"].splitlines()]
    assert ["0", "x", "(input)", "input", "2", "0.5"] in rows
    assert ["1", "y", "(output)", "log", "0.693147", "1"] in rows
    errors = "".join(out.get("text", "") for out in notebook.cells[2].outputs if out.get("name") == "stderr")
    assert "log of a non-positive number (-1)" in errors and "^^^^^^" in errors


# ---------------------------------------------------------------- a narrow terminal never cuts a number

# No digit in any label; `shallow` is a tree of four levels.
NEURON = "x = 0.5; w = -1.25; b = 0.1; shallow = tanh(x*w) * sigmoid(b); y = tanh(x*w + b) * sigmoid(x)"
NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?(?![\w.])")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

VIEWS = {
    "table": [],
    # Four levels: a terminal's tree shows at least four, and says how many nodes it leaves out below.
    "tree": ["-f", "tree", "--of", "shallow"],
    "check": ["--check"],
    "hessian": ["--hessian"],
    "sweep-table": ["--sweep", "x=-1:1:5"],
    "taylor": ["--taylor", "x:3"],
    "jacobian": ["--of", "y,x"],
    "explain": ["--explain"],
    "why": ["--why", "x"],
    "compare": ["--compare"],
    "symbolic": ["--symbolic"],
    "forward-mode": ["--mode", "forward", "--explain"],
    "precision-17": ["-p", "17", "--check", "--hessian"],
}


def _numbers(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(text))


@pytest.mark.parametrize("width", [20, 40, 80])
@pytest.mark.parametrize("view", list(VIEWS))
def test_a_narrow_terminal_never_cuts_a_number(view: str, width: int) -> None:
    """Every number a pipe shows (nothing is cut there) is shown whole on a terminal of any width."""
    args = ["eval", *VIEWS[view], NEURON]
    piped = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1"}).invoke(cli, args, catch_exceptions=False)
    terminal = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1", "TTY_COMPATIBLE": "1"}).invoke(
        cli, args, catch_exceptions=False
    )
    assert piped.exit_code == terminal.exit_code == 0, terminal.stderr
    shown = ANSI.sub("", terminal.stdout)
    if view != "sweep-table":  # the one plain-text view on a terminal too
        assert "─" in shown  # really the terminal's layout
    expected = _numbers(piped.stdout)
    assert expected, piped.stdout
    missing = expected - _numbers(shown)
    assert not missing, f"cut or lost at width {width}: {dict(missing)}\n{shown}"
    assert "…" not in shown.replace("… ", "")  # no number ends in an ellipsis


def test_forty_columns_fit_the_table_with_its_numbers_whole() -> None:
    """The report's case: at 40 columns the main table fits in 40 columns, its labels folded, every number whole."""
    terminal = CliRunner(env={"COLUMNS": "40", "NO_COLOR": "1", "TTY_COMPATIBLE": "1"}).invoke(cli, ["eval", NEURON])
    lines = ANSI.sub("", terminal.stdout).splitlines()
    table = lines[: lines.index("")]
    assert max(len(line.rstrip()) for line in table) <= 40
    expected = {
        "x": (0.5, None),
        "w": (-1.25, None),
        "y": (math.tanh(0.5 * -1.25 + 0.1) / (1 + math.exp(-0.5)), 1.0),
    }
    text = "\n".join(table)
    for value, grad in expected.values():
        assert f"{value:.6g}" in text
        if grad is not None:
            assert f"{grad:.6g}" in text
    sigmoid = 1 / (1 + math.exp(-0.5))
    assert f"{sigmoid:.6g}" in text  # 0.622459, whole


# ---------------------------------------------------------------- forward mode explains every rule


def _call(name: str, arity: int) -> str:
    arguments = {1: "x", 2: "x, y", 3: "x, y, 0.9", -1: "x, y, x"}[arity]
    return f"{name}({arguments})"


def test_forward_mode_explains_every_function(run) -> None:
    """`--mode forward --explain` words each function's rule and adds up every argument's term.

    It raised KeyError on a rule naming a function (tanh, cos), and showed
    only the first argument's term of sum(...) and prod(...).
    """
    from autodiff_cli.core.ops import FUNCTIONS

    for name, operation in FUNCTIONS.items():
        call = _call(name, operation.arity)
        x = inside(name, 0.3) if name in DEFINITIONS else 0.3
        result = run("eval", "--mode", "forward", "--explain", "-p", "17", f"x = {x!r}; y = 0.4; z = {call}")
        assert result.exit_code == 0, (name, result.stderr)
        steps = [line for line in result.stdout.splitlines() if line.startswith("  z = ")]
        assert len(steps) == (1 if operation.arity == 1 else 2), result.stdout
        for line in steps:
            *_, terms, tangent = line.split(" = ")
            products = [term.split(" * ") for term in terms.split(" + ")]
            moving = {1: 1, 2: 2, 3: 2, -1: 3}[operation.arity]  # the arguments that are not constants
            assert len(products) == moving, (name, line)  # one term an argument
            total = sum(float(d) * float(t) for d, t in products if float(t) != 0.0)
            assert total == pytest.approx(float(tangent), rel=1e-12, abs=1e-300), (name, line)


# ---------------------------------------------------------------- a closed pipe ends quietly, exit 0

SQUARE = "x = 0; y = x * x"
CHAIN = "a0 = 1\n" + "".join(f"a{i + 1} = a{i} * 1.0001\n" for i in range(5000))

PIPED = {
    "sweep-csv": ["eval", "-f", "csv", "--sweep", "x=0:1:100000", SQUARE],
    "sweep-json-lines": ["eval", "-f", "json", "--sweep", "x=0:1:100000", SQUARE],
    "sweep-table": ["eval", "--all", "--sweep", "x=0:1:100000", SQUARE],
    "sweep-grid-csv": ["eval", "-f", "csv", "--sweep", "x=0:1:400", "--sweep", "z=0:1:400", "x = 0; z = 1; y = x * z"],
    "csv-of-run": ["run", "-f", "csv", "--sweep", "x=0:1:100000", "PROGRAM"],
    "table-all": ["run", "--all", "CHAIN"],
    "json-fast-path": ["eval", "-f", "json", "-"],
    "explain": ["run", "--explain", "CHAIN"],
    "repl": ["repl"],
}


def _piped_command(case: str, tmp_path) -> tuple[list[str], str | None]:
    """The command line of a case, with its files written; and what goes to its stdin."""
    chain = tmp_path / "chain.ad"
    chain.write_text(CHAIN)
    square = tmp_path / "square.ad"
    square.write_text(SQUARE)
    args = [{"CHAIN": str(chain), "PROGRAM": str(square)}.get(arg, arg) for arg in PIPED[case]]
    stdin = CHAIN if case in ("json-fast-path", "repl") else None
    return [*autodiff_command(), *args], stdin


@pytest.mark.e2e
@pytest.mark.parametrize("case", list(PIPED))
def test_head_after_one_line_ends_quietly_with_exit_0(case: str, tmp_path) -> None:
    """`autodiff ... | head -1` in a real shell: the closed pipe is not "the program is wrong" (it was exit 1)."""
    command, stdin = _piped_command(case, tmp_path)
    errors = tmp_path / "stderr"
    script = f"{shlex.join(command)} 2>{shlex.quote(str(errors))} | head -1; echo \"status=${{PIPESTATUS[0]}}\""
    done = subprocess.run(["bash", "-c", script], input=stdin, capture_output=True, text=True, env=PIPE_ENV, timeout=300)
    first, status = done.stdout.splitlines()
    assert status == "status=0", errors.read_text()
    assert first.strip()
    assert errors.read_text() == ""


@pytest.mark.e2e
@pytest.mark.parametrize("case", ["sweep-csv", "sweep-json-lines", "table-all"])
def test_a_reader_that_closes_after_one_line(case: str, tmp_path) -> None:
    """The same with our own reader: one line read, the pipe closed, then the exit code."""
    command, stdin = _piped_command(case, tmp_path)
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE if stdin else None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=PIPE_ENV
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert stderr == ""


# ---------------------------------------------------------------- a message's "see ..." leads somewhere real

PACKAGE = ROOT / "autodiff_cli"
#: `"Heading" in docs/x.md`, `docs/x.md#anchor`, `README`, `docs/x.md`.
DOC_REFERENCE = re.compile(r'(?:"(?P<heading>[^"]+)" in )?(?P<file>README(?:\.md)?|docs/[\w-]+\.md)(?:#(?P<anchor>[\w-]+))?')


def _headings(path: Path) -> list[str]:
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            lines.append(line.lstrip("#").strip())
    return lines


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _package_strings() -> list[tuple[str, int, str, bool]]:
    """(file, line, text, is_docstring) for every string constant of the package, and the page's own files."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((str(path.relative_to(ROOT)), node.lineno, node.value, id(node) in docstrings))
    for path in sorted((PACKAGE / "render" / "page").iterdir()):
        found.append((str(path.relative_to(ROOT)), 0, path.read_text(encoding="utf-8"), False))
    return found


def _broken_reference(text: str, in_a_message: bool) -> str | None:
    """Why a doc reference in `text` leads nowhere, or None when every one leads to its file and section."""
    for match in DOC_REFERENCE.finditer(text):
        name = match["file"] if match["file"].endswith(".md") else "README.md"
        target = ROOT / name
        if not target.is_file():
            return f"{match[0]}: no file {name}"
        headings = _headings(target)
        if match["heading"] and match["heading"].lower() not in [heading.lower() for heading in headings]:
            return f"{match[0]}: {name} has no heading {match['heading']!r}"
        if match["anchor"] and match["anchor"] not in [_slug(heading) for heading in headings]:
            return f"{match[0]}: {name} has no section #{match['anchor']}"
        if in_a_message and not (match["heading"] or match["anchor"]):
            return f"{match[0]}: a message that sends a user to a page names the section to read"
    return None


def test_every_doc_reference_of_the_package_exists() -> None:
    """Messages, help texts and docstrings: each doc they point to exists, and a message names an existing section."""
    strings = _package_strings()
    assert any("docs/" in text for _, _, text, _ in strings)  # the scan sees the references
    broken = [
        f"{path}:{line}: {why}"
        for path, line, text, docstring in strings
        if (why := _broken_reference(text, in_a_message=not docstring))
    ]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    "reference",
    [
        "see README",  # the defect: the README has no section on non-finite gradients
        "see the numeric policy in the README",
        '"Numeric policy" in README',
        '"No such section" in docs/language.md',
        "docs/language.md#no-such-anchor",
        "see docs/nothing.md",
    ],
)
def test_the_reference_check_finds_a_broken_one(reference: str) -> None:
    assert _broken_reference(reference, in_a_message=True)


def test_the_reference_check_accepts_real_sections() -> None:
    assert _broken_reference('see "Numeric policy" in docs/language.md', in_a_message=True) is None
    assert _broken_reference("see docs/language.md#numeric-policy", in_a_message=True) is None


@pytest.mark.parametrize(
    ("program", "cause"),
    [
        pytest.param(
            "x = 1e-300; y = x * 1e300 * 1e300",
            "overflow: the gradient x receives from x * 1e300 is too large for a double",
            id="overflow-in-the-backward-pass",
        ),
        pytest.param("x = 0; y = sqrt(x)", "the derivative of y with respect to x is inf here", id="pole"),
        pytest.param("x = -2; k = 2; y = x ** k", "the derivative of y with respect to k is nan here", id="undefined"),
    ],
)
def test_a_non_finite_gradient_is_named_truly_and_points_to_a_real_section(run, program: str, cause: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 0
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning: non-finite gradient")]
    assert cause in warning and "kink" not in warning
    assert 'see "Numeric policy" in docs/language.md' in warning
    assert _broken_reference(warning, in_a_message=True) is None


def test_a_sweep_and_grad_point_to_the_numeric_policy(run) -> None:
    swept = run("eval", "--sweep", "x=0:1:2", "x = 1; y = sqrt(x)")
    assert "see \"Numeric policy\" in docs/language.md" in swept.stderr and "kink" not in swept.stderr
    failed = run("eval", "x = 1e-300; y = x * 1e300 * 1e300; g = grad(y, x)")
    assert failed.exit_code == 1
    assert "too large for a double" in failed.stderr
    assert 'see "Numeric policy" in docs/language.md' in failed.stderr


# ---------------------------------------------------------------- --compare no-reset is micrograd 0.1.0's second backward()


def _seed(v):
    d = v["a"] * v["b"]
    e = v["a"] + v["b"]
    return {"d": d, "e": e, "f": d * e}


def _minus(v):
    c = v["a"] - v["b"]
    return {"c": c, "d": c * v["a"]}


def _divide(v):
    c = v["a"] / v["b"]
    return {"c": c, "d": c * v["a"] + v["b"]}


def _numbers_on_either_side(v):
    a, b = v["a"], v["b"]
    c = 3 - a / b + 2 / a - (a - 3) * (b / 2)
    d = 1.5 + c * 2 + 4 * c
    return {"c": c, "d": d}


def _powers_and_negation(v):
    a, b = v["a"], v["b"]
    c = -a**3 + -(a * b) - a**-1.5
    return {"c": c, "d": c * (b**2 - a)}


def _relu(v):
    a, b = v["a"], v["b"]
    c = (a * b).relu() + (a - b).relu() ** 2
    return {"c": c, "d": c / (b - a) - (c - a).relu()}


def _shared(v):
    a, b = v["a"], v["b"]
    c = a - b
    d = c / c - b / (a - c)
    return {"c": c, "d": d, "e": d * d - c}


MICROGRAD_PROGRAMS = {
    "seed": ("a = -2; b = 3; d = a*b; e = a+b; f = d*e", _seed),
    "minus": ("a = 2; b = 3; c = a - b; d = c * a", _minus),
    "divide": ("a = 2; b = 3; c = a / b; d = c * a + b", _divide),
    "numbers-on-either-side": (
        "a = 2; b = 3; c = 3 - a / b + 2 / a - (a - 3) * (b / 2); d = 1.5 + c * 2 + 4 * c",
        _numbers_on_either_side,
    ),
    "powers-and-negation": ("a = 1.3; b = -0.7; c = -a**3 + -(a * b) - a**-1.5; d = c * (b**2 - a)", _powers_and_negation),
    "relu": ("a = 1.5; b = -0.5; c = relu(a * b) + relu(a - b) ** 2; d = c / (b - a) - relu(c - a)", _relu),
    "shared": ("a = 0.7; b = -1.3; c = a - b; d = c / c - b / (a - c); e = d * d - c", _shared),
}


@pytest.mark.parametrize("case", list(MICROGRAD_PROGRAMS))
def test_no_reset_is_micrograds_second_backward(run, case: str) -> None:
    """The real micrograd 0.1.0, backward() twice, on every operator it has: the no-reset gradients of every named node."""
    from micrograd.engine import Value as Micro

    program, build = MICROGRAD_PROGRAMS[case]
    result = run("eval", "-f", "json", "--compare", "no-reset", program)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    inputs = {name: Micro(entry["value"]) for name, entry in document["variables"].items() if name in ("a", "b")}
    named = {**inputs, **build(inputs)}
    output = named[document["output"]]
    output.backward()
    output.backward()
    ids = {node["label"]: node["id"] for node in document["nodes"]}
    no_reset = document["compare"]["no-reset"]
    for name, value in named.items():
        assert document["variables"][name]["value"] == pytest.approx(value.data, rel=1e-13, abs=1e-300)
        assert no_reset[str(ids[name])] == pytest.approx(value.grad, rel=1e-12, abs=1e-300), name


def test_no_reset_on_the_reported_program(run) -> None:
    """`a = 2; b = 3; c = a - b; d = c * a`: micrograd, backward twice, gives b = -8 (the compare said -6)."""
    document = json.loads(run("eval", "-f", "json", "--compare", "no-reset", "a = 2; b = 3; c = a - b; d = c * a").stdout)
    assert document["compare"]["no-reset"]["1"] == -8.0
    text = run("eval", "--compare", "no-reset", "a = 2; b = 3; c = a - b; d = c * a").stdout
    assert "through micrograd's b * -1" in text


# ---------------------------------------------------------------- a usage error blames the options given

COMBINED = {
    "--of": ["--of", "f,e"],
    "-f csv": ["-f", "csv"],
    "-f json": ["-f", "json"],
    "-f latex": ["-f", "latex"],
    "-f tree": ["-f", "tree"],
    "--explain": ["--explain"],
    "--check": ["--check"],
    "--hessian": ["--hessian"],
    "--at": ["--at", "a=1"],
    "--sweep": ["--sweep", "a=0:1:3"],
    "--plot": ["--plot=-"],
    "--compare": ["--compare=all"],
    "--why": ["--why", "a"],
    "--mode": ["--mode", "forward"],
    "--taylor": ["--taylor", "a:2"],
    "--emit": ["--emit", "python"],
    "--standalone": ["--standalone"],
    "--all": ["--all"],
}
OPTION = re.compile(r"--[a-z][a-z-]*")


def _blamed(message: str) -> set[str]:
    """The options a usage error is about: those named before its first colon (after it come the remedies)."""
    head = message.removeprefix("error: ").split(": ", 1)[0]
    return set(OPTION.findall(head))


def _given(args: list[str]) -> set[str]:
    return {arg.split("=", 1)[0] for arg in args if arg.startswith("--")} | ({"--format"} if "-f" in args else set())


def test_the_reported_csv_message_names_the_options_given(run) -> None:
    result = run("eval", "-f", "csv", "--of", "f,e", "a = 2; e = a + 1; f = e * a")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --format csv follows one output: give --of one name")
    assert "--sweep" not in result.stderr


def test_every_usage_error_of_one_or_two_options_blames_only_options_given(tmp_path, monkeypatch) -> None:
    """Every option and pair of options of eval: an exit-2 message names, as its subject, only options on the line."""
    monkeypatch.chdir(tmp_path)  # anything a view writes stays here
    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})
    program = "a = 2; b = 3; e = a + b; f = e * a"
    cases = [[name] for name in COMBINED] + [list(pair) for pair in itertools.combinations(COMBINED, 2)]
    usage_errors = 0
    wrong = []
    for names in cases:
        args = [arg for name in names for arg in COMBINED[name]]
        result = runner.invoke(cli, ["eval", *args, program], catch_exceptions=False)
        assert "Traceback" not in result.stderr
        if result.exit_code != 2:
            continue
        usage_errors += 1
        message = result.stderr.strip().splitlines()[-1]
        if not _blamed(message) or not _blamed(message) <= _given(args):
            wrong.append(f"{' '.join(args)}: {message}")
    assert usage_errors >= 20  # the table reaches the combination rules
    assert not wrong, "\n".join(wrong)


@pytest.mark.e2e
def test_the_repl_names_its_own_commands_in_errors() -> None:
    """`:taylor` in the REPL (piped, a real process): its errors say `:taylor`, never the command line's `--taylor`."""
    lines = "x = 0\ny = sqrt(x)\n:taylor x 3\n:taylor x 999\n:at x=abc\n:why nope\n"
    done = subprocess.run([*autodiff_command(), "repl"], input=lines, capture_output=True, text=True, env=PIPE_ENV, timeout=60)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4, done.stderr
    assert errors[0].startswith("error: :taylor: sqrt has no Taylor series at 0")
    assert all("--" not in error for error in errors), errors


# ---------------------------------------------------------------- a call's literal is a constant, never an input


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("f() = 3; b = f()", id="no-parameter"),
        pytest.param("f(x) = 3; b = f(1)", id="a-parameter-unused"),
        pytest.param("f() = pi; b = f()", id="pi"),
        pytest.param("f() = -2.5; g() = f(); b = g()", id="through-another-function"),
    ],
)
def test_a_call_that_returns_a_literal_is_a_constant(run, program: str) -> None:
    document = json.loads(run("eval", "-f", "json", program).stdout)
    (result,) = [node for node in document["nodes"] if node["label"] == "b"]
    assert result["op"] == "const"
    assert not [node for node in document["nodes"] if node["op"] == "input"]
    moved = run("eval", "--at", "b=2", program)
    assert moved.exit_code == 2 and "not an input" in moved.stderr


def test_a_literal_bound_to_a_name_is_still_an_input(run) -> None:
    for program in ("b = 3", "b = -2.5", "b = pi", "b = (3)"):
        document = json.loads(run("eval", "-f", "json", program).stdout)
        assert document["nodes"][0]["op"] == "input", program


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("f(t) = log(t) * 2; x = 1; y = f(x)", id="inside-a-body"),
        pytest.param("f(t) = log(t); x = 1; y = f(x)", id="the-call-s-result"),
        pytest.param("f(t) = log(t) * 2; g(u) = f(u) + 1; x = 1; y = g(x)", id="a-call-in-a-call"),
        pytest.param("f(t) = log(t); g(u) = f(u); x = 1; y = g(x)", id="a-body-that-is-a-call"),
        pytest.param("f(t) = 1 / t; x = 1; y = f(x) + f(x + 1)", id="the-second-call"),
        pytest.param("f(t) = t * 2; x = 1; y = log(f(x))", id="outside-the-body"),
    ],
)
def test_a_moved_point_fails_in_a_function_as_eval_says(run, program: str) -> None:
    """--at x=-1 and eval of the program with x = -1: the same message, and the caret under the same call."""
    edited = program.replace("x = 1;", "x = -1;")
    moved, direct = run("eval", "--at", "x=-1", program), run("eval", edited)
    assert moved.exit_code == direct.exit_code == 1
    assert moved.stderr.splitlines()[0] == direct.stderr.splitlines()[0]
    moved_source, moved_caret = moved.stderr.splitlines()[3:5]
    direct_source, direct_caret = direct.stderr.splitlines()[3:5]
    underlined = moved_source[moved_caret.index("^") : moved_caret.rindex("^") + 1]
    assert underlined == direct_source[direct_caret.index("^") : direct_caret.rindex("^") + 1]
    swept = run("eval", "-f", "json", "--sweep", "x=-1:-1:1", program)
    assert json.loads(swept.stdout)["error"]["message"] == direct.stderr.splitlines()[0].removeprefix("error: ")
