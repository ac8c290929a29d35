"""--at, --sweep, --format csv and --plot through the real command line."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from tests.support import drive, quit_, ready, spawn

PROGRAM = "x = 1\ny = 2\nz = log(x) * y + relu(x - 0.5) / (y - 1)\n"


def edit(program: str, **values: str) -> str:
    """The program with each input's literal line rewritten (the oracle for --at)."""
    lines = program.splitlines()
    for index, line in enumerate(lines):
        name = line.split("=")[0].strip()
        if name in values:
            lines[index] = f"{name} = {values[name]}"
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- --at


@pytest.mark.parametrize("value", ["3", "-0.25", "1e-3", ".5"], ids=["integer", "negative", "exponent", "leading-dot"])
def test_at_gives_what_eval_of_the_edited_program_gives(run, value: str) -> None:
    program = PROGRAM.replace("log", "sin")
    at = run("eval", "-f", "json", "--at", f"x={value}", "--at", "y=4", program)
    edited = run("eval", "-f", "json", edit(program, x=value, y="4"))
    assert at.exit_code == edited.exit_code == 0, at.stderr
    assert json.loads(at.stdout) == json.loads(edited.stdout)


@pytest.mark.parametrize(
    ("program", "at", "edits"),
    [
        pytest.param(PROGRAM, ["x=-1.5"], {"x": "-1.5"}, id="log-of-a-negative"),
        pytest.param(PROGRAM, ["y=1"], {"y": "1"}, id="division-by-zero-underlines-the-divisor"),
        pytest.param("x = 1\ny = 2\n\nz = exp(x * y)\n", ["x=400"], {"x": "400"}, id="overflow"),
        pytest.param("x = 1\ny = 2\nz = y ** x\n", ["y=-8", "x=0.5"], {"y": "-8", "x": "0.5"}, id="negative-base"),
    ],
)
def test_at_outside_a_domain_is_evals_error_with_its_caret(run, program: str, at: list[str], edits) -> None:
    options = [item for value in at for item in ("--at", value)]
    replayed = run("eval", *options, program)
    edited = run("eval", edit(program, **edits))
    assert replayed.exit_code == edited.exit_code == 1
    assert replayed.stderr == edited.stderr and "^" in replayed.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param("q=3", "--at q: the program has no input 'q' (its inputs: x, y)", id="unknown-name"),
        pytest.param("z=3", "--at z: 'z' is bound to an expression, not a number: it is not an input", id="not-an-input"),
        pytest.param("x=two", "--at x: 'two' is not a number", id="not-a-number"),
        pytest.param("x=nan", "--at x: 'nan' is not a number", id="nan"),
        pytest.param("x=1e999", "--at x: 1e999 is too large for a double", id="too-large"),
        pytest.param("x", "--at x: write it as NAME=VALUE", id="no-equals"),
    ],
)
def test_at_usage_errors_name_the_option(run, option: str, message: str) -> None:
    result = run("eval", "--at", option, PROGRAM)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}")
    assert result.stdout == ""


