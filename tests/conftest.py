"""Shared helpers: run the real command through Click's CliRunner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli


@pytest.fixture
def run():
    """Invoke `autodiff ARGS...` with a pinned width and no colour; return the Result."""
    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke
