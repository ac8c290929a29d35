"""Nothing a program says, and nothing its file is called, runs in what autodiff writes.

A table of hostile strings (every kind of quote, comment opener and closer,
line ends, backslashes, `</script>`, `\\input{...}`, ...) goes into a comment
inside the program text, which reaches the labels, and into the file's name.
Each case then goes through every generator: `--emit python` is run with
`python3 -I` and `--emit c` is compiled (`-std=c99 -Wall -Werror`, POSIX
feature macros on) and run, each in a folder of its own, which must hold
nothing new afterwards and whose numbers must be the JSON's; the LaTeX may
hold no control word the same output of a benign program does not, and
pdflatex must read no planted secret; the page's data may hold no `<` and
its script must run in Chromium; the DOT must be our statements only, and
Graphviz must accept it.  The escaping functions themselves are checked
against the same table, with Python's own parser and JSON reader as oracles.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli
from autodiff_cli.render import escape
from tests.support import chromium

CC = shutil.which("cc") or shutil.which("gcc")
DOT = shutil.which("dot")
PDFLATEX = shutil.which("pdflatex")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler (cc or gcc) on PATH")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not on PATH (apt-get install graphviz)")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not on PATH (apt-get install texlive-latex-base)")

HOSTILE = {
    "single-quote": "'",
    "double-quote": '"',
    "triple-single": "'''",
    "triple-double": '"""',
    "python-docstring-breakout": '""";open("PWNED_PY","w").write("x");"""',
    "python-single-breakout": "''';open('PWNED_PY','w');'''",
    "c-comment-close": "*/",
    "c-comment-open": "/*",
    "c-breakout": '*/int p(){system("touch PWNED_C");}/*',
    "c-line-comment": "// x",
    "trigraph": "??/",
    "hash": "# x",
    "html-comment-open": "<!--",
    "html-comment-close": "-->",
    "script-close": "</script>",
    "script-breakout": "</script><script>document.title='PWNED'</script>",
    "comment-then-script": "<!--<script>",
    "percent": "% x",
    "newline": "\n",
    "carriage-return": "\r",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "nul": "\x00",
    "backslash": "\\",
    "backslash-at-end-of-line": "x\\\n",
    "latex-input": "\\input{secret.txt}",
    "latex-input-on-its-own-line": "\n\\input{secret.txt}\n",
    "latex-write18": "\\immediate\\write18{touch PWNED_TEX}",
    "latex-catcode": "^^J\\input{secret.txt}",
    "dollar": "$x$",
    "braces": "{}",
    "ampersand": "&amp;",
    "caret": "^",
    "tilde": "~",
    "dot-breakout": '"];x [image="secret.txt"];//',
    "dot-record": "{|<>}",
    "dot-escape": "\\N\\G\\l",
    "markdown-fence": "```",
    "markdown-code-breakout": "` <img src=x onerror=alert(1)> `",
    "verbatim-end": "\\end{verbatim}",
    "not-ascii": "é…—",
    "control-characters": "\x01\x08\x0b\x1b[31m\x7f\x85\ufffe\uffff",
}

#: The program of every case: its output has no name, so its label (the source text) names the
#: output in every header; `x # ...` puts the hostile comment inside that text.
PROGRAM = "x = 1.5\nw = -0.5\n(x # {comment}\n+ 1) * w\n"
X, W = 1.5, -0.5


def _in_comment(text: str) -> str:
    """`text` kept inside a comment: a newline continues the comment on the next line."""
    return text.replace("\n", "\n#")


CASES = [
    pytest.param(where, text, id=f"{where}-{name}")
    for name, text in HOSTILE.items()
    if "\x00" not in text  # a program or a file name cannot hold NUL; the escaping functions are tested with it
    for where in ("comment", "filename")
]


class Case:
    """A program file in `folder`, with the hostile text in a comment or in its name."""

    def __init__(self, folder: Path, where: str, text: str) -> None:
        self.folder = folder
        self.text = text
        self.comment = _in_comment(text) if where == "comment" else "c"
        self.program = PROGRAM.format(comment=self.comment)
        name = ("p" + text + ".ad") if where == "filename" else "program.ad"
        self.path = os.path.join(str(folder), name)  # a '/' in the text makes folders, '//' stays in the name
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8", newline="") as file:
            file.write(self.program)


