"""Defects a new user met in the front ends, each through the interface where it was met.

The notebook magic in a real kernel (one notebook, executed once) against the
command line; the REPL's completion in a real pseudo-terminal and directly.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli, eval_command
from tests.support import ROOT

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
    "descend": (["--descend", "x", "--lr", "0.2", "--steps", "3"], "x = 2; y = (x - 1) ** 2", "line"),
    "descend-cell": (["--descend", "x", "--format", "csv"], "x = 2\ny = (x - 1) ** 2", "cell"),
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


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
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
    from autodiff_cli.interface.notebook import split_line

    assert split_line(line) == (options, program)


# -- 2. Tab completes every meta-command's argument

SESSION = ["alpha = 3", "beta = alpha * alpha", "alpha = 2", "gamma = beta + alpha"]


def completions(text: str) -> list[str]:
    """What the REPL's completer offers at the end of `text`, in a session that ran SESSION."""
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from autodiff_cli.interface.repl import Session, _completer

    session = Session(io.StringIO(), io.StringIO())
    session.run_stream(SESSION)
    return [c.text for c in _completer(session).get_completions(Document(text), CompleteEvent(completion_requested=True))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(":grad ", ["alpha", "beta", "gamma"], id="grad"),
        pytest.param(":grad be", ["beta"], id="grad-prefix"),
        pytest.param(":of ", ["alpha", "beta", "gamma"], id="of"),
        pytest.param(":why ", ["alpha", "beta", "gamma"], id="why"),
        pytest.param(":why alpha g", ["gamma"], id="why-second-name"),
        pytest.param(":why alpha ", ["beta", "gamma"], id="why-not-twice"),
        pytest.param(":mode ", ["reverse", "forward"], id="mode"),
        pytest.param(":mode f", ["forward"], id="mode-prefix"),
        pytest.param(":compare ", ["overwrite", "no-sort", "no-reset", "all"], id="compare"),
        pytest.param(":compare no-", ["no-sort", "no-reset"], id="compare-prefix"),
        pytest.param(":compare overwrite,", ["no-sort", "no-reset"], id="compare-list"),
        pytest.param(":at ", ["alpha@1=", "alpha="], id="at-inputs-only"),
        pytest.param(":at alpha=5 ", ["alpha@1="], id="at-second-input"),
        pytest.param(":at alpha=", [], id="at-value"),
        pytest.param(":taylor ", ["alpha@1", "alpha"], id="taylor-inputs-only"),
        pytest.param(":taylor alpha ", [], id="taylor-order"),
        pytest.param(":precision 1", ["1", "10", "11", "12", "13", "14", "15", "16", "17"], id="precision"),
        pytest.param(":table ", [], id="no-argument"),
        pytest.param(":gr", [":grad"], id="command-name"),
        pytest.param("gamma + al", ["alpha"], id="statement"),
    ],
)
def test_completer_offers_each_commands_argument(text: str, expected: list[str]) -> None:
    assert completions(text) == expected


def test_every_command_with_an_argument_completes_it() -> None:
    from autodiff_cli.interface.repl import COMMANDS

    for command in COMMANDS.values():
        if command.takes_argument and command.name != "load":  # :load completes file names
            assert command.choices is not None, f":{command.name} does not complete its argument"


def test_fixed_choices_are_the_ones_the_command_accepts() -> None:
    """Each choice Tab offers for :mode, :compare and :precision is accepted by the command."""
    from autodiff_cli.interface.repl import Session

    for command in ("mode", "compare", "precision"):
        for choice in completions(f":{command} "):
            out, err = io.StringIO(), io.StringIO()
            session = Session(out, err)
            session.run_stream([*SESSION, f":{command} {choice}"])
            assert not err.getvalue(), (command, choice, err.getvalue())


PROMPT = "autodiff>"


@pytest.fixture
def repl(tmp_path):
    """The REPL in a real pseudo-terminal, after SESSION's lines."""
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=30, encoding="utf-8")
    child.expect(PROMPT)
    for line in SESSION:
        child.sendline(line)
        child.expect(PROMPT)
    time.sleep(0.2)

    def typed(keys: str, expected: str) -> None:
        """Type `keys` (Tab as \\t), press Enter, and wait for `expected` in the output."""
        for part in re.split("(\t)", keys):
            child.send(part)
            time.sleep(0.3)  # each Tab's completion is drawn before the next key
        child.sendline("")
        child.expect(expected)
        child.expect(PROMPT)
        time.sleep(0.2)

    yield typed
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param(":grad be\t", "∂gamma/∂beta = 1", id="grad"),
        pytest.param(":grad \t\t", "∂gamma/∂alpha = 1", id="grad-empty-word"),
        pytest.param(":of be\t", "differentiating beta", id="of"),
        pytest.param(":why gam\t", "gamma", id="why"),
        pytest.param(":mode f\t", "forward mode", id="mode"),
        pytest.param(":mode \t\t", "reverse mode", id="mode-empty-word"),
        pytest.param(":compare ov\t", "overwrite", id="compare"),
        pytest.param(":at alpha@\t5", r"\b27\b", id="at"),
        pytest.param(":taylor alpha@\t 2", "alpha@1", id="taylor"),
        pytest.param(":precision 1\t\t", "precision: 1 significant digits", id="precision"),
    ],
)
def test_tab_completes_arguments_in_a_terminal(repl, keys: str, expected: str) -> None:
    repl(keys, expected)


# -- 3. REPL headings break between phrases, never inside one, at 40 and 80 columns

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")

#: A session with long names, so that headings must fold at 40 columns.
LONG_SESSION = ["input_value = 0.5", "other_weight = 2", "y = other_weight * input_value + input_value*input_value"]

#: Command, what its output ends with (to wait for), and the headings it shows, each as its phrases.
HEADINGS: list[tuple[str, str, list[tuple[str, ...]]]] = [
    (":help", "leave", [("Type statements", "(a = 3, b = a * a, tanh(b))", "or a command:")]),
    (":taylor input_value 3", "coefficient", [("Taylor series of y in input_value", "at input_value = 0.5", "(K = 3)")]),
    (":compare", "no-reset:", [("gradients of y", "under the classic mistakes", "(*: differs from correct)")]),
    (":mode forward", "forward mode", []),
    (
        ":explain",
        "=> dy/dother_weight",
        [
            ("forward pass 1 of 2, along input_value", "(v' = dv/dinput_value;", "input_value' = 1,", "other inputs' = 0)"),
            ("forward pass 2 of 2, along other_weight", "(v' = dv/dother_weight;", "other_weight' = 1,", "other inputs' = 0)"),
        ],
    ),
    (
        ":quiz",
        r"= \?",
        [
            ("Forward pass", "(each value after its inputs):"),
            ("Now backward:", "the gradient of y", "with respect to each node,", "in backward order."),
            ("y.grad = 1 (the output).", "Answer with a number", "or a fraction like -3/2;", "Ctrl-D stops."),
        ],
    ),
]
BANNER = ("autodiff REPL:", "type :help for commands,", "Ctrl-D to leave")


def squeeze(text: str) -> str:
    return " ".join(text.split())


def heading_lines(lines: list[str], phrases: tuple[str, ...]) -> list[str]:
    """The lines showing a heading, checked to be whole runs of its phrases in order; fails where a phrase is cut."""
    start = next((i for i, line in enumerate(lines) if line.strip().startswith(phrases[0])), None)
    assert start is not None, f"no heading {phrases[0]!r} in {lines}"
    shown, taken = [], 0
    for line in lines[start:]:
        runs = [j for j in range(taken + 1, len(phrases) + 1) if squeeze(" ".join(phrases[taken:j])) == squeeze(line)]
        assert runs, f"{line!r} is not whole phrases of {phrases[taken:]}"
        shown.append(line)
        taken = runs[0]
        if taken == len(phrases):
            return shown
    raise AssertionError(f"the heading {phrases} ends early: {shown}")


def screen_lines(text: str) -> list[str]:
    return [line.rstrip() for line in ANSI.sub("", text).replace("\r", "").split("\n")]


