"""Caps and streams: inputs that would never end, closed and narrow streams (docs/security.md).

Each cap is met the way a user meets it: a real process (or the REPL's
session over a stream), a clear error with its exit code, never a traceback,
and an end well before the work the input asked for.  Counts in the
assertions come from the arithmetic of the input (2**29 nodes for 29
doublings), never from the tool's own output.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autodiff_cli.errors import Source
from autodiff_cli.evaluate import MAX_BUILT_NODES, Graph
from autodiff_cli.parse import parse
from autodiff_cli.repl import Session

from .test_cli import _command

# A hang bound, not a speed requirement: only work the cap failed to stop crosses it.
HANG = 120.0
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}


def real(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a real process; the run must end within HANG seconds."""
    done = subprocess.run(
        [*_command(), *args], input=input, capture_output=True, timeout=HANG, env=env or ENV,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "Warning:" not in done.stderr, done.stderr  # NumPy's RuntimeWarning, Python's own warnings


def doubling(levels: int) -> str:
    """f1(x) = x*x; f2(x) = f1(f1(x)); ...: one call of f_k builds 2**(k-1) multiplications."""
    lines = ["f1(x) = x*x"] + [f"f{k}(x) = f{k - 1}(f{k - 1}(x))" for k in range(2, levels + 1)]
    return "; ".join(lines)


def marked(stderr: str) -> str:
    """The text the error's caret marks on the source line shown above it ("" without a caret)."""
    lines = stderr.splitlines()
    for above, below in zip(lines, lines[1:]):
        if "|" in above and "|" in below and "^" in below:
            source = above.split("|", 1)[1]
            marks = below.split("|", 1)[1]
            start = marks.index("^")
            return source[start : start + len(marks.strip())]
    return ""


def caret_under(stderr: str, text: str) -> bool:
    return marked(stderr) == text


# ---------------------------------------------------------------- functions of the user


def test_a_call_that_doubles_thirty_times_is_refused_before_it_builds() -> None:
    program = doubling(30) + "; x = 0.5; y = f30(x)"
    assert len(program.encode()) < 700  # the review's 643 bytes, give or take the spacing
    start = time.perf_counter()
    done = real("eval", program)
    clean(done)
    assert done.returncode == 1
    assert f"would build {2**29:,} nodes" in done.stderr
    assert f"{MAX_BUILT_NODES:,} nodes" in done.stderr
    assert caret_under(done.stderr, "f30(x)")
    assert time.perf_counter() - start < HANG


@pytest.mark.parametrize("output", ["table", "json"])
def test_twenty_two_levels_are_refused_in_every_format(output: str) -> None:
    done = real("eval", "-f", output, doubling(22) + "; x = 0.5; y = f22(x)")
    clean(done)
    assert done.returncode == 1 and done.stdout == ""
    assert f"{2**21:,} nodes" in done.stderr


def test_a_size_too_large_to_count_is_still_refused() -> None:
    done = real("eval", doubling(200) + "; x = 1; y = f200(x)")
    clean(done)
    assert done.returncode == 1
    assert "would build more than" in done.stderr


def test_defining_a_huge_function_costs_nothing_until_it_is_called() -> None:
    done = real("eval", doubling(200) + "; x = 1; y = f3(x)")
    clean(done)
    assert done.returncode == 0
    # f3(x) = ((x*x)*(x*x)) * ((x*x)*(x*x)) with x = 1, built as 4 multiplications' worth
    assert done.stdout.count(" mul ") == 2**2


@pytest.mark.parametrize(
    "program",
    [
        "f(x) = x*x + 1; x = 2; y = f(x)",
        "f(x) = sin(x) * pi - 2; g(x, y) = f(x) * f(y) + x; x = 0.5; y = g(x, x)",
        "f(x) = x; x = 3; y = f(x)",
        "f(pi) = pi * pi; x = 2; y = f(x)",
        "f(x) = max(x, 1e-3) + min(x, 2); g(a) = f(f(a)) / f(a); x = 1; y = g(g(x))",
    ],
)
def test_the_cost_counted_for_calls_is_the_nodes_they_build(program: str) -> None:
    graph = Graph(Source("<test>", program))
    graph.run(parse(program))
    inputs = 1  # every program above binds one input, x, and spells out no other node
    assert graph.built == len(graph.nodes) - inputs


def test_calls_add_up_to_the_cap() -> None:
    program = doubling(20) + "; x = 0.5; y = f20(x); z = f20(y)"
    done = real("eval", "-f", "json", program)
    clean(done)
    assert done.returncode == 1
    assert f"would build {2**19:,} nodes ({2**19:,} are built already)" in done.stderr
    assert caret_under(done.stderr, "f20(y)")


def test_one_call_under_the_cap_is_evaluated() -> None:
    done = real("eval", "-f", "json", doubling(17) + "; x = 1.0001; y = f17(x)")
    clean(done)
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert len(document["nodes"]) == 2**16 + 1
    assert math.isclose(document["value"], 1.0001 ** (2**17), rel_tol=1e-9)


# ---------------------------------------------------------------- grad()


def test_nested_grad_is_capped_like_functions() -> None:
    statements = ["x = 0.3", "g0 = sin(x) * exp(x) * x"] + [f"g{k} = grad(g{k - 1}, x)" for k in range(1, 31)]
    done = real("eval", "-f", "json", "; ".join(statements))
    clean(done)
    assert done.returncode == 1 and done.stdout == ""
    assert "this grad() would build or walk" in done.stderr
    assert re.fullmatch(r"grad\(g\d+, x\)", marked(done.stderr)), done.stderr


def test_many_grads_of_one_big_graph_are_capped_not_quadratic(tmp_path: Path) -> None:
    # 3,000 grad() calls each walking a 6,000-node graph: 18 million steps for 110 KB of text.
    lines = ["x = 1; z = 2; y = x"] + ["y = y * 1.0001 + x"] * 3000 + [f"g{k} = grad(y, z)" for k in range(3000)]
    path = tmp_path / "walks.ad"
    path.write_text("\n".join(lines) + "\n")
    done = real("run", str(path))
    clean(done)
    assert done.returncode == 1
    assert "this grad() would build or walk" in done.stderr


def test_the_repl_goes_on_after_a_refused_call_with_its_budget_as_before() -> None:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    for line in [*doubling(20).split("; "), "x = 0.5", "y = f20(x)", "z = f20(y) + f20(x)", "w = f19(y)"]:
        session.feed(line)
    assert "past the cap" in err.getvalue()
    assert "z" not in session.graph.names
    assert "w = " in out.getvalue()  # 2**18 more: allowed, since the refused line was rolled back
    assert session.graph.built == 2**19 + 2**18


def test_a_failed_repl_line_leaves_no_labels_behind() -> None:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    for line in ["f(x) = log(x) * 2", "x = 1", "y = f(x) + f(0 - x)", "z = x * 3 + 1", ":table"]:
        session.feed(line)
    assert "log of a non-positive number" in err.getvalue()
    assert " in f#" not in out.getvalue()


# ---------------------------------------------------------------- --sweep sizes

numpy = pytest.importorskip("numpy")


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("x=0:1:1000000000", "1,000,000,000 points"),
        ("x=0:1:" + "9" * 5000, "5,000 digits"),
        ("x=0:1:" + "0" * 5000 + "7", None),  # leading zeros are read past: seven points
        ("x=0:1:²", "whole number"),
        ("x=0:1:٣", "whole number"),  # an Arabic-Indic three: a digit to str.isdigit, not to the language
        ("x=0:1:0", "at least 1"),
        ("x=0:1:-5", "whole number"),
    ],
)
def test_sweep_counts_are_checked_before_anything_is_allocated(spec: str, needle: str | None) -> None:
    done = real("eval", "--sweep", spec, "x = 1; y = x * x")
    clean(done)
    if needle is None:
        assert done.returncode == 0 and "y at 7 points" in done.stdout
        return
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: --sweep") and needle in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_grid_is_capped_by_its_product() -> None:
    done = real("eval", "--sweep", "x=0:1:100000", "--sweep", "y=0:1:100000", "x = 1; y = 2; z = x * y")
    clean(done)
    assert done.returncode == 2 and f"{100000 * 100000:,} points" in done.stderr and "GiB" in done.stderr


