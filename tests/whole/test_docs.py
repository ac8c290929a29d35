"""The documentation's console examples are real: each `$ ...` line is run and its stdout compared.

Every ```console block of README.md and docs/*.md is a list of `$ command`
lines, each followed by the exact stdout it prints (piped, plain, COLUMNS=80,
from the repository root so `examples/...` resolve).  A command with a pipe or
a redirection runs through bash; any other is split like a shell would and run
directly.  Trailing whitespace is ignored; nothing else is.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli
from autodiff_cli.render import FORMATS
from tests.support import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = str(Path(sys.executable).parent)
SHELL_OPERATORS = {"|", "||", "&&", ";", "<", ">", ">>", "2>&1", "&", "<<<"}


class Example(NamedTuple):
    document: str
    line: int
    command: str
    expected: str


def console_examples() -> list[Example]:
    examples: list[Example] = []
    for document in DOCUMENTS:
        command: tuple[int, str] | None = None
        expected: list[str] = []
        fence = ""  # the block's fence: ```` around output that itself holds ```
        lines = document.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not fence:
                opening = re.fullmatch(r"(`{3,})console", line.strip())
                fence = opening.group(1) if opening else ""
                continue
            if line.startswith("$ ") or line.strip() == fence:
                if command is not None:
                    examples.append(Example(document.name, command[0], command[1], "\n".join(expected)))
                command, expected = None, []
                if line.strip() == fence:
                    fence = ""
                else:
                    command = (number, line[2:])
                continue
            expected.append(line)
    return examples


EXAMPLES = console_examples()


def shell_words(command: str) -> list[str] | None:
    """The command split as a shell would, or None when it needs a shell (a pipe, a redirection)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    return None if any(word in SHELL_OPERATORS or word.startswith((">", "<", "|")) for word in words) else shlex.split(command)


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines()).rstrip("\n")


def test_the_documents_have_examples() -> None:
    assert len(EXAMPLES) >= 10
    assert {example.document for example in EXAMPLES} >= {"README.md", "cli.md"}


@pytest.mark.e2e
@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.document}:{e.line}" for e in EXAMPLES])
def test_console_example_prints_what_the_document_shows(example: Example) -> None:
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("AUTODIFF_PROGRESS_DELAY", None)
    words = shell_words(example.command)
    argv = ["bash", "-c", "set -o pipefail; " + example.command] if words is None else words
    if words is not None and words[0] == "autodiff":
        argv = [os.path.join(BIN, "autodiff"), *words[1:]]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert normalized(done.stdout) == normalized(example.expected), f"{example.document}:{example.line}: $ {example.command}"


def commands() -> list[tuple[str, ...]]:
    return [("eval",), ("run",)]


@pytest.mark.parametrize("command", commands(), ids=lambda command: " ".join(command))
def test_help_lists_every_format(command: tuple[str, ...]) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    listed = re.search(r"-f, --format \[([^\]]+)\]", flat)
    assert listed is not None, flat
    assert listed.group(1).split("|") == list(FORMATS)
    for name in FORMATS:
        assert f" {name}" in flat.split("--format", 1)[1], name


def eval_options() -> list[str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["eval", "--help"])
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", result.stdout)))


@pytest.mark.parametrize("option", eval_options())
def test_readme_mentions_every_option_of_eval(option: str) -> None:
    assert option in (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_cli_mentions_every_option_of_eval() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert [option for option in eval_options() if option not in reference] == []


@pytest.mark.e2e
def test_top_level_help_shows_options_with_piped_stdin_and_they_work() -> None:
    help_text = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--help"]).stdout
    assert "autodiff -f json < examples/seed.ad" in help_text
    done = subprocess.run(
        [os.path.join(BIN, "autodiff"), "-f", "json", "-p", "3"],
        input=(ROOT / "examples" / "seed.ad").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith('{"output": "f"') and done.stdout.count("\n") == 1
