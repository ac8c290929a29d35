"""The progress bar: on stderr, only on a terminal, only for a run longer than its delay."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)


def _chain(path, n: int) -> None:
    lines = ["x0 = 0.5"] + [f"x{i} = x{i - 1} * 0.999 + tanh(x{i - 1}) * 0.001" for i in range(1, n)]
    path.write_text("\n".join(lines) + "\n")


def _in_terminal(program, delay: str) -> str:
    """Run `autodiff run -f json PROGRAM > /dev/null` with stderr on a pseudo-terminal."""
    command = f"{shlex.quote(sys.executable)} -m autodiff_cli run -f json {shlex.quote(str(program))} > /dev/null"
    env = {**os.environ, "AUTODIFF_PROGRESS_DELAY": delay, "COLUMNS": "100"}
    child = pexpect.spawn("/bin/sh", ["-c", command], env=env, timeout=60, encoding="utf-8")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.before


def test_a_long_run_on_a_terminal_shows_a_bar_on_stderr(tmp_path) -> None:
    program = tmp_path / "chain.ad"
    _chain(program, 5000)
    shown = _in_terminal(program, "0")
    assert "evaluating" in shown and "%" in shown


def test_a_short_run_shows_nothing(tmp_path) -> None:
    program = tmp_path / "small.ad"
    _chain(program, 50)
    assert "evaluating" not in _in_terminal(program, "1")


def test_a_pipe_never_sees_the_bar(tmp_path) -> None:
    program = tmp_path / "chain.ad"
    _chain(program, 5000)
    env = {**os.environ, "AUTODIFF_PROGRESS_DELAY": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "autodiff_cli", "run", "-f", "json", str(program)], capture_output=True, env=env
    )
    assert done.returncode == 0 and done.stderr == b""
