"""Fixtures every test directory shares (the command through Click's CliRunner, a headless browser),
and the check that keeps the `e2e` marker true: a test that starts a process itself is marked e2e."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import autodiff_cli
from autodiff_cli.interface.cli import cli
from tests.support import chromium

# ---------------------------------------------------------------- the e2e marker
#
# `python -m pytest -m "not e2e"` is the inner loop: everything in process.  A test that starts a
# process of its own (a real `autodiff`, a pseudo-terminal, a browser, a notebook kernel, a compiler,
# pdflatex, bash, an emitted module in a fresh interpreter) is marked e2e.  Every start of a process
# while an unmarked test runs is caught here, by the interpreter's audit events, so a new test that
# forgets the marker fails at once.  The processes autodiff starts itself (Graphviz's `dot`, the
# SymPy child of --simplify) are part of what an in-process test tests, and are let through.

#: Audit events raised before a process starts (docs.python.org/3/library/audit_events.html).
_STARTS = frozenset({"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system"})


def _folders(module_file: str) -> tuple[str, ...]:
    """The folder of a module, as imported and as resolved (an installed package runs from site-packages)."""
    return tuple({os.path.dirname(module_file) + os.sep, os.path.dirname(os.path.realpath(module_file)) + os.sep})


_PACKAGE = _folders(autodiff_cli.__file__)
_TESTS = _folders(__file__)
_RUNNING: list[pytest.Item] = []


def _started_by_autodiff(frame) -> bool:
    """Whether the nearest frame of ours is autodiff's (its own child) rather than a test's."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_PACKAGE):
            return True
        if name.startswith(_TESTS):
            return False
        frame = frame.f_back
    return False  # no frame of ours: a library's own thread or greenlet, driven by the test (Playwright)


def _audit(event: str, args: tuple) -> None:
    if event not in _STARTS or not _RUNNING:
        return
    item = _RUNNING[-1]
    if item.get_closest_marker("e2e") is None and not _started_by_autodiff(sys._getframe(1)):
        what = args[1] if event == "subprocess.Popen" else args
        pytest.fail(f"{item.nodeid} starts a process ({event}: {what!r}) but is not marked e2e (tests/README.md)", pytrace=False)


sys.addaudithook(_audit)  # an audit hook cannot be removed; outside a test it does nothing


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """The test running now, for the audit hook: its setup (module fixtures included), call and teardown."""
    _RUNNING.append(item)
    try:
        yield
    finally:
        _RUNNING.pop()


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
