"""The REPL: the Session core driven by lines, a real pipe, and a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import pytest

from autodiff_cli.interface.repl import Session
from tests.support import PROMPT, drive, quit_, ready, spawn


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


@pytest.mark.e2e
def test_pipe_into_autodiff_repl() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autodiff_cli", "repl"], input="a=3\nb=a*a\nq = a/0\nb\n",
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0
    assert "b = 9" in done.stdout and "division by zero" in done.stderr


pexpect = pytest.importorskip("pexpect")


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
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


# -- a failed line or :load leaves nothing behind; commands check their arguments


def snapshot(session: Session) -> tuple[int, dict[str, float], str]:
    """What `:table` and `:vars` depend on: the node count and every name's value, plus :vars' output."""
    out = io.StringIO()
    probe = Session(out, io.StringIO())
    probe.graph = session.graph
    probe.feed(":vars")
    return len(session.graph.nodes), {name: node.data for name, node in session.graph.names.items()}, out.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("c = a * 2 + log(a - 3)", id="domain-error-after-nodes"),
        pytest.param("c = a * 2; d = c / (a - a)", id="second-statement-fails"),
        pytest.param("a = 100; c = nope + 1", id="rebinding-then-unknown-name"),
        pytest.param("c = grad(a * a, a)", id="grad-of-unnamed"),
        pytest.param("c = a *", id="syntax-error"),
    ],
)
def test_failed_statement_leaves_no_partial_nodes(line: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    session.run_stream(["a = 3", "b = a * a"])
    before = snapshot(session)
    table_before = _table_text(session)
    session.feed(line)
    assert "error" in err.getvalue()
    assert snapshot(session) == before
    assert _table_text(session) == table_before
    session.feed("e = b + a")  # and the session goes on, spans and all
    assert "e = 12" in out.getvalue()
    session.feed("f = e / 0")
    assert "1 | f = e / 0" in err.getvalue()


def _table_text(session: Session) -> str:
    saved, session.out = session.out, io.StringIO()
    try:
        session.feed(":table")
        return session.out.getvalue()
    finally:
        session.out = saved


def test_failed_load_is_all_or_nothing(tmp_path) -> None:
    program = tmp_path / "half.ad"
    program.write_text("a = 10\nx = a * 2\ny = log(x - 20)\nz = 1\n")
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    session.run_stream(["a = 3", "b = a * a"])
    before = snapshot(session)
    session.feed(f":load {program}")
    assert "log" in err.getvalue() and "not loaded: the session is as it was" in err.getvalue()
    assert "loaded" not in out.getvalue().replace("not loaded", "")
    assert snapshot(session) == before


def test_load_counts_the_files_names(tmp_path) -> None:
    program = tmp_path / "three.ad"
    program.write_text("x = 2\ny = x * x\nx = 5\nz = x + y\n")
    session, out, err = drive(["a = 1", "b = 2", "c = 3", "d = 4", f":load {program}"])
    assert f"loaded {program}: 3 names\n" in out
    assert not err and len(session.names) == 7


@pytest.mark.parametrize("command", ["reset", "vars", "table", "explain", "quit", "help"])
def test_extra_words_after_a_command_are_a_usage_error(command: str) -> None:
    session, out, err = drive(["a = 3", "b = a * a", f":{command} now"])
    assert f"usage: :{command} (it takes no argument, not 'now')" in err
    assert session.names == ["a", "b"] and not session.done  # nothing was done


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(":grad pi", "'pi' is a constant: it has no gradient", id="grad-constant"),
        pytest.param(":grad sin", "'sin' is a function, not a value", id="grad-function"),
        pytest.param(":grad nope", "unknown name 'nope'", id="grad-unknown"),
        pytest.param(":of pi", "'pi' is a constant: it has no gradient", id="of-constant"),
    ],
)
def test_grad_of_what_is_not_a_name(line: str, message: str) -> None:
    _, _, err = drive(["a = 3", "b = a * pi", line])
    assert message in err


def test_precision_command_sets_every_number() -> None:
    _, out, err = drive(["a = 2", "b = sqrt(a)", ":grad a", ":precision 3", "b", ":grad a", ":table", ":precision 0"])
    assert "b = 1.41421\n" in out and "∂b/∂a = 0.353553\n" in out
    assert "precision: 3 significant digits" in out
    after = out[out.index("precision: 3") :]
    assert "1.41\n" in after and "∂b/∂a = 0.354\n" in after
    assert "0.353553" not in after and "1.41421" not in after
    assert "usage: :precision N" in err


def _interrupt_a_long_load(tmp_path, child) -> None:
    big = tmp_path / "big.ad"
    lines = ["x0 = 1"] + [f"x{i} = x{i - 1} * 1.0000001 + 0.5" for i in range(1, 200_000)]
    big.write_text("\n".join(lines) + "\n")
    child.sendline(f":load {big}")
    child.expect("Ctrl-C cancels", timeout=60)
    time.sleep(0.5)  # well inside a load of 200,000 statements
    child.sendcontrol("c")
    child.expect("interrupted: the session is as it was", timeout=120)


@pytest.mark.e2e
def test_ctrl_c_cancels_a_long_load_and_keeps_the_session(tmp_path) -> None:
    child = spawn(tmp_path)
    child.sendline("keep = 7")
    child.expect("keep = 7")
    ready(child)
    _interrupt_a_long_load(tmp_path, child)
    ready(child)
    child.sendline(":vars")
    child.expect("keep = 7")
    ready(child)
    child.sendline("keep * 2")
    child.expect("14")
    child.sendline("x5")  # nothing of the cancelled file is left
    child.expect("unknown name 'x5'")
    quit_(child)


@pytest.mark.e2e
def test_unwritable_history_warns_once_and_goes_on(tmp_path) -> None:
    (tmp_path / "state" / "autodiff" / "history").mkdir(parents=True)  # a directory: no file can be written there
    child = spawn_expecting(tmp_path, "warning: cannot write the history file")
    child.sendline("zeta = 42")
    child.expect("zeta = 42")
    ready(child)
    child.send("\x1b[A")  # in-memory history still recalls the line
    child.sendline("")
    child.expect("zeta = 42")
    quit_(child)
    assert child.before.count("warning") == 0


def spawn_expecting(tmp_path, text: str):
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=30, encoding="utf-8")
    child.expect(text)
    child.expect(PROMPT)
    assert "warning" not in child.before
    return child


@pytest.mark.e2e
def test_load_tab_completes_file_names(tmp_path) -> None:
    (tmp_path / "lonely_program.ad").write_text("w = 6\n")
    child = spawn(tmp_path)
    child.sendline("lo = 1")  # a name starting like the file must not be offered
    child.expect("lo = 1")
    ready(child)
    child.send(f":load {tmp_path}/lonely_pro\t")
    time.sleep(0.3)
    child.sendline("")
    child.expect("loaded .*lonely_program.ad: 1 name")
    child.expect("w = 6")
    ready(child)
    child.send(":load ~/lon\t")  # ~ is the home directory
    time.sleep(0.3)
    child.sendline("")
    child.expect("loaded .*lonely_program.ad: 1 name")
    quit_(child)
