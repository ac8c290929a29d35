"""The REPL: the Session core driven by lines, a real pipe, and a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import pytest

from autodiff_cli.repl import Session


def drive(lines: list[str]) -> tuple[Session, str, str]:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    assert session.run_stream(line + "\n" for line in lines) == 0
    return session, out.getvalue(), err.getvalue()


def test_define_and_use() -> None:
    session, out, err = drive(["a = 3", "b = a * a"])
    assert "a = 3\n" in out and "b = 9\n" in out and not err
    assert session.names == ["a", "b"]


def test_expression_shows_grads() -> None:
    _, out, _ = drive(["a = 3", "b = a * a", "b + a"])
    assert "12\n" in out and "∂/∂a = 7" in out


def test_error_then_recovery_keeps_names() -> None:
    session, out, err = drive(["a = 3", "b = a +* 2", "c = a / (a - a)", "d = a + 1"])
    assert "error:" in err and "division by zero" in err
    assert "^" in err and "1 | c = a / (a - a)" in err
    assert "d = 4" in out and "a" in session.names


def test_multiline_parenthesis() -> None:
    _, out, err = drive(["a = 2", "c = (a +", "  1)"])
    assert "c = 3" in out and not err


def test_load_and_reset(tmp_path) -> None:
    program = tmp_path / "p.ad"
    program.write_text("x = 2\ny = x * x\n")
    session, out, _ = drive([f":load {program}", ":grad x", ":reset", ":vars"])
    assert "y = 4" in out and "∂y/∂x = 4" in out and "no names yet" in out
    assert session.names == []


def test_unknown_command_and_help() -> None:
    _, out, err = drive([":nope", ":help", ":table", "a = 1", ":table", ":quit", "b = 2"])
    assert "unknown command ':nope'" in err and ":grad NAME" in out
    assert "b = 2" not in out


def test_pipe_into_autodiff_repl() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autodiff_cli", "repl"], input="a=3\nb=a*a\nq = a/0\nb\n",
        capture_output=True, text=True, timeout=10,
    )
    assert done.returncode == 0
    assert "b = 9" in done.stdout and "division by zero" in done.stderr


pexpect = pytest.importorskip("pexpect")
PROMPT = "autodiff>"


def spawn(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=5, encoding="utf-8")
    child.expect(PROMPT)
    return child


def ready(child) -> None:
    """Wait for the prompt, then a moment for prompt_toolkit to put the terminal in raw mode."""
    child.expect(PROMPT)
    time.sleep(0.2)


def quit_(child) -> None:
    ready(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_tty_session(tmp_path) -> None:
    program = tmp_path / "p.ad"
    program.write_text("x = 5\n")
    child = spawn(tmp_path)
    child.sendline("alpha = 3")
    child.expect("alpha = 3")
    child.sendline("beta = alpha * alpha")
    child.expect("beta = 9")
    child.sendline("beta + 1")
    child.expect("∂/∂alpha = 6")
    child.sendline("c = beta / (alpha - alpha)")
    child.expect("division by zero")
    child.expect(r"\^")
    child.sendline("alpha + 1")
    child.expect("4")
    ready(child)
    child.send("be\t")  # Tab completes a session name
    child.sendline(" * 2")
    child.expect("18")
    child.sendline("d = (alpha +")
    child.expect(r"\.\.\.>")
    child.sendline("1)")
    child.expect("d = 4")
    child.sendline(f":load {program}")
    child.expect("loaded")
    ready(child)
    child.send("junk junk")
    child.sendcontrol("c")
    child.expect(PROMPT)
    child.sendline(":vars")
    child.expect("x = 5")
    quit_(child)
    assert oct((tmp_path / "state" / "autodiff" / "history").stat().st_mode & 0o777) == "0o600"


def test_history_after_restart(tmp_path) -> None:
    child = spawn(tmp_path)
    child.sendline("zeta = 42")
    child.expect("zeta = 42")
    quit_(child)
    child = spawn(tmp_path)
    time.sleep(0.2)
    child.send("\x1b[A")  # up arrow
    child.sendline("")
    child.expect("zeta = 42")
    quit_(child)


def test_syntax_error_after_earlier_lines_points_into_the_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out=out, err=err)
    session.run_stream(["a = 3", "b = a * 2", "c = a +* b"])
    assert " --> <repl>:1:8" in err.getvalue()
    assert "  |        ^" in err.getvalue()


def test_underflow_warning_points_into_the_line() -> None:
    _, out, err = drive(["a = 1", "b = 1e-400 * a", "c = log(b)"])
    assert "b = 0\n" in out
    assert "warning: the literal 1e-400 underflowed to 0\n --> <repl>:1:5\n" in err
    assert "1 | b = 1e-400 * a\n  |     ^^^^^^\n" in err
    assert "error: log of a non-positive number (0)" in err


def test_tty_functions_complete_and_persist(tmp_path) -> None:
    child = spawn(tmp_path)
    child.sendline("squared(x) = x * x")
    child.expect("defined squared")
    child.sendline("a = 3")
    child.expect("a = 3")
    ready(child)
    child.send("squa\t")  # Tab completes a function of the session
    child.sendline("(a) + 1")
    child.expect("10")
    child.expect("∂/∂a = 6")
    child.sendline(":vars")
    child.expect(r"squared\(x\) = x \* x")
    quit_(child)
