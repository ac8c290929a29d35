"""Every kind of wrong program ends in one clear error with its place, never a traceback."""

from __future__ import annotations

import pytest

CASES = [
    # (program, message, line:col, caret line)
    ("a = 1; b = 0\nc = a / (b - b)", "division by zero", "2:9", "  |         ^^^^^^^"),
    ("x = 0; log(x)", "log of a non-positive number (0)", "1:8", "  |        ^^^^^^"),
    ("sqrt(-1)", "sqrt of a negative number (-1)", "1:1", "  | ^^^^^^^^"),
    ("a = 1\nb = exp(1000) * a", "overflow: exp(1000) is too large for a double", "2:5", "  |     ^^^^^^^^^"),
    ("(-8) ** 0.5", "a negative base (-8) to a non-integer power (0.5) is not real", "1:1", "  | ^^^^^^^^^^^"),
    ("0 ** -1", "zero cannot be raised to a negative power", "1:1", "  | ^^^^^^^"),
    ("2^2^2^2^2^2", "overflow", "1:3", "  |   ^^^^^^^^^"),
    ("a = 1e999", "number too large for a double", "1:5", "  |     ^^^^^"),
    ("a = 1; b = a + c", "unknown name 'c'", "1:16", "  |                ^"),
    ("a = 1; sine(a)", "unknown function 'sine'", "1:8", "  |        ^^^^"),
    ("a = 1; max(a)", "max() takes 2 arguments, not 1", "1:8", "  |        ^^^^^^"),
    ("exp = 2", "cannot assign to 'exp': it is a built-in function", "1:1", "  | ^^^"),
    ("a = 1; b = exp + a", "'exp' is a function, not a value", "1:12", "  |            ^^^"),
    ("a = 1; a(2)", "'a' is a value, not a function", "1:8", "  |        ^"),
    ("a = (1 + 2", "the program ends in the middle of an expression", "1:10", None),
    ("a = 1 )", "unexpected ')'", "1:7", "  |       ^"),
    ("a = 1 $ 2", "unexpected character '$'", "1:7", "  |       ^"),
    ("a = = 1", "unexpected '='", "1:5", "  |     ^"),
]


@pytest.mark.parametrize(("program", "message", "place", "caret"), CASES, ids=[case[1][:40] for case in CASES])
def test_program_errors(run, program: str, message: str, place: str, caret: str | None) -> None:
    result = run("eval", program)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: {message}")
    assert lines[1] == f" --> <eval>:{place}"
    if caret is not None:
        assert caret in lines
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"a = \xff\xfe", "not valid UTF-8", id="invalid-utf8"),
        pytest.param(b"a = 1\x00", "binary content", id="nul-byte"),
        pytest.param(b"\xed\xa0\x80 = 1", "not valid UTF-8", id="lone-surrogate"),
    ],
)
def test_bad_bytes_on_stdin(run, data: bytes, message: str) -> None:
    result = run("eval", input=data)
    assert result.exit_code == 1
    assert message in result.stderr and "<stdin>" in result.stderr


def test_bom_and_crlf_are_accepted(run) -> None:
    result = run("eval", input="\ufeffa = 3\r\nb = a + a\r\n".encode())
    assert result.exit_code == 0 and "topological order: a → b" in result.stdout


@pytest.mark.parametrize("path", ["no/such/file.ad", "."], ids=["missing", "directory"])
def test_unopenable_files(run, path: str) -> None:
    result = run("run", path)
    assert result.exit_code == 2
    assert path in result.stderr and "Traceback" not in result.stderr


def test_long_line_is_windowed(run) -> None:
    program = "a = 1; " + "a + " * 2000 + "b"
    result = run("eval", program)
    assert result.exit_code == 1
    assert all(len(line) < 200 for line in result.stderr.splitlines())
    assert "unknown name 'b'" in result.stderr