def test_the_memory_cap_counts_the_programs_inputs() -> None:
    # 2,000,000 points are fine for one input; with 200 inputs each point keeps 400 numbers.
    many = "; ".join(f"a{i} = 1" for i in range(200))
    done = real("eval", "--sweep", "x=0:1:2000000", f"x = 1; {many}; y = x * a0")
    clean(done)
    assert done.returncode == 2 and "2,000,000 points" in done.stderr
    done = real("eval", "--sweep", "x=0:1:2000000", "x = 1; a0 = 1; y = x * a0")
    clean(done)
    assert done.returncode == 0 and "y at 2000000 points" in done.stdout


def test_plot_points_are_capped() -> None:
    pytest.importorskip("plotext")
    done = real("eval", "--sweep", "x=0:1:1000000", "--plot", "x = 1; y = x * x")
    clean(done)
    assert done.returncode == 2 and "--plot" in done.stderr and "100,000" in done.stderr


def _peak_kilobytes(args: list[str]) -> tuple[int, int, bytes]:
    """The peak resident memory of one run of the command, measured from a parent of its own."""
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "sys.stderr.buffer.write(done.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *_command(), *args], capture_output=True, timeout=HANG, env=ENV)
    peak, code = done.stdout.split()
    return int(peak), int(code), done.stderr