@pytest.mark.e2e
@pytest.mark.parametrize("columns", [40, 80])
def test_repl_headings_fold_between_phrases(tmp_path, columns: int) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm", NO_COLOR="1")
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    child = pexpect.spawn(
        sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=30, encoding="utf-8", dimensions=(60, columns)
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect(PROMPT)
    for line in LONG_SESSION:
        child.sendline(line)
    child.expect("y = 1.25")
    for command, last, _ in HEADINGS:
        time.sleep(0.3)
        child.sendline(command)
        child.expect(last)
    time.sleep(0.3)
    child.sendcontrol("d")  # stops the quiz
    child.expect("score:")
    time.sleep(0.3)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    shown = screen_lines(transcript.getvalue())
    for phrases in [BANNER, *(heading for _, _, headings in HEADINGS for heading in headings)]:
        lines = heading_lines(shown, phrases)
        assert all(len(line) <= columns for line in lines), lines
        if len(" ".join(phrases)) <= columns:
            assert len(lines) == 1, lines  # folded only when it must be
        if columns == 40:
            assert len(lines) > 1, lines  # these headings are all wider than 40
    helps = shown[shown.index(next(line for line in shown if line.startswith("  :help"))) :]
    helps = helps[: next(i for i, line in enumerate(helps) if "leave (Ctrl-D too)" in line) + 1]
    assert all(len(line) <= columns for line in helps), helps


@pytest.mark.parametrize(
    ("phrases", "width", "expected"),
    [
        pytest.param(("abc def", "ghi"), None, ["abc def ghi"], id="pipe-one-line"),
        pytest.param(("abc def", "ghi"), 11, ["abc def ghi"], id="fits-exactly"),
        pytest.param(("abc def", "ghi"), 10, ["abc def", "ghi"], id="breaks-between-phrases"),
        pytest.param(("abc", "def ghi jkl"), 8, ["abc", "def ghi", "jkl"], id="a-phrase-too-wide-breaks-at-a-space"),
        pytest.param(("x", " (y)"), None, ["x  (y)"], id="a-phrase-keeps-its-own-space"),
        pytest.param(("x", " (y)"), 3, ["x", "(y)"], id="but-not-at-a-break"),
        pytest.param("one heading", 5, ["one", "heading"], id="a-string-is-one-phrase"),
    ],
)
def test_fold(phrases, width, expected) -> None:
    from autodiff_cli.render.heading import fold

    assert fold(phrases, width) == expected


# -- 4. LaTeX keeps to the page: a wide program's document has no overfull line

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None, reason="pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended)"
)

#: 30 inputs with long names, a long sum of products, a fraction over it, and a one-line version for the worksheet.
WIDE_LINES = [
    *(f"feature_value_{i:02d} = {i / 10}" for i in range(1, 31)),
    "weighted_sum_of_features = " + " + ".join(f"feature_value_{2 * i + 1:02d}*feature_value_{2 * i + 2:02d}" for i in range(15)),
    "squashed_activation_output = tanh(weighted_sum_of_features / 100) + sigmoid(feature_value_01 + feature_value_30)",
]
WIDE = "\n".join(WIDE_LINES)
WIDE_ONE_LINE = "; ".join(WIDE_LINES)

#: An overfull box of this many points or fewer is invisible on paper.
OVERFULL_SLACK = 3.0

FRAGMENT_DOCUMENT = (
    "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n\\usepackage{longtable}\n"
    "\\begin{document}\n%s\n\\end{document}\n"
)


