"""`:why`, `:compare` and `:quiz` in the REPL: the Session over a stream, and a real terminal."""

from __future__ import annotations

import io
import os
import sys
import time

import pytest

from autodiff_cli.interface.repl import Session

SEED = ["a = -2", "b = 3", "d = a*b", "e = a+b", "f = d*e"]


def drive(lines: list[str]) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    Session(out, err).run_stream(line + "\n" for line in lines)
    return out.getvalue(), err.getvalue()


def test_why_and_compare() -> None:
    out, err = drive([*SEED, ":why b", ":compare no-reset", ":why", ":why zz", ":compare bogus"])
    assert "b.grad = -8\n" in out and "via e = a+b" in out and "via d = a*b" in out
    assert "gradients of f under the classic mistakes" in out and "no-reset" in out and "overwrite" not in out
    assert "usage: :why NAME" in err and "no name 'zz'" in err and "unknown mistake 'bogus'" in err


def test_quiz_takes_its_answers_from_the_next_lines() -> None:
    # f = d*e with d = a*b, e = a+b: df/de = d = -6, df/dd = e = 1 (by hand from the values).
    out, _ = drive([*SEED, ":quiz", "-6", "2", "-16/2", "-3", ":vars"])
    assert "e.grad = ? -6\n  right" in out
    assert "d.grad = ? 2\n  not quite: d.grad = 1" in out
    assert "score: 3/4" in out
    assert out.rstrip().endswith("f = -6")  # the session goes on after the quiz


def test_quiz_ends_at_the_end_of_input() -> None:
    out, _ = drive([*SEED, ":quiz", "-6"])
    assert "score: 1/4 (stopped after 1 of 4)" in out


def test_teaching_commands_are_in_help() -> None:
    out, _ = drive([":help"])
    assert ":why NAME" in out and ":compare [MISTAKES]" in out and ":quiz" in out


pexpect = pytest.importorskip("pexpect")
PROMPT = "autodiff>"


@pytest.mark.e2e
def test_terminal_quiz_completion_and_ctrl_c(tmp_path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=10, encoding="utf-8")
    child.expect(PROMPT)
    child.sendline("alpha = 3; beta = alpha * alpha")
    child.expect("beta = 9")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.send(":why al\t")  # Tab completes a name after :why
    child.sendline("")
    child.expect(r"alpha\.grad = 6")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.send(":compare no-r\t")  # and a mistake after :compare
    child.sendline("")
    child.expect(r"alpha kept 6 from the first backward\(\)")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.sendline(":quiz")
    child.expect(r"alpha\.grad = \? ")
    time.sleep(0.2)
    child.sendline("12/2")
    child.expect("right")
    child.expect("score: 1/1")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.sendline(":quiz")
    child.expect(r"alpha\.grad = \? ")
    time.sleep(0.2)
    child.sendcontrol("c")
    child.expect("quiz stopped")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.sendline(":quiz")
    child.expect(r"alpha\.grad = \? ")
    time.sleep(0.2)
    child.sendcontrol("d")
    child.expect(r"score: 0/1 \(stopped after 0 of 1\)")
    child.expect(PROMPT)
    time.sleep(0.2)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
