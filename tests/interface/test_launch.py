"""The console script's fast path (launch.py) against the Click command line it stands in for.

Every case runs twice as a real process, once through `launch.main` and once
through `cli.main` (Click reading everything), and the two must agree byte
for byte on stdout and stderr and on the exit code.  Each case also says
whether the fast path should answer it without importing Click, and a record
of the process's modules, written at exit, checks that it did: a fast path
that quietly fell back to Click would make the comparison pass for nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff_cli.interface.cli import eval_command, make_options
from autodiff_cli.interface.launch import one_shot_eval

#: Runs an entry point as the console script would, and writes the names of the loaded modules at exit.
RUNNER = """\
{prelude}
import atexit, os, sys
def record():
    with open(os.environ["MODULES_RECORD"], "w") as handle:
        handle.write("\\n".join(sorted(sys.modules)))
atexit.register(record)
from autodiff_cli.interface.{module} import main
main()
"""

SEED = "a = -2; b = 3; d = a*b; e = a+b; f = d*e"

#: (id, argv, stdin bytes, answered by the fast path)
CASES = [
    ("version", ["--version"], b"", True),
    ("version-short", ["-V"], b"", True),
    ("version-then-command", ["--version", "eval", "a=1"], b"", False),
    ("json", ["eval", "--format", "json", "a=3; b=a+a"], b"", True),
    ("table", ["eval", "a=3; b=a+a"], b"", True),
    ("short-format", ["eval", "-f", "json", SEED], b"", True),
    ("format-equals", ["eval", "--format=table", "x = 0.5; y = tanh(2*x) * x"], b"", True),
    ("option-after-program", ["eval", SEED, "--format", "json"], b"", True),
    ("of", ["eval", "--of", "d", SEED], b"", True),
    ("of-equals-json", ["eval", "--of=d", "-f", "json", SEED], b"", True),
    ("of-several-jacobian", ["eval", "--of", "d,e", SEED], b"", True),
    ("of-several-json", ["eval", "-f", "json", "--of", "d,e", SEED], b"", True),
    ("of-unknown", ["eval", "--of", "nope", SEED], b"", True),
    ("parse-error", ["eval", "1 +"], b"", True),
    ("parse-error-json", ["eval", "-f", "json", "a = (1"], b"", True),
    ("unknown-name", ["eval", "a = 1; b = c"], b"", True),
    ("domain-error", ["eval", "x = 0; y = log(x)"], b"", True),
    ("division-by-zero", ["eval", "x = 0; y = 1 / x"], b"", True),
    ("underflow-warning", ["eval", "x = 1e-400; y = x + 1"], b"", True),
    ("non-finite-gradient", ["eval", "x = 0; y = -2; z = 3 * sqrt(x) + y ** 2"], b"", True),
    ("non-finite-json", ["eval", "-f", "json", "x = 0; y = sqrt(x)"], b"", True),
    ("empty-program", ["eval", ""], b"", True),
    ("only-a-comment", ["eval", "# nothing here\n"], b"", True),
    ("multi-line", ["eval", "a = 3\nb = a * a\n\nc = b - a"], b"", True),
    ("stdin-dash", ["eval", "-"], b"a = 3\nb = a * a\n", True),
    ("stdin-missing-program", ["eval", "-f", "json"], b"a = 3\nb = a * a\n", True),
    ("stdin-after-double-dash", ["eval", "--", "-"], b"a = 3\nb = a + a\n", True),
    ("stdin-bad-utf8", ["eval", "-"], b"a = 3\nb = a \xff 2\n", True),
    ("stdin-empty", ["eval", "-"], b"", True),
    ("double-dash-program", ["eval", "-f", "json", "--", "x = 2; y = -x"], b"", True),
    ("double-dash-dashed-program", ["eval", "--", "-x = 1"], b"", True),
    ("unicode-name", ["eval", "α = 2; β = α * α"], b"", True),
    ("unicode-comment", ["eval", "a = 3  # größe\nb = a * a"], b"", True),
    ("unicode-error", ["eval", "größe = 2; y = größe ** ∞"], b"", True),
    ("function", ["eval", "-f", "json", "def sq(t) = t * t; x = 3; y = sq(x)"], b"", True),
    ("big-table-elided", ["eval", "\n".join(["x0 = 1"] + [f"x{i} = x{i - 1} * 1.5" for i in range(1, 260)])], b"", True),
    ("format-csv", ["eval", "--format", "csv", "a = 1; b = a * 2"], b"", True),
    ("format-dot", ["eval", "-f", "dot", SEED], b"", True),
    ("format-tree", ["eval", "--format=tree", SEED], b"", True),
    ("format-latex", ["eval", "--format", "latex", "--of", "d", SEED], b"", True),
    ("format-html", ["eval", "-f", "html", "x = 2; y = x * x"], b"", True),
    ("format-latex-error", ["eval", "-f", "latex", "x = 2; y = x * z"], b"", True),
    # Everything below is Click's to read: the fast path must step aside, and the result is still the same.
    ("dashed-program", ["eval", "-1"], b"", False),
    ("format-unknown", ["eval", "--format", "yaml", "a = 1; b = a * 2"], b"", False),
    ("format-upper", ["eval", "--format", "JSON", "a=1"], b"", False),
    ("format-twice", ["eval", "--format", "json", "--format", "table", "a=1"], b"", False),
    ("of-twice", ["eval", "--of", "a", "--of", "b", "a=1; b=a"], b"", False),
    ("of-missing-value", ["eval", "a=1", "--of"], b"", False),
    ("of-empty", ["eval", "--of=", "a=1"], b"", False),
    ("of-dashed-value", ["eval", "--of", "--format", "a=1"], b"", False),
    ("format-glued", ["eval", "-fjson", "a=1"], b"", False),
    ("extra-argument", ["eval", "a=1", "b=2"], b"", False),
    ("extra-after-double-dash", ["eval", "--", "a=1", "json"], b"", False),
    ("other-option", ["eval", "--precision", "3", "x = pi; y = x * 1"], b"", False),
    ("flag", ["eval", "--check", "x = 2; y = x * x"], b"", False),
    ("help", ["eval", "--help"], b"", False),
    ("group-help", ["--help"], b"", False),
    ("unknown-command", ["evaluate", "a=1"], b"", False),
    ("bare-piped", [], b"a = 3\nb = a * a\n", False),
    ("bare-options-piped", ["-f", "json"], b"a = 3\nb = a * a\n", False),
    ("run", ["run", "-f", "json", "-"], b"a = 3\nb = a * a\n", False),
]


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "TTY_COMPATIBLE", "_AUTODIFF_COMPLETE")}
    env.update(COLUMNS="80", NO_COLOR="1", MODULES_RECORD=str(tmp_path / "modules"), **extra)
    return env


def _run(
    module: str, args: list[str], stdin: bytes, env: dict[str, str], stdout: int | None = subprocess.PIPE, prelude: str = ""
):
    done = subprocess.run(
        [sys.executable, "-c", RUNNER.format(module=module, prelude=prelude), *args],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
    )
    modules = Path(env["MODULES_RECORD"]).read_text().split()
    return done, modules


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "stdin", "fast"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_fast_path_matches_click(tmp_path: Path, args: list[str], stdin: bytes, fast: bool) -> None:
    env = _environment(tmp_path)
    ours, modules = _run("launch", args, stdin, env)
    click, click_modules = _run("cli", args, stdin, env)
    assert "click" in click_modules  # the record tells the two paths apart
    assert ("click" not in modules) == fast
    assert _fixed(ours.stdout) == _fixed(click.stdout)
    assert ours.stderr == click.stderr
    assert ours.returncode == click.returncode
    assert b"Traceback" not in ours.stderr


def _fixed(page: bytes) -> bytes:
    """The output with the HTML page's element id, random in every run (render/html.py), made one."""
    for prefix in set(re.findall(rb'<div class="adp" id="([^"]+)"', page)):
        page = page.replace(prefix, b"adp-id")
    return page


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["eval", "-f", "json", SEED], ["eval", SEED]], ids=["version", "json", "table"])
def test_full_stdout_is_the_same_one_line(tmp_path: Path, args: list[str]) -> None:
    env = _environment(tmp_path)
    with open("/dev/full", "wb") as full:
        ours, modules = _run("launch", args, b"", env, stdout=full.fileno())
        click, _ = _run("cli", args, b"", env, stdout=full.fileno())
    assert "click" not in modules
    assert ours.stderr == click.stderr and b"No space left" in ours.stderr
    assert ours.returncode == click.returncode == 1


