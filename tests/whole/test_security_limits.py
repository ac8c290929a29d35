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

from autodiff_cli.base.errors import Source
from autodiff_cli.interface.repl import Session
from autodiff_cli.language.evaluate import MAX_BUILT_NODES, Graph
from autodiff_cli.language.parse import parse
from tests.support import autodiff_command

# A hang bound, not a speed requirement: only work the cap failed to stop crosses it.
HANG = 120.0
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}


def real(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a real process; the run must end within HANG seconds."""
    done = subprocess.run(
        [*autodiff_command(), *args], input=input, capture_output=True, timeout=HANG, env=env or ENV,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "Warning:" not in done.stderr, done.stderr  # NumPy's RuntimeWarning, Python's own warnings


def doubling(levels: int) -> str:
    """f1(x) = x*x; f2(x) = f1(f1(x)); ...: one call of f_k builds 2**(k-1) multiplications (x to the 2**(2**(k-1)))."""
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


@pytest.mark.e2e
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


@pytest.mark.e2e
@pytest.mark.parametrize("output", ["table", "json"])
def test_twenty_two_levels_are_refused_in_every_format(output: str) -> None:
    done = real("eval", "-f", output, doubling(22) + "; x = 0.5; y = f22(x)")
    clean(done)
    assert done.returncode == 1 and done.stdout == ""
    assert f"{2**21:,} nodes" in done.stderr


@pytest.mark.e2e
def test_a_size_too_large_to_count_is_still_refused() -> None:
    done = real("eval", doubling(200) + "; x = 1; y = f200(x)")
    clean(done)
    assert done.returncode == 1
    assert "would build more than" in done.stderr


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_calls_add_up_to_the_cap() -> None:
    program = doubling(20) + "; x = 0.5; y = f20(x); z = f20(y)"
    done = real("eval", "-f", "json", program)
    clean(done)
    assert done.returncode == 1
    assert f"would build {2**19:,} nodes ({2**19:,} are built already)" in done.stderr
    assert caret_under(done.stderr, "f20(y)")


@pytest.mark.e2e
def test_one_call_under_the_cap_is_evaluated() -> None:
    # f17(x) is x to the power 2**(2**16): only x = 1 keeps it finite.
    done = real("eval", "-f", "json", doubling(17) + "; x = 1; y = f17(x)")
    clean(done)
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert len(document["nodes"]) == 2**16 + 1
    assert document["value"] == 1.0


# ---------------------------------------------------------------- grad()


@pytest.mark.e2e
def test_nested_grad_is_capped_like_functions() -> None:
    statements = ["x = 0.3", "g0 = sin(x) * exp(x) * x"] + [f"g{k} = grad(g{k - 1}, x)" for k in range(1, 31)]
    done = real("eval", "-f", "json", "; ".join(statements))
    clean(done)
    assert done.returncode == 1 and done.stdout == ""
    assert "this grad() would build or walk" in done.stderr
    assert re.fullmatch(r"grad\(g\d+, x\)", marked(done.stderr)), done.stderr


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_a_grid_is_capped_by_its_product() -> None:
    done = real("eval", "--sweep", "x=0:1:100000", "--sweep", "y=0:1:100000", "x = 1; y = 2; z = x * y")
    clean(done)
    assert done.returncode == 2 and f"{100000 * 100000:,} points" in done.stderr and "GiB" in done.stderr


@pytest.mark.e2e
def test_the_memory_cap_counts_the_programs_inputs() -> None:
    # 2,000,000 points are fine for one input; with 200 inputs each point keeps 400 numbers.
    many = "; ".join(f"a{i} = 1" for i in range(200))
    done = real("eval", "--sweep", "x=0:1:2000000", f"x = 1; {many}; y = x * a0")
    clean(done)
    assert done.returncode == 2 and "2,000,000 points" in done.stderr
    done = real("eval", "--sweep", "x=0:1:2000000", "x = 1; a0 = 1; y = x * a0")
    clean(done)
    assert done.returncode == 0 and "y at 2000000 points" in done.stdout


@pytest.mark.e2e
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
    done = subprocess.run([sys.executable, "-c", script, *autodiff_command(), *args], capture_output=True, timeout=HANG, env=ENV)
    peak, code = done.stdout.split()
    return int(peak), int(code), done.stderr


@pytest.mark.e2e
def test_a_sweep_stays_within_its_estimate_even_when_every_point_fails() -> None:
    from autodiff_cli.analyses.points import sweep_bytes

    baseline, _, _ = _peak_kilobytes(["eval", "--sweep", "x=-2:-1:3", "x = 1; y = log(x) * x"])
    points = 2_000_000
    peak, code, stderr = _peak_kilobytes(["eval", "--sweep", f"x=-2:-1:{points}", "x = 1; y = log(x) * x"])
    assert code == 1 and b"Traceback" not in stderr
    assert f"{points} of {points} points failed".encode() in stderr
    estimate = sweep_bytes([points], inputs=1, widest=2)
    assert (peak - baseline) * 1024 <= estimate, (peak, baseline, estimate)


@pytest.mark.e2e
def test_a_big_program_is_swept_in_smaller_chunks(tmp_path: Path) -> None:
    # 20,001 nodes at 16,384 points: one chunk of every node's values and gradients would be 5 GB.
    path = tmp_path / "long.ad"
    path.write_text("x = 1; y = x\n" + "y = y * 1.0001 + x\n" * 10_000)
    baseline, _, _ = _peak_kilobytes(["run", str(path)])
    peak, code, stderr = _peak_kilobytes(["run", "--sweep", "x=0:1:16384", str(path)])
    assert code == 0, stderr
    assert (peak - baseline) * 1024 < 2 * (256 << 20), (peak, baseline)


@pytest.mark.e2e
def test_a_sweep_across_the_whole_range_of_doubles_overflows_nothing() -> None:
    done = real("eval", "-f", "csv", "--sweep", "y=-1.7e308:1.7e308:3", "y = 1; z = y")
    clean(done)
    assert done.returncode == 0
    rows = [line.split(",") for line in done.stdout.splitlines()[1:]]
    assert [float(row[0]) for row in rows] == [-1.7e308, 0.0, 1.7e308]
    assert [float(row[1]) for row in rows] == [-1.7e308, 0.0, 1.7e308]


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_a_sweep_that_overflows_at_its_ends_fails_those_points_as_documented() -> None:
    done = real("eval", "--sweep", "y=-1.7e308:1.7e308:5", "y = 1; z = y * 2")
    clean(done)
    assert done.returncode == 1
    assert "2 of 5 points failed" in done.stderr and "overflow" in done.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("target", ["-", "plot.svg"])
def test_a_plot_too_wide_to_draw_is_a_usage_error(target: str, tmp_path: Path) -> None:
    pytest.importorskip("plotext" if target == "-" else "matplotlib")
    where = f"--plot={target}" if target == "-" else f"--plot={tmp_path / target}"
    done = real("eval", "--sweep", "y=-1.7e308:1.7e308:5", where, "y = 1; z = y")
    clean(done)
    assert done.returncode == 2 and "too wide to draw" in done.stderr
    assert not (tmp_path / target).exists()


# ---------------------------------------------------------------- closed and unreadable streams

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"

#: Every command (and the bare command), each as it would read stdin or not.
COMMANDS = {
    "bare": [],
    "repl": ["repl"],
    "quiz": ["quiz", SEED],
    "quiz-worksheet": ["quiz", SEED, "--worksheet", "md"],
    "eval": ["eval", SEED],
    "eval-stdin": ["eval"],
    "eval-json": ["eval", "-f", "json", SEED],
    "eval-sweep": ["eval", "--sweep", "a=0:1:3", SEED],
    "run-stdin": ["run", "-"],
    "help": ["--help"],
    "version": ["--version"],
}

#: How each ends with stdin closed: (exit code, what stderr says; None: whatever it says is one clean line or nothing).
STDIN_CLOSED = {
    "bare": (2, "standard input is closed"),
    "repl": (2, "standard input is closed: the REPL"),
    "quiz": (2, "standard input is closed: the quiz"),
    "quiz-worksheet": (0, None),
    "eval": (0, None),
    "eval-stdin": (2, "standard input is closed"),
    "eval-json": (0, None),
    "eval-sweep": (0, None),
    "run-stdin": (2, "standard input is closed"),
    "help": (0, None),
    "version": (0, None),
}


def _closing(*fds: int):
    def close() -> None:
        for fd in fds:
            os.close(fd)

    return close


def _run_closed(args: list[str], closed: int, stdin: int | None = None) -> tuple[int, str, str]:
    done = subprocess.run(
        [*autodiff_command(), *args],
        stdin=stdin if stdin is not None else (None if closed == 0 else subprocess.DEVNULL),
        stdout=None if closed == 1 else subprocess.PIPE,
        stderr=None if closed == 2 else subprocess.PIPE,
        preexec_fn=_closing(closed), timeout=HANG, env=ENV,
    )
    out = done.stdout.decode("utf-8", "replace") if done.stdout is not None else ""
    err = done.stderr.decode("utf-8", "replace") if done.stderr is not None else ""
    return done.returncode, out, err


@pytest.mark.e2e
@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_stdin_ends_every_command_cleanly(name: str) -> None:
    code, _, stderr = _run_closed(COMMANDS[name], closed=0)
    expected, message = STDIN_CLOSED[name]
    assert "Traceback" not in stderr and "lost sys.stdin" not in stderr, stderr
    assert code == expected, stderr
    if message is not None:
        assert stderr.startswith("error: ") and message in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.e2e
@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_stdout_is_a_usage_error_for_every_command(name: str) -> None:
    code, _, stderr = _run_closed(COMMANDS[name], closed=1)
    assert code == 2
    assert stderr == "error: standard output is closed: nowhere to write the result\n"


@pytest.mark.e2e
@pytest.mark.parametrize("name", [name for name in COMMANDS if name not in ("eval-stdin", "run-stdin", "bare")])
def test_a_closed_stderr_changes_nothing_else(name: str) -> None:
    code, stdout, _ = _run_closed(COMMANDS[name], closed=2)
    expected = {"repl": 0, "quiz": 1}.get(name, 0)  # stdin is /dev/null: an empty session, a quiz with no answers
    assert code == expected
    if name not in ("repl",):
        assert stdout


@pytest.mark.e2e
def test_a_closed_stderr_keeps_the_exit_code_of_an_error() -> None:
    code, stdout, _ = _run_closed(["eval", "a = log(0)"], closed=2)
    assert code == 1 and stdout == ""


@pytest.mark.e2e
def test_closed_descriptors_are_given_dev_null_so_no_file_takes_their_number(tmp_path: Path) -> None:
    # With 0 and 2 closed, the first file opened would be number 0 and the next number 2: stderr.
    script = (
        "import os, sys\n"
        "from autodiff_cli.interface.process import open_streams\n"
        "open_streams()\n"
        f"handle = open({str(tmp_path / 'file')!r}, 'w')\n"
        "print(handle.fileno() > 2, sys.stdin is None, [os.path.samefile(f'/proc/self/fd/{fd}', os.devnull) for fd in (0, 2)])\n"
    )
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("no /proc on this system")
    done = subprocess.run(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, preexec_fn=_closing(0, 2), timeout=HANG, env=ENV
    )
    assert done.returncode == 0
    assert done.stdout.decode().split() == ["True", "True", "[True,", "True]"]


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["bare", "repl", "quiz", "eval-stdin", "run-stdin"])
def test_a_stdin_open_only_for_writing_is_a_usage_error(name: str, tmp_path: Path) -> None:
    with open(tmp_path / "sink", "w") as sink:
        done = subprocess.run(
            [*autodiff_command(), *COMMANDS[name]], stdin=sink, capture_output=True, timeout=HANG, env=ENV,
        )
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr
    assert done.returncode == 2
    assert "error: standard input cannot be read" in stderr


# ---------------------------------------------------------------- streams that cannot encode

#: (how the environment narrows the streams, the variables to set).
NARROW = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C, PYTHONUTF8=0": {"LC_ALL": "C", "PYTHONUTF8": "0"},
}


def narrow(how: str) -> dict[str, str]:
    unset = ("PYTHONIOENCODING", "PYTHONUTF8", "LANG", "LC_ALL", "LC_CTYPE")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    return {**env, "NO_COLOR": "1", "COLUMNS": "100", **NARROW[how]}


def ascii_run(how: str, *args: str, input: bytes | None = None) -> tuple[int, str, str]:
    done = subprocess.run([*autodiff_command(), *args], input=input, capture_output=True, timeout=HANG, env=narrow(how))
    # Every byte must be ASCII: decoding strictly is the assertion.
    return done.returncode, done.stdout.decode("ascii"), done.stderr.decode("ascii")


@pytest.mark.e2e
@pytest.mark.parametrize("how", list(NARROW))
@pytest.mark.parametrize(
    "args, code, needles",
    [
        (["eval", SEED], 0, ["a -> b -> d -> e -> f", "f -> e -> d -> b -> a"]),
        (["eval", "a = 2; b = a * 3"], 0, ["  -\n"]),  # a constant's gradient
        (["eval", "-f", "tree", SEED], 0, ["f [mul]"]),
        (["eval", "--explain", SEED], 0, ["(a.grad: 0 -> "]),
        (["eval", "--hessian", "--symbolic", SEED], 0, ["d^2f/didj", "df/da = "]),
        (["eval", "-f", "html", SEED], 0, ["<html"]),
        (["eval", "--check", SEED], 0, ["ok"]),
        (["--help"], 0, ["Usage"]),
    ],
    ids=["table", "constant", "tree", "explain", "symbolic", "html", "check", "help"],
)
def test_narrow_streams_get_ascii_spellings(how: str, args: list[str], code: int, needles: list[str]) -> None:
    got, stdout, stderr = ascii_run(how, *args)
    assert got == code, stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in stdout, stdout


@pytest.mark.e2e
@pytest.mark.parametrize("how", list(NARROW))
@pytest.mark.parametrize(
    "program, caret",
    [
        ("a = 1 → 2", "->"),
        ("a = 1 # café →\nb = a / (a - a) # naïve → ∂", "(a - a)"),
        ("a = 2; " * 30 + "b = a / (a - a) # …", "(a - a)"),  # a long line, cut with an ellipsis on the left
        ("a = 2 # é\nb = é + a", "?"),
    ],
    ids=["arrow", "comment-after", "windowed", "letter"],
)
def test_an_error_caret_stays_under_its_text_on_a_narrow_stream(how: str, program: str, caret: str) -> None:
    code, stdout, stderr = ascii_run(how, "eval", program)
    assert code == 1 and stdout == ""
    assert stderr.startswith("error: ")
    assert marked(stderr) == caret, stderr


@pytest.mark.e2e
@pytest.mark.parametrize("how", list(NARROW))
def test_the_repl_on_a_narrow_stream(how: str) -> None:
    lines = "a = 2 # é\nb = a * a\nb\n:help\nb = 1 → 2\n".encode()
    code, stdout, stderr = ascii_run(how, "repl", input=lines)
    assert code == 0
    assert "d/da = 4" in stdout
    assert marked(stderr) == "->"


@pytest.mark.e2e
def test_the_repl_banner_on_an_ascii_terminal(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    command = autodiff_command()
    env = {**narrow("PYTHONIOENCODING=ascii"), "TERM": "dumb", "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    child = pexpect.spawn(command[0], [*command[1:], "repl"], env=env, timeout=60)
    child.expect(b"autodiff>")
    banner = child.before
    time.sleep(0.2)  # prompt_toolkit puts the terminal in raw mode after drawing the prompt
    child.sendline(b"x = 2; x * x")
    child.expect(b"d/dx = 4")
    shown = child.before + child.after
    child.expect(b"autodiff>")
    time.sleep(0.2)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert b"autodiff REPL" in banner and banner.isascii()
    assert shown.isascii()
    assert child.exitstatus == 0


@pytest.mark.e2e
def test_a_program_argument_is_utf_8_in_an_ascii_locale() -> None:
    # Each byte of é would be a character of its own; read as UTF-8 it is one, shown as one '?'.
    code, _, stderr = ascii_run("LC_ALL=C, PYTHONUTF8=0", "eval", "x = 1 # é\ny = é")
    assert code == 1
    assert "\n2 | y = ?\n" in stderr


# ---------------------------------------------------------------- programs with no output


@pytest.mark.e2e
@pytest.mark.parametrize(
    "program, why",
    [
        ("", "has no statements"),
        ("# only a comment", "has no statements"),
        (";;\n;", "has no statements"),
        ("f(x) = x", "only defines functions"),
        ("f(x) = x * x; g(y) = f(y) + 1", "only defines functions"),
    ],
    ids=["empty", "comment", "separators", "one-definition", "definitions"],
)
def test_a_program_with_no_output_is_one_empty_json_document(program: str, why: str) -> None:
    done = real("eval", "-f", "json", program)
    clean(done)
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"output": None, "value": None, "variables": {}, "nodes": [], "order": []}
    assert f"nothing to differentiate (the program {why})" in done.stderr


@pytest.mark.e2e
def test_run_gives_one_line_a_file_an_empty_one_included(tmp_path: Path) -> None:
    files = [tmp_path / "one.ad", tmp_path / "empty.ad", tmp_path / "defines.ad"]
    files[0].write_text("a = 3; b = a * a\n")
    files[1].write_text("")
    files[2].write_text("f(x) = x\n")
    done = real("run", "-f", "json", *map(str, files))
    clean(done)
    assert done.returncode == 0
    documents = [json.loads(line) for line in done.stdout.splitlines()]
    assert [document["source"] for document in documents] == [str(path) for path in files]
    assert documents[0]["value"] == 9.0 and documents[1]["output"] is None and documents[2]["nodes"] == []


@pytest.mark.e2e
@pytest.mark.parametrize(
    "option",
    [["--at", "x=1"], ["--sweep", "x=0:1:3"], ["--why", "x"], ["--taylor", "x:3"]],
    ids=["at", "sweep", "why", "taylor"],
)
def test_naming_an_input_of_a_program_with_no_output_is_a_usage_error(option: list[str]) -> None:
    done = real("eval", *option, "f(x) = x")
    clean(done)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"error: {option[0]} x") and "'x'" in done.stderr


# ---------------------------------------------------------------- --symbolic where a derivative is undefined

UNDEFINED_HERE = "x = -2; k = 3; y = (x - 1) ** (x - x) + k * x"


@pytest.mark.e2e
def test_an_undefined_derivative_has_no_formula_in_text_or_json() -> None:
    text = real("eval", "--symbolic", UNDEFINED_HERE)
    document = real("eval", "-f", "json", "--symbolic", UNDEFINED_HERE)
    clean(text)
    clean(document)
    assert text.returncode == document.returncode == 0
    assert "∂y/∂x: undefined at this point" in text.stdout
    assert "nan" not in text.stdout.split("∂y/∂x")[1].split("(")[0]
    formulas = json.loads(document.stdout)["formulas"]
    assert formulas["x"] is None
    # The formula given for k parses back: pasted after the inputs, its value is the gradient.
    line = next(line for line in text.stdout.splitlines() if line.startswith("∂y/∂k = "))
    assert formulas["k"] == line.removeprefix("∂y/∂k = ")
    check = real("eval", "-f", "json", "x = -2; k = 3; " + formulas["k"])
    assert json.loads(check.stdout)["value"] == json.loads(document.stdout)["variables"]["k"]["grad"]


@pytest.mark.e2e
def test_every_formula_given_parses_back() -> None:
    done = real("eval", "-f", "json", "--symbolic", UNDEFINED_HERE)
    for key, formula in json.loads(done.stdout)["formulas"].items():
        if formula is None:
            continue
        back = real("eval", "x = -2; k = 3; " + formula)
        assert back.returncode == 0, (key, back.stderr)


@pytest.mark.e2e
def test_latex_says_undefined_as_the_text_does() -> None:
    done = real("eval", "-f", "latex", "--symbolic", UNDEFINED_HERE)
    clean(done)
    assert r"\text{undefined at this point}" in done.stdout
    assert "NaN" not in done.stdout.rsplit(r"\begin{align*}", 1)[1]