def test_at_reaches_an_earlier_input_by_its_key(run) -> None:
    result = run("eval", "-f", "json", "--at", "a@1=5", "a = 2\nb = a * a\na = b + 1\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == 26.0


def test_at_on_run_and_with_check(run, tmp_path) -> None:
    path = tmp_path / "p.ad"
    path.write_text("x = 1\ny = sin(x) * x\n")
    result = run("run", "--check", "--at", "x=2", str(path))
    assert result.exit_code == 0, result.stderr
    value = float(next(line.split()[4] for line in result.stdout.splitlines() if "(output)" in line))
    assert value == pytest.approx(math.sin(2.0) * 2.0, rel=1e-5)  # the table rounds to 6 digits


def test_at_with_grad_evaluates_the_edited_program(run) -> None:
    # grad(relu) took its branch at x = 1 when built; at x = -1 the derivative is 0.
    result = run("eval", "-f", "json", "--at", "x=-1", "x = 1\ny = relu(x)\ng = grad(y, x)\n")
    assert json.loads(result.stdout)["value"] == 0.0


# ---------------------------------------------------------------- --sweep

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")


def test_sweep_table_one_row_per_point(run) -> None:
    result = run("eval", "--sweep", "x=0.5:2:4", "x = 1\ny = x * x\n")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "y at 4 points"
    assert lines[1].split() == ["x", "value", "d/dx"]
    rows = [[float(cell) for cell in line.split()] for line in lines[2:]]
    assert rows == [[x, x * x, 2 * x] for x in (0.5, 1.0, 1.5, 2.0)]


def test_sweep_grid_csv(run) -> None:
    result = run("eval", "-f", "csv", "--sweep", "x=-1:1:3", "--sweep", "y=1:2:2", "x = 0\ny = 0\nz = x * y + y\n")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["x", "y", "value", "d/dx", "d/dy", "error"]
    points = [(float(row[0]), float(row[1])) for row in table[1:]]
    assert points == [(x, y) for x in (-1.0, 0.0, 1.0) for y in (1.0, 2.0)]  # the first --sweep varies slowest
    for row in table[1:]:
        x, y, value, dx, dy = map(float, row[:5])
        assert (value, dx, dy, row[5]) == (x * y + y, y, x + 1, "")


def test_sweep_json_lines_keys(run) -> None:
    result = run("eval", "-f", "json", "--sweep", "x=-1:1:3", "x = 1\nk = 2\ny = log(x) * k\n")
    assert result.exit_code == 1
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == 3
    assert all(set(document) == {"output", "point", "value", "grad", "error"} for document in documents)
    first, _, last = documents
    assert first["point"] == {"x": -1.0} and first["value"] == "nan" and first["grad"] == {"x": "nan", "k": "nan"}
    assert first["error"] == {"message": "log of a non-positive number (-1)", "line": 3, "column": 5}
    assert last == {"output": "y", "point": {"x": 1.0}, "value": 0.0, "grad": {"x": 2.0, "k": 0.0}, "error": None}


def test_sweep_failed_points_are_nan_rows_and_exit_1(run) -> None:
    result = run("eval", "--sweep", "y=0:2:3", PROGRAM)
    assert result.exit_code == 1
    failed = result.stdout.splitlines()[3]
    assert failed.split()[:4] == ["1", "nan", "nan", "nan"] and failed.endswith("3:34: division by zero")
    assert result.stderr.startswith("error: 1 of 3 points failed; the first, at y=1.0:\nerror: division by zero\n")
    assert "^^^^^^^" in result.stderr  # the divisor (y - 1), as eval underlines it


def test_sweep_json_lines_from_run_carry_the_source(run, tmp_path) -> None:
    path = tmp_path / "p.ad"
    path.write_text("x = 1\ny = x + 1\n")
    result = run("run", "-f", "json", "--sweep", "x=0:1:2", str(path))
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == [str(path), str(path)]


def test_sweep_and_at_together(run) -> None:
    result = run("eval", "-f", "csv", "--at", "y=10", "--sweep", "x=1:2:2", "x = 0\ny = 0\nz = x * y\n")
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [row[:4] for row in rows] == [["1.0", "10.0", "10.0", "1.0"], ["2.0", "20.0", "10.0", "2.0"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--sweep", "x=0:1"], "--sweep x=0:1: write it as NAME=START:STOP:COUNT", id="two-parts"),
        pytest.param(["--sweep", "x=0:1:0"], "--sweep x: COUNT must be a whole number of points, at least 1", id="zero-count"),
        pytest.param(["--sweep", "x=a:1:3"], "--sweep x: 'a' is not a number", id="bad-start"),
        pytest.param(["--sweep", "w=0:1:3"], "--sweep w: the program has no input 'w'", id="unknown"),
        pytest.param(["--sweep", "x=0:1:3", "--sweep", "x=0:1:3"], "--sweep x: the same input is swept twice", id="twice"),
        pytest.param(["--sweep", "x=0:1:3", "--at", "x=2"], "--sweep x: the input is also given by --at", id="also-at"),
        pytest.param(["--sweep", "x=0:1:3", "--explain"], "--explain shows one point", id="explain"),
        pytest.param(["--sweep", "x=0:1:3", "-f", "dot"], "--sweep gives table, json (JSON Lines), csv or parquet", id="dot"),
        pytest.param(["--plot"], "--plot draws along one input: give exactly one --sweep (given 0)", id="plot-without-sweep"),
        pytest.param(
            ["--sweep", "x=0:1:3", "--plot=out.pdf"], "--plot out.pdf: the file must end in .svg or .png", id="plot-pdf"
        ),
    ],
)
def test_sweep_usage_errors(run, args: list[str], message: str) -> None:
    result = run("eval", *args, PROGRAM)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith(f"error: {message}")


@pytest.mark.e2e
def test_numpy_is_imported_only_by_a_sweep() -> None:
    code = (
        "import sys\nfrom autodiff_cli.interface.cli import cli\n"
        "try:\n    cli.main(['eval', sys.argv[1]], standalone_mode=False)\nfinally:\n"
        "    print('\\nnumpy' in sys.modules and 'NUMPY' or 'none', file=sys.stderr)\n"
    )
    code = code.replace("'\\nnumpy' in sys.modules", "'numpy' in sys.modules")
    plain = subprocess.run([sys.executable, "-c", code, "x = 1; y = x * 2"], capture_output=True, text=True, timeout=60)
    assert plain.stderr.strip().endswith("none")


@pytest.mark.e2e
def test_missing_numpy_names_the_extra() -> None:
    code = (
        "import sys\nsys.modules['numpy'] = None\nfrom autodiff_cli.interface.cli import main\n"
        "sys.argv = ['autodiff', 'eval', '--sweep', 'x=0:1:3', 'x = 1; y = x']\nmain()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "error: --sweep needs NumPy, which is not installed: pip install 'autodiff-cli[sweep]'\n"


# ---------------------------------------------------------------- --plot

PARABOLA = "x = 0\ny = x * x - 1\n"


def test_terminal_plot_has_axes_legend_and_zero_crossings(run) -> None:
    pytest.importorskip("plotext", reason="plotext is the optional 'plot' extra")
    result = run("eval", "--sweep", "x=-2:2:41", "--plot", PARABOLA)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "y and d/dx over x" in text  # title
    assert "d/dx = 0" in text  # the legend names the crossing marker
    assert "─" in text and "│" in text  # axes
    assert "-2" in text and "2" in text  # ticks of the swept input
    assert "\x1b[" not in text  # no colour off a terminal


def test_terminal_plot_leaves_failed_points_as_gaps() -> None:
    pytest.importorskip("plotext", reason="plotext is the optional 'plot' extra")
    from autodiff_cli.render.plot import segments, zero_crossings

    xs = [0.0, 1.0, 2.0, 3.0, 4.0]
    assert list(segments(xs, [1.0, 2.0, math.nan, 4.0, 5.0])) == [([0.0, 1.0], [1.0, 2.0]), ([3.0, 4.0], [4.0, 5.0])]
    assert zero_crossings(xs, [-1.0, 1.0, math.nan, 0.0, 2.0]) == [0.5, 3.0]


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_to_an_image(run, tmp_path, suffix: str) -> None:
    pytest.importorskip("matplotlib", reason="Matplotlib is the optional 'plot' extra")
    path = tmp_path / f"curve.{suffix}"
    result = run("eval", "--sweep", "x=-2:2:41", f"--plot={path}", "x = 1\ny = log(x) * x\n")
    assert result.exit_code == 1  # x <= 0 fails: gaps in the image, rows of nan in the table
    assert "nan" in result.stdout
    data = path.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    else:
        root = ElementTree.fromstring(data)
        assert root.tag.endswith("svg")
        text = " ".join(element.text or "" for element in root.iter())
        assert "y and d/dx over x" in data.decode() or "y and d/dx over x" in text


@pytest.mark.e2e
def test_plot_without_matplotlib_names_the_extra(tmp_path) -> None:
    code = (
        "import sys\nsys.modules['matplotlib'] = None\nfrom autodiff_cli.interface.cli import main\n"
        f"sys.argv = ['autodiff', 'eval', '--sweep', 'x=0:1:3', '--plot={tmp_path / 'a.png'}', 'x = 1; y = x']\nmain()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"}
    )
    assert result.returncode == 2
    assert "needs Matplotlib, which is not installed: pip install 'autodiff-cli[plot]'" in result.stderr


# ---------------------------------------------------------------- :at in the REPL


def test_repl_at_reruns_the_session_at_new_values() -> None:

    session, out, err = drive(["x = 1", "y = 2", "z = log(x) * y", ":at x=3", ":at x=-1", ":at z=1", ":vars"])
    assert "2.19722\n  ∂/∂x = 0.666667  ∂/∂y = 1.09861\n" in out  # log(3) * 2 and its gradients
    assert "error: log of a non-positive number (-1)" in err and "3 | z = log(x) * y" in err
    assert "error: :at z: 'z' is bound to an expression, not a number: it is not an input" in err
    assert out.endswith("x = 3\ny = 2\nz = 2.19722\n")  # a failed :at leaves the session as it was


def test_repl_at_with_of_shows_that_output() -> None:

    _, out, err = drive(["x = 1", "u = x * x", "v = u + 1", ":of u", ":at x=3"])
    assert out.endswith("u = 9\n  ∂/∂x = 6\n") and not err


@pytest.mark.e2e
def test_repl_at_on_a_terminal(tmp_path) -> None:

    child = spawn(tmp_path)
    child.sendline("x = 2")
    ready(child)
    child.sendline("y = x * x * x")
    ready(child)
    child.sendline(":at x=3")
    child.expect("27")
    child.expect("∂/∂x = 27")
    quit_(child)


def test_a_long_sweep_table_elides_its_middle(run) -> None:
    long = run("eval", "--sweep", "x=0:1:1001", "x = 1\ny = x * x\n").stdout.splitlines()
    assert len(long) == 2 + 200 + 1 and long[102].split() == ["…", "801", "more", "rows", "(--all)"]
    assert long[-1].split() == ["1", "1", "2"]
    assert len(run("eval", "--all", "--sweep", "x=0:1:1001", "x = 1\ny = x * x\n").stdout.splitlines()) == 2 + 1001


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--of", "x,z"], "--sweep follows one output: give --of one name", id="jacobian"),
        pytest.param(["--mode", "forward"], "--sweep computes its gradients in reverse mode", id="forward-mode"),
        pytest.param(["--taylor", "x:3"], "--taylor shows one point", id="taylor"),
        pytest.param(["--why", "x"], "--why shows one point", id="why"),
        pytest.param(["--emit", "python"], "--emit shows one point", id="emit"),
        pytest.param(["-f", "latex"], "--sweep gives table, json (JSON Lines), csv or parquet, not --format latex", id="latex"),
    ],
)
def test_sweep_with_the_modes_and_teaching_views(run, args: list[str], message: str) -> None:
    result = run("eval", "--sweep", "x=0:1:3", *args, PROGRAM)
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {message}"), result.stderr
