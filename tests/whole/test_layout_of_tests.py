"""The tests' own layout (tests/README.md): one directory per layer, no test file imports another, and the
`e2e` marker is on every test that starts a process of its own.

What test files share lives in tests/support.py (and the references tests/oracle.py,
tests/sweep_bound.py, tests/json_reference.py) or in tests/conftest.py; a test file
that imported another would run that file's tests' setup at import and tie the two
together, so each file here is parsed and its imports are read.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

TESTS = ROOT / "tests"
PACKAGE = ROOT / "autodiff_cli"
#: The layers of docs/architecture.md, each a directory of tests, and the suites that cross them.
LAYERS = ["base", "core", "language", "analyses", "report", "render", "interface"]
DIRECTORIES = [*LAYERS, "whole"]
PYTHON_FILES = sorted(TESTS.rglob("*.py"))


def imported_modules(tree: ast.Module) -> list[str]:
    """Every module an import names, anywhere in the file (deferred imports inside functions too)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # from tests.x import test_y
    return names


def names_a_test_file(module: str) -> bool:
    return module.rsplit(".", 1)[-1].startswith("test_")


def test_the_layout_check_sees_every_file() -> None:
    assert len(PYTHON_FILES) > 50 and (TESTS / "whole" / "test_layout_of_tests.py") in PYTHON_FILES


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda path: str(path.relative_to(TESTS)))
def test_no_file_imports_a_test_file(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [name for name in imported_modules(tree) if names_a_test_file(name)]
    assert not bad, f"{path.relative_to(ROOT)} imports a test file: {bad}; move what it shares to tests/support.py"


def test_the_check_catches_each_way_of_importing_a_test_file() -> None:
    for text in ("from tests.core.test_ops import UNARY", "from .test_cli import x", "from tests.core import test_ops",
                 "import tests.render.test_emit", "def f():\n    from ..interface.test_repl import drive"):
        names = imported_modules(ast.parse(text))
        assert any(names_a_test_file(name) for name in names), text
    assert not any(names_a_test_file(name) for name in imported_modules(ast.parse("from . import support")))


def test_every_test_file_is_in_a_layer_directory() -> None:
    """tests/ mirrors autodiff_cli/: a test file sits in the directory of the layer it mainly tests."""
    stray = [str(path.relative_to(TESTS)) for path in TESTS.rglob("test_*.py") if path.parent.name not in DIRECTORIES
             or path.parent.parent != TESTS]
    assert not stray, f"test files outside tests/<layer>/ (tests/README.md): {stray}"


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_each_directory_is_a_package(directory: str) -> None:
    """An __init__.py in each, so two files of one name in two layers are two modules, and `tests.support` imports."""
    assert (TESTS / directory / "__init__.py").is_file()


def test_the_directories_are_the_packages_layers() -> None:
    """A layer added to autodiff_cli/ (or renamed) gets its directory of tests here."""
    layers = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()} | {"report"}
    assert layers == set(LAYERS)


def test_an_unmarked_test_that_starts_a_process_fails() -> None:
    """conftest.py's audit hook stops it before the process starts, naming the marker."""
    with pytest.raises(pytest.fail.Exception, match="not marked e2e"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.e2e
def test_a_marked_test_starts_processes() -> None:
    assert subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True).stdout == "42\n"


def test_the_processes_autodiff_starts_itself_are_part_of_an_in_process_test(run) -> None:
    """--simplify asks SymPy in a child process of autodiff's: an in-process test of it needs no marker."""
    pytest.importorskip("sympy")
    result = run("eval", "--simplify", "x = 2; y = x * x * x")
    assert result.exit_code == 0 and "3*x**2" in result.stdout.replace(" ", ""), result.stdout
