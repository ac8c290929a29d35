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
