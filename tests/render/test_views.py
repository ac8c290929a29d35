"""The four views of the backward pass: --explain, --format dot/tree, --render, --check."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from autodiff_cli.core import ops
from autodiff_cli.interface.cli import cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"


def run(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def explain_lines(program: str, *options: str) -> list[str]:
    """The --explain section of the table: the lines after the two order lines and a blank one."""
    result = run("eval", "--explain", *options, program)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("backward order:")) + 2
    return [" ".join(line.split()) for line in lines[start:]]


def test_explain_twice_used_input():
    assert explain_lines("a = 3; b = a + a") == [
        "b = a + a b.grad = 1",
        "a.grad += 1 * b.grad = 1 * 1 = 1 (a.grad: 0 -> 1)",
        "a.grad += 1 * b.grad = 1 * 1 = 1 (a.grad: 1 -> 2)",
    ]


def test_explain_seed():
    assert explain_lines(SEED) == [
        "f = d * e f.grad = 1",
        "d.grad += e * f.grad = 1 * 1 = 1 (d.grad: 0 -> 1)",
        "e.grad += d * f.grad = -6 * 1 = -6 (e.grad: 0 -> -6)",
        "e = a + b e.grad = -6",
        "a.grad += 1 * e.grad = 1 * -6 = -6 (a.grad: 0 -> -6)",
        "b.grad += 1 * e.grad = 1 * -6 = -6 (b.grad: 0 -> -6)",
        "d = a * b d.grad = 1",
        "a.grad += b * d.grad = 3 * 1 = 3 (a.grad: -6 -> -3)",
        "b.grad += a * d.grad = -2 * 1 = -2 (b.grad: -6 -> -8)",
    ]


@pytest.mark.e2e
def test_dot_escapes_and_graphviz_accepts():
    result = run("eval", "--format", "dot", SEED + "; g = f / (2 + max(a, b))")
    assert result.exit_code == 0
    assert "digraph" in result.stdout and "fillcolor" in result.stdout
    assert "{ max(a, b) |" in result.stdout or "max(a, b)" in result.stdout
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    done = subprocess.run(["dot", "-Tsvg"], input=result.stdout.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert b"<svg" in done.stdout


def test_dot_escape():
    from autodiff_cli.render.dot import escape

    assert escape('a|b{c}<d>"e\\') == 'a\\|b\\{c\\}\\<d\\>\\"e\\\\'


def test_render_png_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("eval", "--render", str(tmp_path / "g.png"), SEED)
    assert result.exit_code == 1
    assert "FILE.png needs Graphviz" in result.stderr and "apt install graphviz" in result.stderr
    assert "FILE.svg and FILE.html" in result.stderr
    assert not (tmp_path / "g.png").exists()


def test_render_with_dot(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    target = tmp_path / "g.svg"
    result = run("eval", "--render", str(target), SEED)
    assert result.exit_code == 0, result.stderr
    assert target.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_tree_shared_is_linear():
    program = "x0 = 1.0001; " + "; ".join(f"x{i} = x{i - 1} + x{i - 1}" for i in range(1, 31))
    result = run("eval", "--format", "tree", program)
    assert result.exit_code == 0, result.output
    # deep indentation may wrap a few lines at 100 columns: bound, then count on a wide console.
    assert len(result.stdout.splitlines()) < 4 * 61
    import io

    from rich.console import Console

    from autodiff_cli.base.options import Options
    from autodiff_cli.language.evaluate import evaluate
    from autodiff_cli.render.tree import render_tree
    from autodiff_cli.report import build_report

    console = Console(file=io.StringIO(), width=1000, no_color=True)
    console.print(render_tree(build_report(evaluate(program), Options())))
    lines = console.file.getvalue().splitlines()
    # 31 nodes drawn once, 30 references: linear (2**30 paths if drawn naively).
    assert len(lines) == 61
    assert sum("→ see #" in line for line in lines) == 30


def test_check_passes():
    for program in (SEED, "a = 3; b = a + a", "x = 0.5; y = tanh(2*x) * exp(x) / (1 + x**2)"):
        result = run("eval", "--check", program)
        assert result.exit_code == 0, result.output
        assert "FAIL" not in result.stdout


def test_check_kink_is_not_failure():
    result = run("eval", "--check", "a = 0; b = relu(a) + abs(a)")
    assert result.exit_code == 0, result.output
    assert "kink" in result.stdout


def test_check_fails_on_wrong_derivative(monkeypatch):
    wrong = ops.OPERATIONS["mul"]._replace(derivatives=lambda m, x, y, out: (y, 2 * x))
    monkeypatch.setitem(ops.OPERATIONS, "mul", wrong)
    result = run("eval", "--check", SEED)
    assert result.exit_code == 1
    assert "FAIL" in result.stdout
    assert "gradient check failed" in result.stderr


def test_tree_shows_brackets_as_written():
    result = run("eval", "--format", "tree", "a = 3; b = a * a; c = b + b")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "#1 c [add] = 18  grad 1"
    assert "\\" not in result.stdout


def test_a_deep_tree_is_cut_short_with_a_count():
    from autodiff_cli.render.tree import DEPTH_LIMIT

    program = "; ".join(["x0 = 1"] + [f"x{i} = x{i - 1} + 1" for i in range(1, 500)])
    result = run("eval", "--format", "tree", program)
    assert result.exit_code == 0
    # Each level adds a node and its constant; the last line counts the rest.
    assert len(result.stdout.splitlines()) <= 2 * DEPTH_LIMIT + 2
    cut = [line for line in result.stdout.splitlines() if "more nodes below" in line]
    assert len(cut) == 1
    shown = sum(1 for line in result.stdout.splitlines() if line.lstrip("│ ├└─").startswith("#"))
    hidden = int(cut[0].split("… ")[1].split()[0])
    assert shown + hidden == 999  # 500 statements: 500 nodes and 499 constants