def test_a_sweep_stays_within_its_estimate_even_when_every_point_fails() -> None:
    from autodiff_cli.points import sweep_bytes

    baseline, _, _ = _peak_kilobytes(["eval", "--sweep", "x=-2:-1:3", "x = 1; y = log(x) * x"])
    points = 2_000_000
    peak, code, stderr = _peak_kilobytes(["eval", "--sweep", f"x=-2:-1:{points}", "x = 1; y = log(x) * x"])
    assert code == 1 and b"Traceback" not in stderr
    assert f"{points} of {points} points failed".encode() in stderr
    estimate = sweep_bytes([points], inputs=1, widest=2)
    assert (peak - baseline) * 1024 <= estimate, (peak, baseline, estimate)


def test_a_big_program_is_swept_in_smaller_chunks(tmp_path: Path) -> None:
    # 20,001 nodes at 16,384 points: one chunk of every node's values and gradients would be 5 GB.
    path = tmp_path / "long.ad"
    path.write_text("x = 1; y = x\n" + "y = y * 1.0001 + x\n" * 10_000)
    baseline, _, _ = _peak_kilobytes(["run", str(path)])
    peak, code, stderr = _peak_kilobytes(["run", "--sweep", "x=0:1:16384", str(path)])
    assert code == 0, stderr
    assert (peak - baseline) * 1024 < 2 * (256 << 20), (peak, baseline)


def test_a_sweep_across_the_whole_range_of_doubles_overflows_nothing() -> None:
    done = real("eval", "-f", "csv", "--sweep", "y=-1.7e308:1.7e308:3", "y = 1; z = y")
    clean(done)
    assert done.returncode == 0
    rows = [line.split(",") for line in done.stdout.splitlines()[1:]]
    assert [float(row[0]) for row in rows] == [-1.7e308, 0.0, 1.7e308]
    assert [float(row[1]) for row in rows] == [-1.7e308, 0.0, 1.7e308]


@pytest.mark.parametrize("count", [2, 5, 1001])
def test_a_wide_sweep_is_exact_at_both_ends_and_in_order(count: int) -> None:
    low, high = -1.7976931348623157e308, 1.7976931348623157e308
    done = real("eval", "-f", "csv", "--sweep", f"y={low!r}:{high!r}:{count}", "y = 1; z = y")
    clean(done)
    assert done.returncode == 0
    ys = [float(line.split(",")[0]) for line in done.stdout.splitlines()[1:]]
    assert len(ys) == count and ys[0] == low and ys[-1] == high
    assert all(math.isfinite(y) for y in ys) and ys == sorted(ys)
    step = high / (count - 1) * 2  # the spacing, computed without overflow
    assert all(math.isclose(b - a if math.isfinite(b - a) else step, step, rel_tol=1e-9) for a, b in zip(ys, ys[1:]))


def test_a_sweep_that_overflows_at_its_ends_fails_those_points_as_documented() -> None:
    done = real("eval", "--sweep", "y=-1.7e308:1.7e308:5", "y = 1; z = y * 2")
    clean(done)
    assert done.returncode == 1
    assert "2 of 5 points failed" in done.stderr and "overflow" in done.stderr


@pytest.mark.parametrize("target", ["-", "plot.svg"])
def test_a_plot_too_wide_to_draw_is_a_usage_error(target: str, tmp_path: Path) -> None:
    pytest.importorskip("plotext" if target == "-" else "matplotlib")
    where = f"--plot={target}" if target == "-" else f"--plot={tmp_path / target}"
    done = real("eval", "--sweep", "y=-1.7e308:1.7e308:5", where, "y = 1; z = y")
    clean(done)
    assert done.returncode == 2 and "too wide to draw" in done.stderr
    assert not (tmp_path / target).exists()
