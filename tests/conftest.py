"""Fixtures every test directory shares: the command through Click's CliRunner, a headless browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff_cli.interface.cli import cli
from tests.support import chromium

# ---------------------------------------------------------------- fixtures


@pytest.fixture
def run():
    """Invoke `autodiff ARGS...` with a pinned width and no colour; return the Result."""
    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a module (Playwright driving the system's browser; nothing downloaded)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install chromium; .ci/run installs it as root)")
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Exception as error:  # a browser that will not start is an environment problem
            pytest.skip(f"Chromium at {executable} did not start: {error}")
        yield launched
        launched.close()


@pytest.fixture
def artefacts(tmp_path) -> Path:
    """Where screenshots go: $AUTODIFF_ARTIFACTS when set (CI keeps them), else pytest's tmp dir."""
    folder = Path(os.environ.get("AUTODIFF_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