def overfull(tmp_path: Path, document: str) -> list[str]:
    """Compile `document` twice (a longtable settles its widths on the second run); the overfull boxes of the last."""
    (tmp_path / "doc.tex").write_text(document, encoding="utf-8")
    for _ in range(2):
        done = subprocess.run(
            [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0 and (tmp_path / "doc.pdf").exists(), done.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    boxes = re.findall(r"Overfull \\[hv]box \(([0-9.]+)pt too (?:wide|high)\)[^\n]*", log)
    lines = re.findall(r"Overfull \\[hv]box \([0-9.]+pt too (?:wide|high)\)[^\n]*", log)
    return [line for line, points in zip(lines, boxes) if float(points) > OVERFULL_SLACK]


@pytest.mark.e2e
@needs_pdflatex
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["eval", "--format", "latex", "--standalone", WIDE], id="standalone"),
        pytest.param(["eval", "--format", "latex", "--standalone", "--hessian", "--symbolic", WIDE], id="hessian-symbolic"),
        pytest.param(["eval", "--format", "latex", "--standalone", "--precision", "17", WIDE], id="precision-17"),
        pytest.param(["eval", "--format", "latex", WIDE], id="fragment"),
        pytest.param(["quiz", WIDE_ONE_LINE, "--worksheet", "tex"], id="worksheet"),
        pytest.param(["quiz", WIDE_ONE_LINE, "--worksheet", "tex", "--answer-key"], id="answer-key"),
        pytest.param(["quiz", WIDE, "--worksheet", "tex", "--answer-key"], id="answer-key-lines"),
    ],
)
def test_latex_of_a_wide_program_stays_on_the_page(tmp_path: Path, args: list[str]) -> None:
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    document = done.stdout if "--standalone" in args or "quiz" in args else FRAGMENT_DOCUMENT % done.stdout
    assert overfull(tmp_path, document) == []


@pytest.mark.parametrize("budget", [20, 40, 56])
def test_broken_formula_lines_are_the_formula(budget: int) -> None:
    """Breaking a line changes only where it breaks: the lines, without the null delimiters, are the formula."""
    from autodiff_cli.render.latex_notation import break_math, math_width

    formula = (
        r"\tanh\left(" + " + ".join(rf"\mathit{{feature\_value\_{i:02d}}} \cdot w_{{{i}}}" for i in range(12)) + r"\right)"
        r" + \operatorname{clamp}\left(x_{1}, \mathit{lower\_bound}, \mathit{upper\_bound}\right)"
    )
    lines = break_math(formula, budget)
    assert len(lines) > 1
    assert "".join(lines).replace(r"\right.", "").replace(r"\left.", "") == formula
    assert all(math_width(line.replace(r"\right.", "").replace(r"\left.", "")) <= budget + 30 for line in lines)
    for line in lines:  # every line's \left and \right pair up, so each line is valid LaTeX by itself
        assert line.count(r"\left") == line.count(r"\right")


# -- 5. how a program's name is written in LaTeX: the docs' table is the code's


def documented_names() -> list[tuple[str, str]]:
    """(name, LaTeX) for each name row of docs/code-out.md's "How things are written" table."""
    text = (ROOT / "docs" / "code-out.md").read_text(encoding="utf-8")
    table = text[text.index("| in the program | in LaTeX |") :].split("\n\n", 1)[0]
    pairs = []
    for row in table.splitlines()[2:]:
        left, right = (re.findall(r"`([^`]+)`", cell) for cell in row.strip("|").split(" | ", 1))
        if not left or not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word) for word in left):
            continue  # not a row of names
        pairs += zip(left, right if len(right) == len(left) else right * len(left))
    return pairs


def test_docs_name_table_is_what_latex_writes() -> None:
    from autodiff_cli.render.latex_notation import name

    pairs = documented_names()
    assert ("my_name", r"\mathit{my\_name}") in pairs and len(pairs) >= 12
    assert [(text, name(text)) for text, _ in pairs] == pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("my_name", r"\mathit{my\_name}", id="word-then-word-is-one-name"),
        pytest.param("loss_total", r"\mathit{loss\_total}", id="another-word-name"),
        pytest.param("x_max", r"x_{\mathrm{max}}", id="letter-then-word-is-subscripted"),
        pytest.param("Delta_t", r"\Delta_{t}", id="greek-then-letter"),
        pytest.param("layer_2", r"\mathit{layer}_{2}", id="word-then-number-is-indexed"),
        pytest.param("my_name2", r"\mathit{my\_name2}", id="two-words-and-a-number"),
    ],
)
def test_subscripts_only_where_conventional(text: str, expected: str) -> None:
    from autodiff_cli.render.latex_notation import name

    assert name(text) == expected