#: Standard input whose read is interrupted by a real SIGINT, or ends with EOFError (as a closed terminal can).
STDIN_THAT = """\
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
class Buffer:
    def read(self, size=-1):
        {action}
class Stdin:
    buffer = Buffer()
    def isatty(self):
        return False
sys.stdin = Stdin()
"""


@pytest.mark.e2e
@pytest.mark.parametrize(
    "action",
    ["os.kill(os.getpid(), signal.SIGINT); time.sleep(60)", "raise EOFError"],
    ids=["ctrl-c", "eof"],
)
def test_an_interrupted_run_ends_the_same(tmp_path: Path, action: str) -> None:
    env = _environment(tmp_path)
    prelude = STDIN_THAT.format(action=action)
    ours, modules = _run("launch", ["eval", "-f", "json", "-"], b"", env, prelude=prelude)
    click, _ = _run("cli", ["eval", "-f", "json", "-"], b"", env, prelude=prelude)
    assert "click" not in modules
    assert ours.stderr == click.stderr and ours.stderr.rstrip().endswith(b"interrupted")
    assert ours.returncode == click.returncode == 130
    assert ours.stdout == click.stdout == b""


@pytest.mark.e2e
def test_shell_completion_goes_to_click(tmp_path: Path) -> None:
    env = _environment(tmp_path, _AUTODIFF_COMPLETE="bash_source")
    ours, modules = _run("launch", ["eval", "a=1"], b"", env)
    click, _ = _run("cli", ["eval", "a=1"], b"", env)
    assert "click" in modules
    assert ours.stdout == click.stdout and b"complete" in ours.stdout
    assert ours.returncode == click.returncode == 0


