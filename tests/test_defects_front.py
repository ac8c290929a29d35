"""Defects a new user met in the front ends, each through the interface where it was met.

The notebook magic in a real kernel (one notebook, executed once) against the
command line; the REPL's completion in a real pseudo-terminal and directly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.cli import cli, eval_command

# -- 1. the notebook magic takes exactly the command line's options, and shows what it shows

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
EXP = "x = 0.5; y = exp(x)"
TWO = "x = 0.5; y = exp(x); z = x*y"
SEED_LINES = SEED.replace("; ", "\n")
LONG = "x = 1; " + "; ".join(f"v{i} = x * {i + 2}" for i in range(120)) + "; s = " + " + ".join(f"v{i}" for i in range(120))

#: id -> (the command line's options, the program, "line" or "cell" magic).
MAGIC_CASES: dict[str, tuple[list[str], str, str]] = {
    "plain": ([], SEED, "line"),
    "of": (["--of", "d"], SEED, "line"),
    "of-equals": (["--of=d"], SEED, "line"),
    "of-jacobian": (["--of", "y,z"], TWO, "line"),
    "of-jacobian-cell": (["--of", "y,z"], TWO.replace("; ", "\n"), "cell"),
    "format-json": (["--format", "json"], SEED, "line"),
    "format-short": (["-f", "tree"], SEED, "line"),
    "format-dot": (["--format", "dot"], SEED, "line"),
    "format-csv": (["--format", "csv"], SEED, "line"),
    "format-latex": (["--format", "latex"], SEED, "line"),
    "standalone": (["--format", "latex", "--standalone"], SEED, "line"),
    "format-html": (["--format", "html"], SEED, "line"),
    "precision": (["--precision", "3"], EXP, "line"),
    "precision-short": (["-p", "2"], SEED_LINES, "cell"),
    "all": (["--all"], LONG, "line"),
    "elided": ([], LONG, "line"),
    "explain": (["--explain"], SEED, "line"),
    "hessian": (["--hessian"], TWO, "line"),
    "symbolic": (["--symbolic"], TWO, "line"),
    "check": (["--check", "--tolerance", "1e-4"], SEED, "line"),
    "at": (["--at", "x=2"], EXP, "line"),
    "at-cell": (["--at", "x=2"], EXP, "cell"),
    "at-json": (["--at", "x=2", "--format", "json"], EXP, "line"),
    "sweep": (["--sweep", "x=0:1:5"], EXP, "line"),
    "sweep-cell": (["--sweep", "x=0:1:5", "--format", "json"], EXP, "cell"),
    "plot-terminal": (["--sweep", "x=-1:1:9", "--plot"], EXP, "line"),
    "plot-file": (["--sweep", "x=-1:1:9", "--plot", "plot.svg"], EXP, "line"),
    "compare-all": (["--compare"], SEED, "line"),
    "compare-all-cell": (["--compare"], SEED_LINES, "cell"),
    "compare-some": (["--compare", "overwrite,no-sort"], SEED, "line"),
    "why": (["--why", "a", "--why", "d"], SEED, "line"),
    "mode": (["--mode", "forward", "--explain"], SEED, "line"),
    "taylor": (["--taylor", "x:3"], EXP, "line"),
    "simplify": (["--simplify", "--simplify-timeout", "60"], TWO, "line"),
    "emit-python": (["--emit", "python"], EXP, "line"),
    "emit-c": (["--emit", "c"], EXP, "cell"),
    "render": (["--render", "graph.svg"], SEED, "line"),
    "dashes": (["--"], "-1.5 * 2", "line"),
    # the command line's errors, word for word
    "bad-combination": (["--emit", "python", "--explain"], EXP, "line"),
    "bad-at": (["--at", "y=2"], EXP, "line"),
    "bad-of": (["--of", "nope"], SEED, "line"),
    "bad-program": ([], "a = 1; b = a / (a - a)", "line"),
    "failed-check": (["--check", "--at", "x=0"], "x = 1; y = sqrt(x)", "line"),
}

#: Files the magic writes, in the kernel's directory.
DRAWN_FILES = {"render": "graph.svg", "plot-file": "plot.svg"}


TERMINAL = {"COLUMNS": "100", "LINES": "30"}


def magic_cell(args: list[str], program: str, kind: str) -> str:
    if kind == "cell":
        return "%%autodiff " + " ".join(args) + "\n" + program
    return "%autodiff " + " ".join([*args, program])


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory) -> tuple[dict[str, list[dict]], Path]:
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install '.[test]')")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install '.[test]')")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install '.[test]')")
    where = tmp_path_factory.mktemp("kernel")
    notebook = nbformat.v4.new_notebook()
    # A pipe's plot is as wide as COLUMNS says: the same in the kernel as for the command line.
    setup = f"import os\nos.environ.update({TERMINAL!r})\n%load_ext autodiff_cli"
    notebook.cells = [nbformat.v4.new_code_cell(setup)] + [
        nbformat.v4.new_code_cell(magic_cell(*case)) for case in MAGIC_CASES.values()
    ]
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(where)}})
    try:
        client.execute()
    except Exception as error:  # pragma: no cover - shows which cell failed and why
        pytest.fail(f"the notebook did not run: {error}")
    return {name: cell.outputs for name, cell in zip(MAGIC_CASES, notebook.cells[1:])}, where


def shown_text(outputs: list[dict], name: str = "stdout") -> str:
    """What a cell showed as text on one stream, a displayed report as its text (the table the command line prints)."""
    text = ""
    for out in outputs:
        if out["output_type"] == "stream" and out["name"] == name:
            text += out["text"]
        elif name == "stdout" and out["output_type"] == "display_data":
            text += out["data"]["text/plain"] + "\n"
    return text


def command_line(args: list[str], program: str) -> tuple[str, str, int]:
    """`autodiff eval ARGS PROGRAM` in the current directory: stdout, stderr, exit code."""
    done = CliRunner(env={**TERMINAL, "NO_COLOR": "1"}).invoke(cli, ["eval", *args, program], catch_exceptions=False)
    return done.stdout, done.stderr, done.exit_code


def same_source(text: str) -> str:
    """Errors name the program `<eval>` on the command line and `<line>`/`<cell>` in a notebook."""
    return re.sub(r"<(?:line|cell)>", "<eval>", text)


def test_every_option_of_eval_has_a_magic_case() -> None:
    used = {arg.split("=")[0] for args, _, _ in MAGIC_CASES.values() for arg in args}
    for param in eval_command.params:
        if param.param_type_name == "option":
            assert used & set(param.opts), f"no magic case uses {param.opts[0]}"


@pytest.mark.parametrize("case", list(MAGIC_CASES))
def test_magic_shows_what_the_command_line_shows(kernel_run, tmp_path: Path, monkeypatch, case: str) -> None:
    outputs, kernel_dir = kernel_run
    args, program, _ = MAGIC_CASES[case]
    assert not [out for out in outputs[case] if out["output_type"] == "error"], "a traceback in the notebook"
    monkeypatch.chdir(tmp_path)
    stdout, stderr, code = command_line(args, program)
    if "--format" in args and args[args.index("--format") + 1] == "html":
        # The command line prints the page as a document; the notebook displays it, its text the table.
        assert stdout.startswith("<!DOCTYPE html>")
        (display,) = [out for out in outputs[case] if out["output_type"] == "display_data"]
        assert 'class="adp"' in display["data"]["text/html"]
        stdout = command_line([], program)[0]
    assert same_source(shown_text(outputs[case])).rstrip("\n") == stdout.rstrip("\n")
    assert same_source(shown_text(outputs[case], "stderr")) == stderr
    if case in DRAWN_FILES:
        drawn = DRAWN_FILES[case]
        assert (kernel_dir / drawn).read_text().startswith("<?xml") and (tmp_path / drawn).exists() and code == 0


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param("at", r"x \(input\)\s+input\s+2\s+7\.38906", id="at-moves-the-input"),
        pytest.param("of-jacobian", r"Jacobian \(row: output, column: input\)", id="several-outputs"),
        pytest.param("emit-python", r"def ", id="emit-is-code"),
        pytest.param("sweep", r"\b1\s+2\.71828\b", id="sweep-rows"),
    ],
)
def test_the_reported_options_take_effect(kernel_run, case: str, expected: str) -> None:
    """The defects as reported: `--at` and `--sweep` ignored, `--emit` ignored, `--of y,z` refused."""
    outputs, _ = kernel_run
    assert re.search(expected, shown_text(outputs[case])), shown_text(outputs[case]) + shown_text(outputs[case], "stderr")


def test_tables_are_displayed_as_the_page(kernel_run) -> None:
    outputs, _ = kernel_run
    for case in ("plain", "at", "of-jacobian", "explain"):
        assert any("text/html" in out.get("data", {}) for out in outputs[case]), case
    for case in ("sweep", "emit-python", "format-json"):
        assert not any("text/html" in out.get("data", {}) for out in outputs[case]), case


@pytest.mark.parametrize(
    ("line", "options", "program"),
    [
        pytest.param("--compare a = 1; b = a*a", ["--compare=all"], "a = 1; b = a*a", id="compare-before-assignment"),
        pytest.param("--compare no-sort a = 1", ["--compare", "no-sort"], "a = 1", id="compare-with-value"),
        pytest.param("--compare exp(1)", ["--compare=all"], "exp(1)", id="compare-before-expression"),
        pytest.param("--plot --sweep x=0:1:3 x = 1", ["--plot=-", "--sweep", "x=0:1:3"], "x = 1", id="plot-terminal"),
        pytest.param("--plot p.png x = 1", ["--plot", "p.png"], "x = 1", id="plot-file"),
        pytest.param("--of y,z --at x=2 x = 1", ["--of", "y,z", "--at", "x=2"], "x = 1", id="values"),
        pytest.param("-- -a + 1", [], "-a + 1", id="dashes"),
    ],
)
def test_line_magic_splits_options_as_the_command_line_reads_them(line: str, options: list[str], program: str) -> None:
    from autodiff_cli.notebook import split_line

    assert split_line(line) == (options, program)