@pytest.mark.e2e
@needs_pdflatex
def test_latex_names_compile(tmp_path: Path) -> None:
    program = "my_name = 1; x_max = 2; alpha_out = 3; layer_2 = 4; loss_total = my_name * x_max + alpha_out * layer_2"
    done = CliRunner().invoke(cli, ["eval", "--format", "latex", "--standalone", "--symbolic", program])
    assert done.exit_code == 0 and r"\mathit{loss\_total} &= \mathit{my\_name} \cdot x_{\mathrm{max}}" in done.stdout
    assert overfull(tmp_path, done.stdout) == []


# -- 6. Taylor mode takes the table's choice at every kink


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("x = 0; y = relu(x)", id="relu"),
        pytest.param("x = 0; y = abs(x)", id="abs"),
        pytest.param("x = 1; y = max(x, 1)", id="max-tie"),
        pytest.param("x = 1; y = min(x, 2 - x)", id="min-tie-both-move"),
        pytest.param("x = 0; y = leaky_relu(x, 0.1)", id="leaky-relu"),
        pytest.param("x = 0; y = elu(x)", id="elu"),
        pytest.param("x = -1; y = clamp(x, -1, 1)", id="clamp-at-lower"),
        pytest.param("x = 1; y = clamp(x, -1, 1)", id="clamp-at-upper"),
        pytest.param("x = 0.5; y = clamp(0.5, x, 2 * x)", id="clamp-lower-bound-moves"),
        pytest.param("x = 0.5; y = clamp(x, x, 1)", id="clamp-x-is-its-bound"),
        pytest.param("x = 2; y = clamp(x, 0, 1)", id="clamp-beyond"),
    ],
)
def test_taylor_first_derivative_is_the_gradient_at_kinks(program: str) -> None:
    import json

    done = CliRunner().invoke(cli, ["eval", "--format", "json", "--taylor", "x:2", program], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["taylor"]["derivatives"][1] == document["variables"]["x"]["grad"]


# -- 7. no-sort is the walk docs/teaching.md describes


def documented_no_sort(nodes: list[dict], output: int) -> dict[int, float]:
    """The docs' no-sort, written from its words: a recursive walk over inputs in argument order, each node handled
    the first time the walk arrives at it, passing on what it holds then (local derivatives from the JSON's numbers)."""
    by_id = {node["id"]: node for node in nodes}
    grads = {node["id"]: 0.0 for node in nodes if node["op"] != "const"}
    grads[output] = 1.0
    seen: set[int] = set()

    def local(node: dict, position: int) -> float:
        values = [by_id[i]["value"] for i in node["inputs"]]
        if node["op"] == "mul":
            return values[1 - position]
        if node["op"] in ("add",):
            return 1.0
        if node["op"] == "sub":
            return 1.0 if position == 0 else -1.0
        raise AssertionError(f"no local derivative written for {node['op']}")

    def walk(node_id: int) -> None:
        if node_id in seen:
            return
        seen.add(node_id)
        node = by_id[node_id]
        for position, child in enumerate(node["inputs"]):
            if by_id[child]["op"] != "const":
                grads[child] += local(node, position) * grads[node_id]
        for child in node["inputs"]:
            walk(child)

    walk(output)
    return grads


@pytest.mark.parametrize(
    "program",
    [
        "a = 1.5; b = a*a; c = a+b; d = c*b",
        "a = 1.5; b = a*a; c = a+b; d = b*c",
        "a = 2; b = a*a; c = b + a; d = b * c",
        "a = -2; b = 3; d = a*b; e = a+b; f = d*e",
        "x = 0.5; y = x*x; z = y*x - y; w = z*y + x*z",
        "p = 2; q = p*3; r = q*q; s = r + q*p; t = s*r - q",
    ],
)
def test_no_sort_is_the_documented_walk(program: str) -> None:
    import json

    done = CliRunner().invoke(cli, ["eval", "--format", "json", "--compare", "no-sort", program], catch_exceptions=False)
    document = json.loads(done.stdout)
    output = next(node["id"] for node in document["nodes"] if node["label"] == document["output"])
    expected = documented_no_sort(document["nodes"], output)
    got = {int(key): value for key, value in document["compare"]["no-sort"].items() if value is not None}
    assert got == pytest.approx(expected)
