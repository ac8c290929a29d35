"""No escape sequence from a program or a file name reaches the terminal (issue 24's sibling of code injection)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)

ESCAPES = ["\x1b[31m", "\x1b]0;title\x07", "\x9b2J", "\x08\x08", "\x7f"]
CONTROL = set(map(chr, range(0x20))) - {"\n"} | {"\x7f"} | set(map(chr, range(0x80, 0xA0)))


def autodiff(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "autodiff_cli", *args], capture_output=True, cwd=cwd, env=env, timeout=120, check=False
    )


def controls(data: bytes) -> set[str]:
    return {ch for ch in data.decode("utf-8") if ch in CONTROL}


@pytest.mark.parametrize("escape", ESCAPES, ids=repr)
@pytest.mark.parametrize("view", [[], ["--format", "tree"], ["--explain"], ["--why", "x"], ["--check"]], ids=" ".join)
def test_a_comment_inside_a_label_prints_no_control_character(tmp_path: Path, escape: str, view: list[str]) -> None:
    program = tmp_path / "p.ad"
    program.write_text(f"x = 1\ny = (x # {escape}\n + 1) * 2\n", encoding="utf-8")
    done = autodiff("run", *view, str(program), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "x # " in done.stdout.decode()  # the label is there, made visible
    assert not controls(done.stdout) and not controls(done.stderr)


@pytest.mark.parametrize("escape", ESCAPES, ids=repr)
def test_a_file_name_prints_no_control_character(tmp_path: Path, escape: str) -> None:
    named = tmp_path / f"a{escape}b.ad"
    named.write_text("x = 1\ny = x * x\n", encoding="utf-8")
    other = tmp_path / "other.ad"
    other.write_text("x = 2\ny = 1 / (x - x)\n", encoding="utf-8")
    done = autodiff("run", str(named), str(other), cwd=tmp_path)  # headings, and an error in the second
    assert done.returncode == 1
    assert b"==> " in done.stdout and b"division by zero" in done.stderr
    assert not controls(done.stdout) and not controls(done.stderr)
    missing = autodiff("run", str(tmp_path / f"missing{escape}.ad"), cwd=tmp_path)
    assert missing.returncode == 2 and b"no such file" in missing.stderr
    assert not controls(missing.stderr)


def test_an_error_in_a_named_file_shows_the_name_visibly(tmp_path: Path) -> None:
    named = tmp_path / "bad\x1b[2J.ad"
    named.write_text("x = 1\ny = log(x - x)\n", encoding="utf-8")
    done = autodiff("run", str(named), cwd=tmp_path)
    assert done.returncode == 1
    assert "bad\N{REPLACEMENT CHARACTER}[2J.ad:2:" in done.stderr.decode()
