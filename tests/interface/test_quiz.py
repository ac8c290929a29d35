"""`autodiff quiz`: grading answer files, worksheets (the .tex compiled by a real LaTeX), the quiz in a terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import sympy
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli

ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
SEED_2 = "a = -2\nb = 3\nd = a*b\ne = a+b\nf = d*e\n"


def run(*args: str, input: str | None = None):
    return CliRunner(env=ENV).invoke(cli, list(args), input=input, catch_exceptions=False)


def seed_gradients() -> dict[str, sympy.Expr]:
    """The seed's gradients by SymPy: the oracle the answers below are written from."""
    a, b = sympy.symbols("a b")
    d, e = a * b, a + b
    f = d * e
    at = {a: -2, b: 3}
    return {
        "a": sympy.diff(f, a).subs(at),
        "b": sympy.diff(f, b).subs(at),
        "d": e.subs(at),
        "e": d.subs(at),  # f = d*e, so df/dd = e and df/de = d
    }


@pytest.fixture
def seed(tmp_path):
    path = tmp_path / "seed.ad"
    path.write_text(SEED_2)
    return path


def answers_file(tmp_path, text: str):
    path = tmp_path / "answers.txt"
    path.write_text(text)
    return str(path)


def test_right_answers_exit_0(tmp_path, seed) -> None:
    g = seed_gradients()
    # Every accepted spelling: a.grad, a fraction, a comment, blank lines, the output itself.
    text = f"e = {g['e']}\n\nd.grad = {g['d']}\nb = {g['b'] * 2}/2  # a fraction\na={g['a']}\nf = 1\n"
    result = run("quiz", str(seed), "--answers", answers_file(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(": 5/5 right\n")


def test_first_wrong_answer_in_backward_order(tmp_path, seed) -> None:
    g = seed_gradients()
    # b and a are both wrong; b comes first in backward order (f, e, d, b, a).
    text = f"a = {g['a'] + 1}\nb = {-g['b']}\nd = {g['d']}\ne = {g['e']}\n"
    result = run("quiz", str(seed), "--answers", answers_file(tmp_path, text))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": 2/4 right")
    assert lines[1] == f"first wrong, in backward order: b.grad (answered {-g['b']}; it is {g['b']})"
    assert lines[2] == f"b.grad = {g['b']}" and "via e = a+b" in lines[3] and "via d = a*b" in lines[4]


def test_a_missing_answer_is_wrong(tmp_path, seed) -> None:
    g = seed_gradients()
    result = run("quiz", str(seed), "--answers", answers_file(tmp_path, f"a = {g['a']}\n"))
    assert result.exit_code == 1 and "first wrong, in backward order: e.grad (no answer; it is" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("e = -6\nd 1\n", ":2: 'd 1' is not an answer: write NAME = NUMBER", id="no-equals"),
        pytest.param("e = -6\n\nd = one\n", ":3: 'one' is not a number", id="not-a-number"),
        pytest.param("e = 1/0\n", ":1: '1/0' divides by zero", id="zero-denominator"),
        pytest.param("q = 1\n", ":1: 'q' is not a node with a gradient here (the nodes: e, d, b, a)", id="unknown-name"),
        pytest.param("e = 1\ne = 2\n", ":2: a second answer for 'e'", id="twice"),
        pytest.param("= 3\n", ":1: '= 3' is not an answer", id="no-name"),
    ],
)
def test_malformed_answer_file_exit_2_with_its_line(tmp_path, seed, text: str, message: str) -> None:
    path = answers_file(tmp_path, text)
    result = run("quiz", str(seed), "--answers", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}") and message in result.stderr and not result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["missing.ad"], 2, "missing.ad: no such file", id="missing-file"),
        pytest.param(["a = 1; b = a +"], 1, "error:", id="syntax-error"),
        pytest.param(["-"], 2, "give the program as an argument or a file", id="stdin-without-terminal"),
        pytest.param(["a = 1; b = a*a", "--answers", "nope.txt"], 2, "nope.txt: no such file", id="missing-answers"),
    ],
)
def test_quiz_errors(args: list[str], code: int, message: str) -> None:
    result = run("quiz", *args)
    assert result.exit_code == code and message in result.stderr


def test_piped_answers_are_checked_and_explained() -> None:
    g = seed_gradients()
    result = run("quiz", SEED_2, input=f"{g['e']}\n{g['d'] + 1}\nx\n{g['b']}\n{g['a'] * 2}/2\n")
    assert result.exit_code == 1
    out = result.stdout
    assert "d = -6   (a*b)" in out
    assert f"not quite: d.grad = {g['d']}. Where it comes from:" in out
    assert "'x' is not a number" in out and "try again" in out
    assert out.rstrip().endswith("score: 3/4")


@pytest.mark.parametrize("key", [False, True], ids=["worksheet", "answer-key"])
def test_markdown_worksheet(seed, key: bool) -> None:
    g = seed_gradients()
    result = run("quiz", str(seed), "--worksheet", "md", *(["--answer-key"] if key else []))
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("# Backpropagation worksheet") and "```\na = -2\nb = 3\nd = a*b\n" in out
    assert "| `f` | 1 |" in out
    if key:
        assert f"| `a` | {g['a']} |" in out and "via e = a+b" in out
    else:
        assert "| `a` |  |" in out and "via" not in out


def _latex(tmp_path, *args: str) -> str:
    result = run("quiz", *args, "--worksheet", "tex")
    assert result.exit_code == 0
    return result.stdout


HOSTILE = "a_1 = -2 # 100% & $x$ {y} ~^ \\end{verbatim} é\nb = 3\nd = a_1*b*1e-9\nf = d*(a_1+b) + max(a_1, b)\n"


@pytest.mark.parametrize("key", [False, True], ids=["worksheet", "answer-key"])
def test_latex_worksheet_structure(tmp_path, key: bool) -> None:
    tex = run("quiz", HOSTILE, "--worksheet", "tex", *(["--answer-key"] if key else [])).stdout
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\begin{flushleft}") == tex.count("\\end{flushleft}") == 2  # the comment cannot end it early
    assert tex.count("\\begin{longtable}") == (2 if key else 1)
    assert "a\\_\\allowbreak{}1" in tex and "é" not in tex
    assert ("$-6 \\times 10^{-9}$" in tex) == key


@pytest.mark.e2e
@pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="pdflatex not installed (Debian texlive-latex-base + texlive-latex-recommended; .ci/run installs them)",
)
@pytest.mark.parametrize("key", [False, True], ids=["worksheet", "answer-key"])
def test_latex_worksheet_compiles(tmp_path, key: bool) -> None:
    (tmp_path / "sheet.tex").write_text(run("quiz", HOSTILE, "--worksheet", "tex", *(["--answer-key"] if key else [])).stdout)
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "sheet.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 1000


# ---------------------------------------------------------------- the quiz in a real terminal

pexpect = pytest.importorskip("pexpect")


def spawn_quiz(tmp_path, program: str):
    env = dict(os.environ, HOME=str(tmp_path), TERM="dumb", NO_COLOR="1")
    return pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "quiz", program], env=env, timeout=10, encoding="utf-8")


@pytest.mark.e2e
def test_terminal_quiz_right_wrong_and_fraction(tmp_path) -> None:
    g = seed_gradients()
    child = spawn_quiz(tmp_path, SEED_2)
    child.expect(r"e\.grad = \? ")
    child.sendline(str(g["e"]))
    child.expect("right")
    child.expect(r"d\.grad = \? ")
    child.sendline(str(g["d"] + 5))
    child.expect(f"not quite: d.grad = {g['d']}")
    child.expect(r"via f = d\*e")
    child.expect(r"b\.grad = \? ")
    child.sendline(f"{g['b'] * 3}/3")  # a fraction
    child.expect("right")
    child.expect(r"a\.grad = \? ")
    child.sendline(str(g["a"]))
    child.expect("score: 3/4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1  # not all right


@pytest.mark.e2e
def test_terminal_quiz_ctrl_d_stops_with_the_score(tmp_path) -> None:
    g = seed_gradients()
    child = spawn_quiz(tmp_path, SEED_2)
    child.expect(r"e\.grad = \? ")
    child.sendline(str(g["e"]))
    child.expect(r"d\.grad = \? ")
    child.sendcontrol("d")
    child.expect(r"score: 1/4 \(stopped after 1 of 4\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


@pytest.mark.e2e
def test_terminal_quiz_ctrl_c_exits_130(tmp_path) -> None:
    child = spawn_quiz(tmp_path, SEED_2)
    child.expect(r"e\.grad = \? ")
    child.sendcontrol("c")
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


@pytest.mark.parametrize(
    ("tolerance", "code"),
    [pytest.param([], 1, id="default-too-rough"), pytest.param(["--tolerance", "0.01"], 0, id="loose-enough")],
)
def test_tolerance_decides_a_rounded_answer(tmp_path, tolerance: list[str], code: int) -> None:
    x = sympy.Symbol("x")
    grad = sympy.diff(sympy.log(x), x).subs(x, 3)  # 1/3
    assert grad == sympy.Rational(1, 3)
    path = answers_file(tmp_path, "x = 0.33\n")
    result = run("quiz", "x = 3; y = log(x)", "--answers", path, *tolerance)
    assert result.exit_code == code
