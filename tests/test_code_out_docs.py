"""docs/code-out.md: every console example is the command's real output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.cli import cli

PAGE = Path(__file__).resolve().parent.parent / "docs" / "code-out.md"


def examples() -> list[tuple[str, str]]:
    """(command line, expected stdout) for each `$ autodiff ...` line of a console block."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S):
        for part in re.split(r"^(?=\$ )", block, flags=re.M):
            if part.startswith("$ autodiff "):
                command, _, output = part.partition("\n")
                found.append((command[2:], output))
    return found


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c for c, _ in examples()])
def test_console_example(command: str, expected: str) -> None:
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"})
    result = runner.invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected
