"""--format latex: names, numbers and every operation in LaTeX, compiled by a real pdflatex."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autodiff_cli import evaluate
from autodiff_cli.base.options import Options
from autodiff_cli.core.ops import OPERATIONS
from autodiff_cli.render.latex import render_latex
from autodiff_cli.render.latex_notation import escape_text, name, number_text
from autodiff_cli.report import build_report
from tests.oracle import inside
from tests.support import WRITTEN

PDFLATEX = shutil.which("pdflatex")
needs_latex = pytest.mark.skipif(
    PDFLATEX is None,
    reason="pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended, as .ci/run installs); "
    "the structure of the LaTeX is still checked by the other tests",
)
INPUTS = "x = 0.5; y = 0.25; z = 0.75"


def latex(text: str, **options: object) -> str:
    """The LaTeX of a program, through the report the command line builds."""
    return render_latex(build_report(evaluate(text), Options(format="latex", **options)))  # type: ignore[arg-type]


def compile_latex(tmp_path: Path, document: str) -> None:
    """Run pdflatex on `document` and fail with its log when it does not make a PDF."""
    assert PDFLATEX is not None
    (tmp_path / "doc.tex").write_text(document, encoding="utf-8")
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and (tmp_path / "doc.pdf").exists(), done.stdout[-3000:]


def test_every_operation_has_its_latex() -> None:
    """An operation added to ops.py must be given its LaTeX in the oracle's table, so a merge cannot miss it."""
    assert set(OPERATIONS) <= set(WRITTEN), sorted(set(OPERATIONS) - set(WRITTEN))


def inputs(op: str) -> str:
    """INPUTS, with x where `op` is defined."""
    return INPUTS.replace("x = 0.5", f"x = {inside(op, 0.5)!r}")


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_operation_written(op: str) -> None:
    text, expected = WRITTEN[op]
    assert f"  o &= {expected}" in latex(f"{inputs(op)}; o = {text}")


@pytest.mark.e2e
@needs_latex
def test_every_operation_compiles(tmp_path: Path) -> None:
    # Each operation on an x of its own, inside its domain.
    lines = []
    for op in sorted(OPERATIONS):
        text = re.sub(r"\bx\b", f"x_{op}", WRITTEN[op][0])
        lines.append(f"x_{op} = {inside(op, 0.5)!r}; o_{op} = {text}")
    program = f"{INPUTS}; " + "; ".join(lines) + "; " + " + ".join(f"o_{op}" for op in sorted(OPERATIONS))
    compile_latex(tmp_path, latex(program, symbolic=True, hessian=True, standalone=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x", "x", id="letter"),
        pytest.param("x1", "x_{1}", id="indexed"),
        pytest.param("x_12", "x_{12}", id="indexed-underscore"),
        pytest.param("w_out", r"w_{\mathrm{out}}", id="subscript-word"),
        pytest.param("alpha2", r"\alpha_{2}", id="greek-indexed"),
        pytest.param("loss", r"\mathit{loss}", id="word"),
        pytest.param("my_long_name", r"\mathit{my\_long\_name}", id="underscores-escaped"),
        pytest.param("_x", r"\mathit{\_x}", id="leading-underscore"),
        pytest.param("a@3", r"a\,\text{@3}", id="rebound-input-key"),
    ],
)
def test_names(text: str, expected: str) -> None:
    assert name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1.5", "1.5", id="plain"),
        pytest.param("-1.5e-07", r"-1.5 \times 10^{-7}", id="exponent"),
        pytest.param("1e+300", "10^{300}", id="power-of-ten"),
        pytest.param("nan", r"\mathrm{NaN}", id="nan"),
        pytest.param("-inf", r"-\infty", id="minus-inf"),
        pytest.param("—", r"\text{---}", id="no-gradient"),
    ],
)
def test_numbers(text: str, expected: str) -> None:
    assert number_text(text) == expected


def test_text_is_escaped() -> None:
    assert escape_text("a_b # 50% & $x$ {y} ^ ~ \\ é…") == (
        r"a\_b \# 50\% \& \$x\$ \{y\} \^{} \textasciitilde{} \textbackslash{} ?\ldots{}"
    )


# A label holding every character LaTeX treats specially (a comment inside parentheses).
HOSTILE = "a_b = 2; d = (a_b # 50% & $ {x} ^ ~ \\ é\n * 3) * a_b"


@pytest.mark.parametrize("standalone", [False, True], ids=["fragment", "standalone"])
def test_fragment_and_standalone(run, standalone: bool) -> None:
    args = ["eval", "--format", "latex", *(["--standalone"] if standalone else []), HOSTILE]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    latex = result.stdout
    assert latex.startswith(r"\documentclass{article}") == standalone
    assert latex.rstrip().endswith(r"\end{document}") == standalone
    assert r"\begin{align*}" in latex and r"\begin{tabular}{rllrr}" in latex and r"\toprule" in latex
    assert r"\# 50\% \& \$ \{x\} \^{} \textasciitilde{} \textbackslash{} ?" in latex


@pytest.mark.e2e
@needs_latex
@pytest.mark.parametrize("views", [[], ["--symbolic"], ["--hessian", "--symbolic"]], ids=["table", "symbolic", "hessian"])
def test_compiles(run, tmp_path: Path, views: list[str]) -> None:
    program = (
        "x1 = 0.5; w_out = -2; alpha = 3; h = tanh(x1 * w_out + alpha); y = h * h / sqrt(x1) + relu(-h)**2 + 1e-7 * exp(alpha)"
    )
    for text in (program, HOSTILE, "a = 1; b = a * 2; a = 3; f = a * b; g = grad(f, a)"):
        result = run("eval", "--format", "latex", "--standalone", *views, text)
        assert result.exit_code == 0, result.stderr
        compile_latex(tmp_path, result.stdout)


@pytest.mark.e2e
@needs_latex
def test_fragment_compiles_inside_a_document(run, tmp_path: Path) -> None:
    fragment = run("eval", "--format", "latex", "--hessian", "--symbolic", "a = -2; b = 3; d = a*b; e = a+b; f = d*e").stdout
    compile_latex(
        tmp_path, "\\documentclass{article}\n\\usepackage{amsmath,booktabs}\n\\begin{document}\n" + fragment + "\\end{document}\n"
    )


def test_formulas_and_hessian_sections(run) -> None:
    latex = run("eval", "--format", "latex", "--hessian", "--symbolic", "a = -2; b = 3; d = a*b; e = a+b; f = d*e").stdout
    assert r"\frac{\partial f}{\partial a} &= " in latex and r"\frac{\partial f}{\partial b} &= " in latex
    assert r"\nabla^{2} f = \left(\begin{array}{cc}" in latex and r"\text{rows and columns: } a, b" in latex
    # f = a^2 b + a b^2: d2f/da2 = 2b = 6, d2f/dadb = 2a + 2b = 2, d2f/db2 = 2a = -4
    assert "6 & 2 \\\\\n    2 & -4" in latex


@pytest.mark.e2e
@needs_latex
def test_a_hessian_of_more_than_ten_inputs_compiles(run, tmp_path: Path) -> None:
    """amsmath's pmatrix stops at 10 columns; the Hessian has one for each input, so it comes in blocks."""
    names = [f"a{i}" for i in range(12)]
    program = "; ".join(f"{n} = 1" for n in names) + "; y = prod(" + ", ".join(names) + ")"
    document = run("eval", "--format", "latex", "--hessian", "--standalone", program).stdout
    assert r"columns 1--10" in document and r"columns 11--12" in document
    compile_latex(tmp_path, document)


def test_rebound_input_keyed_with_its_line(run) -> None:
    latex = run("eval", "--format", "latex", "a = 1\nb = a * 2\na = 3\nf = a * b").stdout
    assert r"$a\,\text{@1}$ (input)" in latex and "$a$ (input)" in latex


def test_a_deep_formula_is_written_without_recursion() -> None:
    depth = 20_000
    program = "x = 0.5; y = " + "(" * depth + "x" + " + 1)" * depth
    assert latex(program).count("+ 1") >= depth


def test_usage_error(run) -> None:
    result = run("eval", "--standalone", "x = 1; y = x * x")
    assert result.exit_code == 2 and "it goes with --format latex, not --format table" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    "view", [["--explain"], ["--check"], ["--why", "x"], ["--compare"]], ids=["explain", "check", "why", "compare"]
)
def test_text_views_are_latex_comments(run, view: list[str]) -> None:
    result = run("eval", "--format", "latex", *view, "x = 1.5; y = x * x")
    assert result.exit_code == 0, result.stderr
    comments = [line for line in result.stdout.splitlines() if line.startswith("% ")]
    assert len(comments) > 1 and any("x" in line for line in comments[1:])
    assert "\\end{tabular}" in result.stdout


def test_run_with_several_files_heads_each_with_a_comment(run, tmp_path: Path) -> None:
    first, second = tmp_path / "first.ad", tmp_path / "second.ad"
    first.write_text("a = 1\nb = a * a\n")
    second.write_text("x = 2\ny = exp(x)\n")
    result = run("run", "--format", "latex", str(first), str(second))
    assert result.exit_code == 0, result.stderr
    assert f"% ==> {first} <==" in result.stdout and f"% ==> {second} <==" in result.stdout
    assert result.stdout.count(r"\begin{tabular}") == 2
    assert run("run", "--format", "latex", "--standalone", str(first), str(second)).exit_code == 2