@pytest.fixture
def make_case(tmp_path: Path):
    def make(where: str, text: str) -> Case:
        folder = tmp_path / "in"
        folder.mkdir(exist_ok=True)
        return Case(folder, where, text)

    return make


def autodiff(*args: str, env: dict[str, str] | None = None) -> str:
    """`autodiff ARGS` through Click's runner: its stdout, after checking it succeeded."""
    result = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", **(env or {})}).invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def masked(original: str, shown: str) -> bool:
    """`shown` is `original` with some characters (those the target cannot hold) as `?`."""
    return len(shown) == len(original) and all(a == b or b == "?" for a, b in zip(original, shown))


def no_pwned(*folders: Path) -> None:
    for folder in (*folders, Path.cwd()):
        assert not list(folder.rglob("PWNED*")), f"generated code ran the program's text in {folder}"


def expected(case: Case) -> tuple[float, dict[str, float]]:
    """The tool's own JSON: the value and each input's gradient."""
    document = json.loads(autodiff("run", "--format", "json", case.path))
    return document["value"], {name: entry["grad"] for name, entry in document["variables"].items()}


# ------------------------------------------------------------------ --emit python

_PYTHON_HARNESS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("emitted", "emitted.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
value, grad = getattr(module, sys.argv[1])(float(sys.argv[2]), float(sys.argv[3]))
print(json.dumps({"value": value, "grad": grad}))
"""


def run_python_module(code: str, folder: Path) -> dict:
    """Import the emitted module with `python3 -I` in a folder of its own and call its function."""
    folder.mkdir()
    (folder / "emitted.py").write_text(code, encoding="utf-8")
    (folder / "harness.py").write_text(_PYTHON_HARNESS)
    function = re.search(r"^def (grad_\w+)\(", code, re.MULTILINE)
    assert function is not None, code
    done = subprocess.run(
        [sys.executable, "-I", "-B", "harness.py", function.group(1), repr(X), repr(W)],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(folder)) == ["emitted.py", "harness.py"]
    return json.loads(done.stdout)


@pytest.mark.e2e
@pytest.mark.parametrize(("where", "text"), CASES)
def test_emitted_python_computes_the_gradient_and_nothing_else(make_case, tmp_path: Path, where: str, text: str) -> None:
    case = make_case(where, text)
    code = autodiff("run", "--emit", "python", case.path)
    ast.parse(code)  # one module; what it holds is checked by running it
    answer = run_python_module(code, tmp_path / "py")
    value, grads = expected(case)
    assert answer["value"] == pytest.approx(value, rel=1e-12)
    assert answer["grad"] == pytest.approx(grads, rel=1e-12)
    no_pwned(tmp_path)


# ------------------------------------------------------------------ --emit c

_C_FLAGS = {
    "c99": ["-std=c99", "-Wall", "-Werror"],
    "posix": ["-std=c99", "-D_POSIX_C_SOURCE=200809L", "-D_XOPEN_SOURCE=700", "-Wall", "-Werror"],
    "gnu": ["-std=gnu11", "-D_GNU_SOURCE", "-D_DEFAULT_SOURCE", "-Wall", "-Werror"],
}


def run_c_function(code: str, folder: Path, arguments: list[float], flags: list[str]) -> list[float]:
    """Compile the emitted function with a main that calls it, run it in a folder of its own: value, then grads."""
    folder.mkdir()
    function = re.search(r"^double (grad_\w+)\((.*)\)$", code, re.MULTILINE)
    assert function is not None, code
    name, count = function.group(1), len(arguments)
    (folder / "emitted.c").write_text(code, encoding="utf-8")
    (folder / "main.c").write_text(
        "#include <stdio.h>\n"
        f"double {name}({', '.join(['double'] * count + ['double *'])});\n"
        "int main(void)\n{\n"
        f"    double grad[{max(count, 1)}];\n"
        f"    double value = {name}({', '.join([*map(repr, arguments), 'grad'])});\n"
        '    printf("%.17g", value);\n'
        + "".join(f'    printf(" %.17g", grad[{i}]);\n' for i in range(count))
        + '    printf("\\n");\n    return 0;\n}\n'
    )
    assert CC is not None
    compiled = subprocess.run(
        [CC, *flags, "-o", "program", "main.c", "emitted.c", "-lm"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert compiled.returncode == 0, compiled.stderr + code
    done = subprocess.run([str(folder / "program")], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(folder)) == ["emitted.c", "main.c", "program"]
    return [float(number) for number in done.stdout.split()]


@pytest.mark.e2e
@needs_cc
@pytest.mark.parametrize(("where", "text"), CASES)
def test_emitted_c_compiles_and_computes_the_gradient_and_nothing_else(
    make_case, tmp_path: Path, where: str, text: str
) -> None:
    case = make_case(where, text)
    code = autodiff("run", "--emit", "c", case.path)
    numbers = run_c_function(code, tmp_path / "c", [X, W], _C_FLAGS["posix"])
    value, grads = expected(case)
    assert numbers == pytest.approx([value, grads["x"], grads["w"]], rel=1e-12)
    no_pwned(tmp_path)


# ------------------------------------------------------------------ names that are somebody else's

#: Macros and library names of C99, POSIX and glibc, and names the generated Python module uses.
RESERVED_INPUTS = (  # noqa: SIM905 (forty names read better as words)
    "HUGE_VALF EIO EPERM FP_NAN MATH_ERRNO math_errhandling __STDC__ __LINE__ __func__ unix linux M_PI "
    "errno NAN INFINITY count main y0 math float ValueError dict tuple str print _pow _sigmoid __debug__ "
    "True None lambda v v_x t1 t1_grad grad_output ad_fail ad_pow"
).split()
RESERVED_OUTPUTS = "sinf expf logf cosf tanhf powf fabsf printf malloc exit _exp _div t2 v_y grad_f".split()  # noqa: SIM905


def _reserved_program(output: str) -> tuple[str, list[float]]:
    values = [round(0.5 + 0.05 * index, 2) for index in range(len(RESERVED_INPUTS))]
    lines = [f"{name} = {value}" for name, value in zip(RESERVED_INPUTS, values)]
    # every input used, through helpers of both languages (pow, sigmoid, division)
    terms = [f"{name} * {RESERVED_INPUTS[index - 1]}" for index, name in enumerate(RESERVED_INPUTS)]
    first, second, rest = " + ".join(terms[:10]), " + ".join(terms[10:20]), " + ".join(terms[20:])
    lines.append(f"{output} = sigmoid({first}) + ({second}) ** 1.5 / ({rest})")
    return "\n".join(lines) + "\n", values


@pytest.mark.e2e
@pytest.mark.parametrize("output", RESERVED_OUTPUTS)
def test_reserved_names_as_inputs_and_outputs_run_in_python(tmp_path: Path, output: str) -> None:
    text, values = _reserved_program(output)
    code = autodiff("eval", "--emit", "python", text)
    folder = tmp_path / "py"
    folder.mkdir()
    (folder / "emitted.py").write_text(code)
    (folder / "harness.py").write_text(
        "import importlib.util, json, sys\n"
        'spec = importlib.util.spec_from_file_location("emitted", "emitted.py")\n'
        "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\n"
        f"value, grad = module.grad_{output}(*json.loads(sys.argv[1]))\n"
        'print(json.dumps({"value": value, "grad": grad}))\n'
    )
    done = subprocess.run(
        [sys.executable, "-I", "-B", "harness.py", json.dumps(values)], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    document = json.loads(autodiff("eval", "--format", "json", text))
    assert answer["value"] == pytest.approx(document["value"], rel=1e-12)
    # the keys are the program's own names
    assert answer["grad"] == pytest.approx({name: document["variables"][name]["grad"] for name in RESERVED_INPUTS}, rel=1e-12)


@pytest.mark.e2e
@needs_cc
@pytest.mark.parametrize("flags", list(_C_FLAGS))
@pytest.mark.parametrize("output", RESERVED_OUTPUTS)
def test_reserved_names_as_inputs_and_outputs_compile_in_c(tmp_path: Path, output: str, flags: str) -> None:
    text, values = _reserved_program(output)
    code = autodiff("eval", "--emit", "c", text)
    assert f"double grad_{output}(" in code
    numbers = run_c_function(code, tmp_path / "c", values, _C_FLAGS[flags])
    document = json.loads(autodiff("eval", "--format", "json", text))
    wanted = [document["value"], *(document["variables"][name]["grad"] for name in RESERVED_INPUTS)]
    assert numbers == pytest.approx(wanted, rel=1e-12)


@pytest.mark.e2e
def test_the_reported_python_and_c_reproductions_stay_inert(tmp_path: Path) -> None:
    """The security review's own files, through the installed command in a subprocess."""
    (tmp_path / "p2.ad").write_text('x = 1\n(x # """;open("PWNED2","w").write("x");"""\n+ 1)\n')
    (tmp_path / "p5.ad").write_text('x = 1\n(x#*/__attribute__((constructor))void p(){system("id>i");}/*\n+1)\n')
    named = 'x""";open("PWNED_PY","w").write("pwned");""".ad'
    (tmp_path / named).write_text("x = 2; y = x * x\n")
    command = [sys.executable, "-m", "autodiff_cli", "run"]
    for file in ("p2.ad", named):
        emitted = subprocess.run([*command, "--emit", "python", file], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert emitted.returncode == 0, emitted.stderr
        (tmp_path / "e.py").write_text(emitted.stdout)
        ran = subprocess.run([sys.executable, "-I", "-B", "e.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, ran.stderr
    if CC is not None:
        emitted = subprocess.run([*command, "--emit", "c", "p5.ad"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert emitted.returncode == 0, emitted.stderr
        numbers = run_c_function(emitted.stdout, tmp_path / "c", [1.0], _C_FLAGS["gnu"])
        assert numbers == [2.0, 1.0]
        assert not (tmp_path / "c" / "i").exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["p2.ad", "p5.ad", named, "e.py", *(["c"] if CC else [])])


# ------------------------------------------------------------------ LaTeX

_TEX_LINE_END = re.compile(r"\r\n|\r|\n")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)(?:\\\\)*%")


def control_words(tex: str) -> set[str]:
    """The control words TeX would read (comments cut where TeX cuts them, at `%` and at CR or LF)."""
    words: set[str] = set()
    for line in _TEX_LINE_END.split(tex):
        comment = _UNESCAPED_PERCENT.search(line)
        code = line if comment is None else line[: comment.end() - 1]
        assert "^^" not in code, line
        words.update(re.findall(r"\\([A-Za-z@]+)", code))
    return words


#: What the escaping itself writes for a special character.
_ESCAPE_WORDS = {"textbackslash", "textasciitilde", "ldots"}
#: The writer's own layout for long labels and program lines (a wrapping column, breaks after operators):
#: words of ours that a short benign label does not need, never text of the program's.
_ESCAPE_WORDS |= {"allowbreak", "dimexpr", "linewidth", "raggedright", "relax", "tabcolsep", "medskip"}


def _benign_words(*args: str, tmp_path: Path, length: int = 1) -> set[str]:
    """The control words of a harmless program's output, its comment as long as the hostile one (a long
    label is laid out in a wrapping column, with words of the writer's own)."""
    benign = tmp_path / "benign"
    benign.mkdir(exist_ok=True)
    path = benign / "benign.ad"
    path.write_text(PROGRAM.format(comment=("c(c)=c; " * length)[: max(1, length)]))
    other = benign / "other.ad"
    other.write_text("a = 1; b = a * a\n")
    paths = [str(path), str(other)] if "several" in args else [str(path)]
    return control_words(autodiff(*[a for a in args if a != "several"], *paths))


@pytest.mark.parametrize(("where", "text"), CASES)
def test_latex_holds_no_command_from_the_program_or_its_name(make_case, tmp_path: Path, where: str, text: str) -> None:
    case = make_case(where, text)
    other = tmp_path / "in" / "other.ad"
    other.write_text("a = 1; b = a * a\n")
    views = ["--explain", "--check", "--hessian", "--symbolic"]
    for args in (["run", "--format", "latex", "--standalone"], ["run", "--format", "latex", *views]):
        words = control_words(autodiff(*args, case.path))
        assert words <= _benign_words(*args, tmp_path=tmp_path, length=len(text)) | _ESCAPE_WORDS
    several = autodiff("run", "--format", "latex", str(other), case.path)
    assert control_words(several) <= _benign_words("run", "--format", "latex", "several", tmp_path=tmp_path) | _ESCAPE_WORDS
    for answer_key in ([], ["--answer-key"]):
        sheet = autodiff("quiz", case.path, "--worksheet", "tex", *answer_key)
        verbatim_free = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", "", sheet, flags=re.DOTALL)
        assert verbatim_free.count("\\begin{verbatim}") == 0
        assert control_words(verbatim_free) <= _worksheet_words(tmp_path) | _ESCAPE_WORDS


def _worksheet_words(tmp_path: Path) -> set[str]:
    benign = tmp_path / "benign-sheet.ad"
    benign.write_text(PROGRAM.format(comment="c"))
    sheet = autodiff("quiz", str(benign), "--worksheet", "tex", "--answer-key")
    return control_words(re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", "", sheet, flags=re.DOTALL))


def pdflatex(folder: Path, name: str) -> str:
    """Compile `name` with shell escape off; return the list of files TeX read (-recorder)."""
    assert PDFLATEX is not None
    (folder / "secret.txt").write_text("TOPSECRET\n")
    done = subprocess.run(
        [PDFLATEX, "-no-shell-escape", "-recorder", "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    log = (folder / name.replace(".tex", ".log")).read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    return (folder / name.replace(".tex", ".fls")).read_text(errors="replace")


@pytest.mark.e2e
@needs_pdflatex
def test_latex_of_every_hostile_file_compiles_and_reads_no_secret(tmp_path: Path) -> None:
    """Every case in one `autodiff run --format latex` (the headings too), and each standalone document."""
    cases = [Case(tmp_path / "in" / f"{index}", where, text) for index, (where, text) in enumerate(p.values for p in CASES)]
    fragment = autodiff("run", "--format", "latex", *(case.path for case in cases))
    out = tmp_path / "out"
    out.mkdir()
    (out / "all.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n\\begin{document}\n"
        + fragment
        + "\\end{document}\n",
        encoding="utf-8",
    )
    assert "secret.txt" not in pdflatex(out, "all.tex")
    # Each standalone document and worksheet of the cases whose text means something to TeX.
    for index, case in enumerate(cases):
        if not set(case.text) & set("\\%^$\n\r{"):
            continue
        (out / f"one{index}.tex").write_text(autodiff("run", "--format", "latex", "--standalone", case.path), encoding="utf-8")
        assert "secret.txt" not in pdflatex(out, f"one{index}.tex")
        if case.comment != "c":
            (out / f"sheet{index}.tex").write_text(autodiff("quiz", case.path, "--worksheet", "tex", "--answer-key"))
            assert "secret.txt" not in pdflatex(out, f"sheet{index}.tex")
    no_pwned(tmp_path)


# ------------------------------------------------------------------ the page

_DATA = re.compile(r'<script type="application/json" class="adp-data">(.*?)</script>', re.DOTALL)


def check_page(page: str, program: str) -> None:
    data = _DATA.findall(page)
    assert len(data) == 1
    assert not set("<>&") & set(data[0])
    assert json.loads(data[0])["source"] == program.replace("\r\n", "\n")  # as autodiff reads a file
    assert page.count("<script") == 2 and page.count("</script>") == 2
    script = page.split("<script>", 1)[1]
    asset = Path(escape.__file__).with_name("page") / "page.js"
    assert script.startswith(asset.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("where", "text"), CASES)
def test_page_data_holds_no_markup_and_its_script_is_whole(make_case, tmp_path: Path, where: str, text: str) -> None:
    case = make_case(where, text)
    check_page(autodiff("run", "--format", "html", case.path), case.program)
    other = tmp_path / "in" / "other.ad"
    other.write_text("a = 1; b = a * a\n")
    several = autodiff("run", "--format", "html", str(other), case.path)
    assert several.count("<script") == 4 and several.count("</script>") == 4
    heading = re.search(r"</html>\n\n==> (.*?) <==\n<!DOCTYPE html>", several, re.DOTALL)
    assert heading is not None and "<" not in heading.group(1) and masked(case.path, html.unescape(heading.group(1)))


@pytest.mark.e2e
def test_page_scripts_run_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install chromium)")
    pages = []
    for index, (name, text) in enumerate(HOSTILE.items()):
        if "\x00" in text:
            continue
        case = Case(tmp_path / f"{index}", "comment", text)
        page = tmp_path / f"{index}.html"
        page.write_text(autodiff("run", "--format", "html", case.path), encoding="utf-8")
        label = json.loads(autodiff("run", "--format", "json", case.path))["output"]
        pages.append((name, page, case.program, label))
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Exception as error:  # a browser that will not start is an environment problem
            pytest.skip(f"Chromium at {executable} did not start: {error}")
        try:
            tab = browser.new_page()
            problems: list[str] = []
            tab.on("pageerror", lambda error: problems.append(str(error)))
            tab.on("console", lambda message: message.type == "error" and problems.append(message.text))
            for name, path, program, label in pages:
                tab.goto(path.as_uri())
                tab.wait_for_selector(".adp-count")
                steps = tab.inner_text(".adp-count").removeprefix("step 0 of ")
                tab.click("[data-action=end]")
                assert tab.inner_text(".adp-count") == f"step {steps} of {steps}" and int(steps) > 1, name
                assert masked(f"autodiff: {label}", tab.title()), name
                shown = tab.eval_on_selector(".adp-src", "element => element.textContent")
                assert masked(program.replace("\r\n", "\n").replace("\r", "\n"), shown), name  # HTML reads CR as LF
                assert problems == [], (name, problems)
        finally:
            browser.close()
    no_pwned(tmp_path)


# ------------------------------------------------------------------ DOT, the drawing, JSON

_QUOTED = r'"(?:[^"\\\n]|\\.)*"'
_ATTRIBUTE = rf"(?:shape=(?:record|ellipse)|(?:style|fillcolor|color|fontcolor|label)={_QUOTED})"
_DOT_LINE = re.compile(
    rf"""(?x)
    digraph\ autodiff\ \{{ | \}} | \ \ rankdir=LR; | \ \ node\ \[fontname="Helvetica"\];
    | \s*//[^\n]* |
    \ \ n\d+(?:op)?\ \[{_ATTRIBUTE}(?:,\ {_ATTRIBUTE})*\]; | \ \ n\d+(?:op)?\ ->\ n\d+(?:op)?;
    """
)


def check_dot(text: str) -> None:
    """Every line is one of the statements the DOT writer makes (or a comment): nothing else got in."""
    for line in text.split("\n"):
        if line:
            assert _DOT_LINE.fullmatch(line), repr(line)


@pytest.mark.e2e
@pytest.mark.parametrize(("where", "text"), CASES)
def test_dot_is_only_our_statements(make_case, tmp_path: Path, where: str, text: str) -> None:
    case = make_case(where, text)
    other = tmp_path / "in" / "other.ad"
    other.write_text("a = 1; b = a * a\n")
    single = autodiff("run", "--format", "dot", "--explain", "--check", case.path)
    several = autodiff("run", "--format", "dot", str(other), case.path)
    check_dot(single)
    check_dot(several)
    if DOT is not None:
        done = subprocess.run([DOT, "-Tjson"], input=single, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        names = sorted(item["name"] for item in json.loads(done.stdout)["objects"])
        assert names == sorted(["n0", "n1", "n2", "n3", "n3op", "n4", "n4op"])
        assert subprocess.run([DOT, "-Tcanon"], input=several, capture_output=True, text=True, timeout=60).returncode == 0


@pytest.mark.parametrize(("where", "text"), CASES)
@pytest.mark.parametrize("layout", [pytest.param("graphviz", marks=needs_dot), "layered"])
def test_rendered_svg_is_one_well_formed_file(make_case, tmp_path: Path, where: str, text: str, layout: str) -> None:
    case = make_case(where, text)
    out = tmp_path / "out"
    out.mkdir()
    autodiff("run", "--render", str(out / "x.svg"), case.path, env={"AUTODIFF_LAYOUT": layout})
    assert os.listdir(out) == ["x.svg"]
    root = ElementTree.parse(out / "x.svg").getroot()
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "a", "use", "iframe"}, tags
    no_pwned(tmp_path)


@pytest.mark.parametrize(("where", "text"), CASES)
def test_json_keeps_the_text_as_data(make_case, tmp_path: Path, where: str, text: str) -> None:
    case = make_case(where, text)
    other = tmp_path / "in" / "other.ad"
    other.write_text("a = 1; b = a * a\n")
    lines = autodiff("run", "--format", "json", str(other), case.path).splitlines()
    assert len(lines) == 2
    document = json.loads(lines[1])
    assert document["source"] == case.path
    wanted = " ".join(f"(x # {case.comment} + 1) * w".split())
    # A label is the source text made printable where it is made (the same in every format): each
    # control character, which only a comment can hold, is U+FFFD.
    wanted = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in wanted)
    assert document["output"] == (wanted if len(wanted) <= 60 else wanted[:60] + "…")


# ------------------------------------------------------------------ the Markdown worksheet


def _rendered_markdown(path: str) -> str:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (a dependency of Rich) is not installed")
    sheet = autodiff("quiz", path, "--worksheet", "md", "--answer-key")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(sheet))


def _tags(rendered: str) -> set[str]:
    return set(re.findall(r"<(/?[A-Za-z][A-Za-z0-9]*|!--)", rendered))


@pytest.mark.parametrize(("where", "text"), CASES)
def test_markdown_worksheet_renders_no_markup_from_the_program(make_case, tmp_path: Path, where: str, text: str) -> None:
    """Rendered as a course page would (CommonMark, raw HTML allowed), the sheet has only the tags of a benign one."""
    case = make_case(where, text)
    rendered = _rendered_markdown(case.path)
    benign = tmp_path / "benign.ad"
    benign.write_text(PROGRAM.format(comment="c"))
    assert _tags(rendered) <= _tags(_rendered_markdown(str(benign)))
    program = rendered.split("<code>", 1)[1].split("</code>", 1)[0]
    # the worksheet writes the program's lines (str.splitlines: \r, U+2028 and U+2029 end one too)
    assert html.unescape(program) == "\n".join(case.program.strip("\n").splitlines()) + "\n"


# ------------------------------------------------------------------ the escaping functions themselves


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_python_text_stays_inside_every_literal_and_comment(text: str) -> None:
    safe = escape.python_text(text)
    for quote in ("'", '"', "'''", '"""'):
        module = ast.parse(f"{quote}{safe}{quote}\nx = 1\n")
        assert len(module.body) == 2 and ast.get_docstring(module, clean=False) == safe
    assert len(ast.parse(f"x = 1  # {safe}\ny = 2\n").body) == 2
    assert ast.literal_eval(escape.python_string(text)) == safe
    if all(" " <= char <= "~" and char not in "\\'\"" for char in text):
        assert safe == text


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_c_comment_cannot_end_nest_splice_or_trigraph(text: str) -> None:
    safe = escape.c_comment(text)
    assert "*/" not in safe and "/*" not in safe and "??" not in safe and "\\" not in safe
    assert all(" " <= char <= "~" for char in safe)


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_latex_text_and_comment(text: str) -> None:
    assert control_words(escape.latex_text(text)) <= _ESCAPE_WORDS
    assert not _UNESCAPED_PERCENT.search(escape.latex_text(text))
    assert len(_TEX_LINE_END.split("% " + escape.latex_comment(text))) == 1
    assert "\\end{verbatim}" not in escape.latex_verbatim(text) and len(_TEX_LINE_END.split(escape.latex_verbatim(text))) == 1


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_html_text_and_json(text: str) -> None:
    safe = escape.html_text(text)
    assert not set("<>\"'") & set(safe)
    assert masked(text, html.unescape(safe))
    ElementTree.fromstring(f"<text title='{safe}'>{safe}</text>")  # well-formed XML, attribute and text
    data = escape.html_json({"text": text, text: [text]})
    assert not set("<>&\u2028\u2029") & set(data)
    assert json.loads(data) == {"text": text, text: [text]}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_dot_label_and_comment(text: str) -> None:
    assert re.fullmatch(_QUOTED, '"' + escape.dot_label(text) + '"')
    assert not re.search(r"(?<!\\)(?:\\\\)*[{}|<>]", escape.dot_label(text))
    assert "\n" not in escape.dot_comment(text) and "\r" not in escape.dot_comment(text)


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_markdown_code_and_fence(text: str) -> None:
    code = escape.markdown_code(text)
    assert "`" not in code and "\n" not in code and not re.search(r"(?<!\\)\|", code)
    fence = escape.markdown_fence([text, "x" + text * 2])
    assert fence not in text * 2 and len(fence) >= 3


@pytest.mark.parametrize("name", ["x", "_", "__LINE__", "printf", "a@3", "a:2", "v_x", "True"])
def test_identifier_is_always_prefixed(name: str) -> None:
    assert re.fullmatch(r"v_[A-Za-z0-9_]+", escape.identifier(name))
    assert escape.function_name(name if name.isidentifier() else None).startswith("grad_")