@pytest.mark.e2e
def test_terminal_output_is_the_same(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = _environment(tmp_path, TERM="xterm")
    del env["NO_COLOR"]
    outputs = []
    for module in ("launch", "cli"):
        child = pexpect.spawn(
            sys.executable,
            ["-c", RUNNER.format(module=module, prelude=""), "eval", SEED],
            env=env,
            timeout=60,
            dimensions=(24, 100),
        )
        child.expect(pexpect.EOF)
        child.close()
        outputs.append((child.before, child.exitstatus, "click" in Path(env["MODULES_RECORD"]).read_text().split()))
    (ours, our_status, our_click), (theirs, their_status, their_click) = outputs
    assert (our_click, their_click) == (False, True)
    assert b"\x1b[" in ours and "─".encode() in ours  # the terminal's table, in colour
    assert ours == theirs and our_status == their_status == 0


FAST_ARGS = [case[1] for case in CASES if case[3] and case[1][:1] == ["eval"]]


@pytest.mark.parametrize("args", FAST_ARGS, ids=[case[0] for case in CASES if case[3] and case[1][:1] == ["eval"]])
def test_fast_path_reads_the_options_click_reads(args: list[str]) -> None:
    read = one_shot_eval(args)
    assert read is not None
    program, options = read
    context = eval_command.make_context("eval", list(args[1:]))
    assert program == context.params["program"]
    assert options == make_options(context.params)


@pytest.mark.parametrize("args", [case[1] for case in CASES if not case[3]], ids=[case[0] for case in CASES if not case[3]])
def test_fast_path_leaves_the_rest_to_click(args: list[str]) -> None:
    assert one_shot_eval(args) is None


def _installed_script() -> Path | None:
    script = Path(sys.executable).parent / "autodiff"
    return script if script.exists() else None


@pytest.mark.e2e
@pytest.mark.skipif(_installed_script() is None, reason="the console script is not installed next to this Python")
@pytest.mark.parametrize(
    ("args", "fast"),
    [
        (["--version"], True),
        (["eval", "--format", "json", "a=3; b=a+a"], True),
        (["eval", "a=3; b=a+a"], True),
        (["eval", "--precision", "3", "a=3; b=a+a"], False),
    ],
    ids=["version", "json", "table", "other-option"],
)
def test_console_script_imports(args: list[str], fast: bool) -> None:
    """The installed `autodiff` itself: the hot invocations import neither Click nor typing (nor, as ever, lark)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run([str(_installed_script()), *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "autodiff_cli" in imported
    assert ("click" not in imported) == fast
    assert "lark" not in imported
    if fast:  # on a pipe even the table is plain text: no Rich
        assert not {"typing", "rich", "numpy", "sympy"} & imported
