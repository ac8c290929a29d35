"""Shell completion through Click's own machinery, in the real `autodiff` command and a real bash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)

BIN = Path(sys.executable).parent
AUTODIFF = shutil.which("autodiff", path=str(BIN)) or "autodiff"


def complete(shell: str, words: str, tmp_path: Path) -> list[str]:
    """What `autodiff` answers a shell asking to complete the last of `words` (Click's protocol)."""
    env = dict(os.environ, _AUTODIFF_COMPLETE=f"{shell}_complete", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
    done = subprocess.run([AUTODIFF], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        pytest.param("autodiff run lo", ["file,lo"], id="run-file"),
        pytest.param("autodiff run a.ad lo", ["file,lo"], id="run-second-file"),
        pytest.param("autodiff eval --render gr", ["file,gr"], id="render-file"),
        pytest.param("autodiff ru", ["plain,run"], id="command-name"),
    ],
)
def test_bash_protocol_offers_files_for_file_arguments(tmp_path: Path, words: str, expected: list[str]) -> None:
    assert complete("bash", words, tmp_path) == expected


def test_zsh_protocol_offers_files(tmp_path: Path) -> None:
    assert complete("zsh", "autodiff run lo", tmp_path)[:2] == ["file", "lo"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_completion_script(shell: str, tmp_path: Path) -> None:
    env = dict(os.environ, _AUTODIFF_COMPLETE=f"{shell}_source")
    done = subprocess.run([AUTODIFF], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and "_AUTODIFF_COMPLETE" in done.stdout


pexpect = pytest.importorskip("pexpect")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_tab_in_bash_completes_a_program_file(tmp_path: Path) -> None:
    (tmp_path / "lonely_program.ad").write_text("a = 1\n")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", PS1="$ ", TERM="dumb", HOME=str(tmp_path))
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, cwd=str(tmp_path), timeout=30, encoding="utf-8")
    shell.sendline('eval "$(_AUTODIFF_COMPLETE=bash_source autodiff)" && echo READY')
    shell.expect("READY")
    time.sleep(0.2)
    shell.send("autodiff run lo\t")
    shell.expect("lonely_program.ad")
    shell.sendline("")
    shell.expect(r"a \(output\)")  # the file ran: its table
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
