"""Files and pipes through real subprocesses: what a shell user meets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import autodiff_command

pytestmark = pytest.mark.e2e  # every test here starts a real process (tests/README.md)


def autodiff(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*autodiff_command(), *args], input=input, capture_output=True, timeout=60, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def test_printf_into_bare_command() -> None:
    done = autodiff(input=b"a=3\nb=a+a\n")
    assert done.returncode == 0 and "topological order: a → b" in done.stdout


def test_run_dash_reads_stdin() -> None:
    done = autodiff("run", "-f", "json", "-", input=b"a=3\nb=a*a\n")
    document = json.loads(done.stdout)
    assert document["source"] == "-" and document["variables"]["a"]["grad"] == 6.0


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        pytest.param(b"a = 3\r\nb = a + a\r\n", 0, "", id="crlf"),
        pytest.param(b"\xef\xbb\xbfa = 3\nb = a + a\n", 0, "", id="bom"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", 1, "binary content", id="binary"),
        pytest.param(b"a = 3 # caf\xe9\n", 1, "not valid UTF-8", id="latin-1"),
        pytest.param(b"", 0, "nothing to differentiate", id="empty"),
        pytest.param(b"# only a comment\n", 0, "nothing to differentiate", id="only-comments"),
    ],
)
def test_file_contents(tmp_path: Path, content: bytes, code: int, message: str) -> None:
    path = tmp_path / "program.ad"
    path.write_bytes(content)
    done = autodiff("run", str(path))
    assert done.returncode == code
    assert message in done.stderr
    if message and code:
        assert str(path) in done.stderr
    assert "Traceback" not in done.stderr


def test_dev_null_is_an_empty_program() -> None:
    done = autodiff("run", "/dev/null")
    assert done.returncode == 0 and "nothing to differentiate" in done.stderr


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.ad", tmp_path / "bad.ad"
    good.write_text("a = 2; b = a * a\n")
    bad.write_text("a = 2\nb = log(a - 2)\n")
    done = autodiff("run", str(bad), str(good), str(tmp_path / "missing.ad"))
    assert done.returncode == 2
    assert f"==> {good} <==" in done.stdout and "4" in done.stdout
    assert f"--> {bad}:2:5" in done.stderr
    assert "missing.ad: no such file" in done.stderr
