"""docs/teaching.md: every `$ autodiff ...` line of a console block prints exactly what the page shows."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "teaching.md"


def examples() -> list[tuple[str, str]]:
    """(command, expected stdout) for each `$ autodiff` line of each ```console block."""
    found: list[tuple[str, str]] = []
    fence = ""  # the fence of the console block we are in (```` around output that holds ```)
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if not fence:
            if line.startswith("```") and line.endswith("console"):
                fence = line[: -len("console")]
            continue
        if line == fence:
            fence = ""
            continue
        if line.startswith("$ autodiff "):
            found.append((line[2:], ""))
        elif found:
            command, expected = found[-1]
            found[-1] = (command, expected + line + "\n")
    return found


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[command[:60] for command, _ in examples()])
def test_console_example(command: str, expected: str) -> None:
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "autodiff_cli", *shlex.split(command)[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == expected


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 8
