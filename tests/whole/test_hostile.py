"""Hostile input, signals, pipes, time per statement, and what the tool reads and writes.

The catalogue goes through the real command in a real process, because that is
where bytes, pipes, FIFOs and signals meet the tool.  The time checks run
in-process (CliRunner) so that start-up does not hide the time per statement.
"""

from __future__ import annotations

import ast
import json
import math
import os
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import autodiff_cli
from autodiff_cli.interface.cli import cli
from tests.support import autodiff_command

# Not a speed requirement (benchmarks/ measures speed, as ratios): a bound that only a
# real hang or a quadratic blow-up crosses, so a busy two-core CI machine never flakes.
TIME_LIMIT = 60.0
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


@dataclass
class Done:
    code: int
    stdout: str
    stderr: str
    seconds: float


def real(*args: str | bytes, input: bytes | None = None, timeout: float = 240, cwd: Path | None = None) -> Done:
    """Run the installed `autodiff` in a real process; stdout and stderr decoded leniently."""
    start = time.perf_counter()
    done = subprocess.run([*autodiff_command(), *args], input=input, capture_output=True, timeout=timeout, env=ENV, cwd=cwd)
    seconds = time.perf_counter() - start
    return Done(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"), seconds)


def table_row(stdout: str, label: str) -> list[str]:
    """The cells of the table row whose node column starts with `label` (value and grad are the last two)."""
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) >= 2 and " ".join(cells[1:]).startswith(label):
            return cells
    raise AssertionError(f"no row {label!r} in:\n{stdout[:2000]}")


def assert_clean(done: Done) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert len(done.stderr) < 5000, "an error message out of proportion to the input"


# ---------------------------------------------------------------- the catalogue


@dataclass
class Case:
    """One hostile program: where it is fed, what must come out."""

    content: Callable[[], bytes]
    code: int
    message: str = ""
    check: Callable[[str], None] | None = None
    limit: float = TIME_LIMIT


N = 100_000
NAME = "n" * 10_000
MEGABYTE = 1 << 20


def _grad_of_a(expected: float) -> Callable[[str], None]:
    def check(stdout: str) -> None:
        assert float(table_row(stdout, "a (input)")[-1]) == expected

    return check


def _output_value(expected: float) -> Callable[[str], None]:
    def check(stdout: str) -> None:
        assert float(table_row(stdout, "b (output)")[-2]) == expected

    return check


CATALOGUE = {
    # Bytes that are not text.
    "nul-byte": Case(lambda: b"a = 1\0\nb = a * a\n", 1, "binary content (a NUL byte at offset 5)"),
    "nul-at-start": Case(lambda: b"\0" * 1000, 1, "binary content (a NUL byte at offset 0)"),
    "lone-surrogate-utf8": Case(lambda: b"a = 1\nb = a \xed\xa0\x80\n", 1, "not valid UTF-8 (byte 0xed at line 2"),
    "stray-continuation-byte": Case(lambda: b"a = 1\x80\n", 1, "not valid UTF-8 (byte 0x80 at line 1"),
    "overlong-encoding": Case(lambda: b"a = 1 # \xc0\xaf\n", 1, "not valid UTF-8 (byte 0xc0"),
    "truncated-sequence-at-end": Case(lambda: b"a = 1 # \xe2\x82", 1, "not valid UTF-8 (byte 0xe2"),
    "byte-0xff": Case(lambda: b"\xff\xfea = 1\n", 1, "not valid UTF-8 (byte 0xff at line 1, offset 0)"),
    # Size: one megabyte on one line, in several shapes.
    "1mb-comment-line": Case(lambda: b"a = 1 # " + b"x" * MEGABYTE + b"\nb = a * 3\n", 0, check=_grad_of_a(3.0)),
    "1mb-number-literal": Case(lambda: b"a = " + b"7" * MEGABYTE + b"\n", 1, "number too large for a double"),
    "1mb-zeros-then-digit": Case(lambda: b"a = 0." + b"0" * MEGABYTE + b"1\nb = a + 1\n", 0, check=_output_value(1.0)),
    "1mb-name": Case(lambda: b"q" * MEGABYTE + b" = 2\nb = 3\n", 0, check=_output_value(3.0)),
    "1mb-garbage-line": Case(lambda: b"a = 1 " + b"$" * MEGABYTE + b"\n", 1, "unexpected character '$'"),
    # 250,000 additions on one line: slower than the rest, but in proportion (see the time checks below).
    "1mb-sum-line": Case(
        lambda: b"a = 1; b = a" + b" + a" * (MEGABYTE // 4) + b"\n", 0, check=_grad_of_a(MEGABYTE // 4 + 1), limit=120.0
    ),
    # Depth.
    "100k-nested-parentheses": Case(
        lambda: b"a = 3; b = " + b"(" * N + b"a * a" + b")" * N + b"\n", 0, check=_grad_of_a(6.0)
    ),
    "100k-unclosed-parentheses": Case(lambda: b"a = 3; b = " + b"(" * N + b"a\n", 1, "ends in the middle of an expression"),
    "100k-extra-close-parentheses": Case(lambda: b"a = 3; b = a" + b")" * N + b"\n", 1, "unexpected ')'"),
    "100k-unary-minus-even": Case(lambda: b"a = 3; b = " + b"-" * N + b"a\n", 0, check=_grad_of_a(1.0)),
    "100k-unary-minus-odd": Case(lambda: b"a = 3; b = " + b"-" * (N + 1) + b"a\n", 0, check=_grad_of_a(-1.0)),
    "100k-unary-minus-dangling": Case(lambda: b"a = 3; b = " + b"-" * N + b"\n", 1, ""),
    "100k-powers": Case(lambda: b"a = 1; b = a" + b" ** 1" * N + b"\n", 0, check=_grad_of_a(1.0)),
    # Names.
    "10k-character-name": Case(
        lambda: f"{NAME} = 2\nb = {NAME} * {NAME} * a0\na0 = 1\n".encode(), 1, "unknown name 'a0'"
    ),
    "10k-character-name-ok": Case(lambda: f"a = 1\n{NAME} = 2\nb = {NAME} * {NAME} + a\n".encode(), 0, check=_grad_of_a(1.0)),
    # Numbers at the edges of a double.
    "literal-1e999": Case(lambda: b"a = 1e999\n", 1, "number too large for a double"),
    "literal-minus-1e999": Case(lambda: b"a = 2\nb = a * -1e999\n", 1, "number too large for a double"),
    "power-tower-overflow": Case(lambda: b"2^2^2^2^2^2\n", 1, "overflow"),
    "power-tower-of-input": Case(lambda: b"a = 2\nb = a^2^2^2^2^2\n", 1, "overflow"),
    "product-overflow": Case(lambda: b"a = 1e308\nb = a * 10\n", 1, "overflow"),
    "exp-overflow": Case(lambda: b"a = 1000\nb = exp(a)\n", 1, "overflow"),
    "underflow-chain-is-zero": Case(
        lambda: b"a = 1e-200\nc = a * a\nd = c * 1e-200\nb = d * 1e300\n", 0, check=_output_value(0.0)
    ),
    "underflow-literal-is-zero": Case(lambda: b"a = 1\nb = a * 1e-999\n", 0, check=_output_value(0.0)),
    # Programs with nothing in them.
    "only-comments": Case(lambda: b"# one\n# two\n   # three\n", 0, "nothing to differentiate"),
    "only-separators-and-comments": Case(lambda: b";;\n;\n# x\n\n;", 0, "nothing to differentiate"),
    "empty": Case(lambda: b"", 0, "nothing to differentiate"),
    # Text that a careless tool would hand to Python or the shell.
    "python-code": Case(lambda: b'__import__("os").system("touch pwned")\n', 1, "unexpected character"),
    "shell-code": Case(lambda: b"a = 1; $(touch pwned) `touch pwned`\n", 1, "unexpected character"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["file", "stdin"])
@pytest.mark.parametrize("name", list(CATALOGUE))
def test_catalogue(name: str, where: str, tmp_path: Path) -> None:
    case = CATALOGUE[name]
    content = case.content()
    if where == "file":
        path = tmp_path / "hostile.ad"
        path.write_bytes(content)
        done = real("run", str(path), cwd=tmp_path)
        source = str(path)
    else:
        done = real("eval", "-", input=content, cwd=tmp_path)
        source = "<stdin>"
    assert done.code == case.code, done.stderr[-2000:]
    assert case.message in done.stderr
    if case.code == 1:
        assert done.stderr.startswith("error: ") and source in done.stderr
    if case.check is not None:
        case.check(done.stdout)
    assert_clean(done)
    assert done.seconds < case.limit, f"{name} took {done.seconds:.1f} s"
    assert not (tmp_path / "pwned").exists()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("program", "message"),
    [
        pytest.param(b"a = 1; b = a \xed\xa0\x80", "unexpected character U+DCED", id="lone-surrogate"),
        pytest.param(b"a = 1; b = a \xff", "unexpected character U+DCFF", id="byte-0xff"),
        pytest.param(b"a\xed\xa0\x80 = 1", "unexpected character U+DCED", id="surrogate-in-name"),
    ],
)
def test_undecodable_argument_is_a_clean_error(program: bytes, message: str) -> None:
    done = real("eval", program)
    assert done.code == 1 and message in done.stderr and "-->" in done.stderr
    assert_clean(done)


def test_nul_in_an_argument_is_a_clean_error(run) -> None:
    # No real process can pass a NUL in argv; the library path still must not choke on one.
    result = run("eval", "a = 1\0")
    assert result.exit_code == 1 and "unexpected character U+0000" in result.stderr


@pytest.mark.e2e
def test_a_long_name_in_an_error_does_not_flood_the_caret_line() -> None:
    done = real("eval", f"a = 1; b = a + {NAME}")
    assert done.code == 1 and "unknown name" in done.stderr
    caret_lines = [line for line in done.stderr.splitlines() if line.startswith("1 | ")]
    assert caret_lines and len(caret_lines[0]) < 200


# ---------------------------------------------------------------- special files


@pytest.mark.e2e
def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    done = real("run", str(tmp_path))
    assert done.code == 2 and f"{tmp_path}: is a directory" in done.stderr
    assert_clean(done)


@pytest.mark.e2e
def test_a_fifo_is_read_like_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "program.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as handle:
            handle.write(b"a = 4\nb = a * a * a\n")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    done = real("run", "-f", "json", str(fifo), timeout=20)
    thread.join(timeout=5)
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["variables"]["a"]["grad"] == 3 * 4.0**2


@pytest.mark.e2e
def test_stdin_from_dev_null_is_an_empty_program() -> None:
    with open(os.devnull, "rb") as null:
        done = subprocess.run([*autodiff_command(), "eval", "-"], stdin=null, capture_output=True, timeout=60, env=ENV)
    assert done.returncode == 0 and b"<stdin>: nothing to differentiate" in done.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_binary_device_fails_at_once(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    done = real("run", device, timeout=20)
    assert done.code == 1 and f"{device}: binary content" in done.stderr
    assert done.seconds < TIME_LIMIT
    assert_clean(done)


@pytest.mark.e2e
def test_an_endless_binary_stdin_fails_at_once() -> None:
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([*autodiff_command(), "eval", "-"], stdin=zero, capture_output=True, timeout=20, env=ENV)
    assert done.returncode == 1 and b"<stdin>: binary content (a NUL byte at offset 0)" in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "secret.ad"
    path.write_text("a = 1\n")
    path.chmod(0)
    done = real("run", str(path))
    assert done.code == 2 and "permission denied" in done.stderr


# ---------------------------------------------------------------- signals and pipes


def _chain(n: int, separator: str = "\n") -> str:
    return separator.join(["x0 = 1", *(f"x{i} = x{i - 1} + 1" for i in range(1, n))])


@pytest.mark.e2e
def test_ctrl_c_during_a_long_run_exits_130_with_one_line(tmp_path: Path) -> None:
    program = tmp_path / "long.ad"
    program.write_text(_chain(1_000_000))  # seconds of work even on a fast machine: the signal lands mid-run
    # stdout a pipe; stderr a terminal, so the progress bar (shown at once) says when the run has begun:
    # a fixed sleep would signal a process still starting up on a busy machine.
    primary, secondary = os.openpty()
    env = dict(ENV, AUTODIFF_PROGRESS_DELAY="0", TERM="xterm", COLUMNS="80")
    # A run started in the background (as CI may be) inherits SIGINT ignored; a person at a terminal does not.
    process = subprocess.Popen(
        [*autodiff_command(), "run", str(program)], stdout=subprocess.PIPE, stderr=secondary, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(secondary)
    seen = b""
    while b"evaluating" not in seen:
        ready, _, _ = select.select([primary], [], [], 120)
        assert ready, "no progress bar within 120 s"
        seen += os.read(primary, 4096)
    assert process.poll() is None, "the run ended before the signal: make the program longer"
    process.send_signal(signal.SIGINT)
    # Keep reading the terminal: a progress bar nobody reads fills it and blocks the process.
    later = b""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([primary], [], [], 0.5)[0]:
            try:
                later += os.read(primary, 4096)
            except OSError:
                break
    stdout, _ = process.communicate(timeout=120)
    stderr = (later + _drain(primary)).decode(errors="replace")
    assert process.returncode == 130
    assert "Traceback" not in stderr and stdout == b""
    assert stderr.rstrip().endswith("interrupted")
    assert [line for line in stderr.splitlines() if "interrupted" in line or "rror" in line] == ["interrupted"]


def _drain(primary: int) -> bytes:
    """What is left to read from a pseudo-terminal whose other end has closed."""
    chunks = []
    while select.select([primary], [], [], 1)[0]:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    return b"".join(chunks)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--all"], id="table"),
        pytest.param(["-f", "json"], id="json"),
        pytest.param(["-f", "dot"], id="dot"),
        pytest.param(["--explain"], id="explain"),
        pytest.param(["--check"], id="check"),
    ],
)
def test_a_closed_stdout_ends_quietly(args: list[str], tmp_path: Path) -> None:
    """`autodiff ... | head -1`: far more output than a pipe holds, and the reader leaves after one line."""
    program = tmp_path / "chain.ad"
    program.write_text(_chain(5000))
    process = subprocess.Popen(
        [*autodiff_command(), "run", *args, str(program)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert stderr == ""
    assert process.returncode == 0  # docs/cli.md: a reader that left early is not an error


# ---------------------------------------------------------------- time in proportion to size


def _seconds(args: list[str], program: str, repeat: int) -> float:
    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = runner.invoke(cli, [*args, program], catch_exceptions=False)
        best = min(best, time.perf_counter() - start)
        assert "Traceback" not in result.stderr
    return best


# Each shape makes a program of n units (statements, terms, parentheses, characters).
SHAPES: dict[str, tuple[list[str], Callable[[int], str]]] = {
    "statements-on-lines": (["eval"], lambda n: _chain(n)),
    "statements-on-one-line": (["eval"], lambda n: _chain(n, "; ")),
    "rebinding": (["eval"], lambda n: "a = 1\n" + "a = a + 1\n" * n),
    "wide-sum-of-one-name": (["eval"], lambda n: "a = 1; b = a" + " + a" * n),
    "nested-parentheses": (["eval"], lambda n: "a = 1; b = " + "(" * n + "a * a" + ")" * n),
    "unary-minus": (["eval"], lambda n: "a = 1; b = " + "-" * n + "a"),
    "long-name": (["eval"], lambda n: "n" * (50 * n) + " = 1; b = 2"),
    "comment-lines": (["eval"], lambda n: "# a comment\n" * n + "a = 1; b = a * a"),
    "unknown-name-at-the-end": (["eval"], lambda n: _chain(n) + "\nz = nope"),
    "syntax-error-at-the-end": (["eval"], lambda n: _chain(n) + "\nz = (x0 +"),
    "domain-error-at-the-end": (["eval"], lambda n: _chain(n) + "\nz = log(x0 - 1)"),
    "json": (["eval", "-f", "json"], lambda n: _chain(n)),
    "dot": (["eval", "-f", "dot"], lambda n: _chain(n)),
    "explain": (["eval", "--explain"], lambda n: _chain(n)),
    "check-one-input": (["eval", "--check"], lambda n: _chain(n)),
    "table-all-rows": (["eval", "--all"], lambda n: _chain(n)),
}

# A quadratic cost gives a ratio near 10; linear work near 1.  4 leaves room for noise and the GC.
FLAT_RATIO = 4.0


def _ratio(args: list[str], make: Callable[[int], str], small: int, large: int) -> float:
    """Time per unit at `large` over time per unit at `small`, best of each.

    A busy machine can slow one side alone: a ratio over the bound is measured
    once more and the smaller kept, so only a cost that really grows fails.
    """
    _seconds(args, make(small), 1)  # warm up imports and caches
    ratios = []
    for _ in range(2):
        per_small = _seconds(args, make(small), 3) / small
        per_large = _seconds(args, make(large), 2) / large
        ratios.append(per_large / per_small)
        if ratios[-1] < FLAT_RATIO:
            break
    return min(ratios)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_time_per_statement_stays_flat(shape: str) -> None:
    args, make = SHAPES[shape]
    ratio = _ratio(args, make, 2_000, 20_000)
    assert ratio < FLAT_RATIO, f"{shape}: time per unit grew {ratio:.1f}x from 2k to 20k"


def test_tree_time_per_statement_stays_flat() -> None:
    ratio = _ratio(["eval", "-f", "tree"], _chain, 200, 2_000)
    assert ratio < FLAT_RATIO, f"tree: time per statement grew {ratio:.1f}x from 200 to 2k"


# ---------------------------------------------------------------- nothing gets out

PACKAGE = Path(autodiff_cli.__file__).parent


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            found.append((name, node))
    return found


def test_the_source_never_hands_text_to_python_or_a_shell() -> None:
    forbidden = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", "pickle.loads", "marshal.loads"}
    spawners = {"subprocess.run", "subprocess.Popen", "subprocess.call", "subprocess.check_call", "subprocess.check_output"}
    spawns = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 5
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, call in _calls(tree):
            where = f"{path.relative_to(PACKAGE)}:{call.lineno}"
            assert name not in forbidden, f"{where}: {name}()"
            assert not name.startswith(("os.exec", "os.spawn", "os.posix_spawn")), f"{where}: {name}()"
            for keyword in call.keywords:
                if keyword.arg == "shell":
                    assert isinstance(keyword.value, ast.Constant) and keyword.value.value is False, f"{where}: shell="
            if name in spawners:
                spawns.append((where, call))
    # Two programs are ever started, each with a list argv: Graphviz's dot (for --render, and for the
    # page's layout), and for --simplify this package's own SymPy child in this interpreter.
    started = {
        where.split(":")[0]: ast.unparse(call.args[0].elts[0]) for where, call in spawns if isinstance(call.args[0], ast.List)
    }
    assert len(started) == len(spawns)
    assert started == {
        os.path.join("render", "layout.py"): "dot",
        os.path.join("render", "dot.py"): "dot",
        os.path.join("analyses", "simplify.py"): "sys.executable",
    }


_AUDIT = r"""
import json, os, sys
events = []
def hook(event, args):
    if event == "open":
        events.append(["open", os.fsdecode(args[0]) if isinstance(args[0], (str, bytes)) else None, args[2]])
    elif event == "compile":
        source = args[0]
        if isinstance(source, bytes):
            source = source.decode("utf-8", "replace")
        events.append(["compile", source if isinstance(source, str) else None])
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork"):
        events.append([event, [os.fsdecode(a) for a in args[1]] if event == "subprocess.Popen" else repr(args)])
def dump():
    import autodiff_cli
    package = os.path.dirname(os.path.realpath(autodiff_cli.__file__))
    roots = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, package,
             os.path.join(os.path.dirname(package), "grammar")]
    data = json.dumps({"events": events, "roots": [os.path.realpath(r) for r in roots]}).encode()
    fd = os.open(os.environ["AUDIT_LOG"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    os.close(fd)
import atexit
atexit.register(dump)
sys.addaudithook(hook)
sys.argv[0] = "autodiff"
from autodiff_cli.interface.cli import main
main()
"""

FAKE_DOT = """#!/bin/sh
# A stand-in for Graphviz: {behaviour}
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; shift; fi
  shift
done
cat > /dev/null
{body}
"""


def _fake_dot(directory: Path, behaviour: str, body: str) -> dict[str, str]:
    directory.mkdir()
    dot = directory / "dot"
    dot.write_text(FAKE_DOT.format(behaviour=behaviour, body=body))
    dot.chmod(0o755)
    return {**ENV, "PATH": f"{directory}{os.pathsep}{ENV.get('PATH', '')}"}


@pytest.mark.e2e
def test_reads_only_the_files_given_and_writes_only_the_render_target(tmp_path: Path) -> None:
    env = _fake_dot(tmp_path / "bin", "writes a drawing", 'printf "<svg/>" > "$out"')
    work = tmp_path / "work"
    work.mkdir()
    program = work / "program.ad"
    program.write_text("canary_q7 = 3\nb = canary_q7 * canary_q7\n")
    (work / "other.ad").write_text("x = 1\n")
    target = work / "graph.svg"
    log = tmp_path / "audit.json"
    done = subprocess.run(
        [sys.executable, "-c", _AUDIT, "run", "--render", str(target), str(program)],
        capture_output=True, timeout=60, env={**env, "AUDIT_LOG": str(log)}, cwd=work,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert target.read_text() == "<svg/>"
    assert sorted(p.name for p in work.iterdir()) == ["graph.svg", "other.ad", "program.ad"]

    audit = json.loads(log.read_text())
    roots = tuple(root + os.sep for root in audit["roots"])
    opened, writes = [], []
    for event in audit["events"]:
        kind = event[0]
        if kind == "compile":
            assert event[1] is None or "canary_q7" not in event[1], "program text reached compile()"
        elif kind == "open" and event[1] is not None:
            path, flags = os.path.realpath(event[1]), event[2]
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
                writes.append(path)
            elif not path.startswith(roots) and path != os.devnull:
                opened.append(path)
    assert opened == [str(program.resolve())]
    # The one write is the temporary file beside the target, later renamed onto it.
    assert len(writes) == 1 and os.path.dirname(writes[0]) == str(work.resolve()) and writes[0].endswith(".svg")
    spawned = [event for event in audit["events"] if event[0] != "open" and event[0] != "compile"]
    assert len(spawned) == 1 and spawned[0][0] == "subprocess.Popen"
    assert os.path.basename(spawned[0][1][0]) == "dot" and spawned[0][1][1:3] == ["-Tsvg", "-o"]


@pytest.mark.e2e
def test_a_failed_render_leaves_no_file(tmp_path: Path) -> None:
    half = 'printf "<svg" > "$out"; echo "dot: broken" >&2; exit 1'
    env = _fake_dot(tmp_path / "bin", "writes half a drawing, then fails", half)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [*autodiff_command(), "eval", "--render", str(work / "graph.svg"), "a = 3; b = a * a"],
        capture_output=True, timeout=60, env=env,
    )
    assert done.returncode == 1 and b"dot failed: dot: broken" in done.stderr
    assert list(work.iterdir()) == []


@pytest.mark.e2e
def test_a_failed_render_keeps_the_old_file(tmp_path: Path) -> None:
    env = _fake_dot(tmp_path / "bin", "fails", "exit 3")
    target = tmp_path / "graph.svg"
    target.write_text("the old drawing")
    done = subprocess.run(
        [*autodiff_command(), "eval", "--render", str(target), "a = 3; b = a * a"], capture_output=True, timeout=60, env=env
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert target.read_text() == "the old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "graph.svg"]


@pytest.mark.e2e
def test_render_into_a_missing_directory_is_a_clean_error(tmp_path: Path) -> None:
    env = _fake_dot(tmp_path / "bin", "writes a drawing", 'printf "<svg/>" > "$out"')
    done = subprocess.run(
        [*autodiff_command(), "eval", "--render", str(tmp_path / "missing" / "graph.svg"), "a = 3; b = a * a"],
        capture_output=True, timeout=60, env=env,
    )
    assert b"Traceback" not in done.stderr
    assert done.returncode in (1, 2) and done.stderr.startswith(b"error: ")


def test_the_history_file_is_private_whatever_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autodiff_cli.interface.repl import history_path

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    old = os.umask(0)
    try:
        fresh = history_path()
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    fresh.chmod(0o666)  # a file left by an older version, or by hand
    assert stat.S_IMODE(history_path().stat().st_mode) == 0o600


# ---------------------------------------------------------------- --check on large values


@pytest.mark.parametrize("big", ["100000", "1e9"])
def test_check_passes_a_sum_with_a_large_term(run, big: str) -> None:
    result = run("eval", "--check", f"a = 1; b = {big}; c = a + b")
    assert result.exit_code == 0, result.stdout + result.stderr
