"""Every kind of bad program: the message, the location, the caret, exit code 1, no traceback."""

from __future__ import annotations

import pytest

ERRORS = [
    # (program, message, "LINE:COL", the source line shown, caret line under it)
    ("a = 1\nb = 0\nc = a / b", "error: division by zero", "3:9", "c = a / b", "        ^"),
    ("a = 1; c = a / (a - a)", "error: division by zero", "1:16", None, " " * 15 + "^^^^^^^"),
    ("x = log(0)", "error: log of a non-positive number (0)", "1:5", None, "    ^^^^^^"),
    ("x = sqrt(-1)", "error: sqrt of a negative number (-1)", "1:5", None, "    ^^^^^^^^"),
    ("x = exp(1000)", "error: overflow: exp(1000) is too large for a double", "1:5", None, "    ^^^^^^^^^"),
    ("x = 2^2^2^2^2^2", "error: overflow: the power is too large for a double", "1:7", None, "      ^^^^^^^^^"),
    (
        "x = (-8) ** 0.5",
        "error: a negative base (-8) to a non-integer power (0.5) is not real",
        "1:5",
        None,
        "    ^^^^^^^^^^^",
    ),
    ("x = 1e200; y = x * x", "error: overflow: the result of mul is too large for a double", "1:16", None, " " * 15 + "^^^^^"),
    ("x = 0 ** -1", "error: zero cannot be raised to a negative power", "1:5", None, "    ^^^^^^^"),
    ("x = 1e999", "error: number too large for a double", "1:5", None, "    ^^^^^"),
    ("a = 1\n\nx = y + a", "error: unknown name 'y'", "3:5", "x = y + a", "    ^"),
    ("x = foo(1)", "error: unknown function 'foo'", "1:5", None, "    ^^^"),
    ("x = max(1)", "error: max() takes 2 arguments, not 1", "1:5", None, "    ^^^^^^"),
    ("x = exp(1, 2)", "error: exp() takes 1 argument, not 2", "1:5", None, "    ^^^^^^^^^"),
    ("exp = 3", "error: cannot assign to 'exp': it is a built-in function", "1:1", None, "^^^"),
    ("x = (1 + 2", "error: the program ends in the middle of an expression", "1:10", None, "         ^"),
    ("x = 1)", "error: unexpected ')'", "1:6", None, "     ^"),
    ("x = 1 $ 2", "error: unexpected character '$'", "1:7", None, "      ^"),
]
IDS = [
    "division-by-zero",
    "division-by-zero-expression",
    "log-0",
    "sqrt-negative",
    "exp-overflow",
    "power-tower-overflow",
    "negative-base-fractional-power",
    "product-overflow",
    "zero-to-negative-power",
    "literal-too-large",
    "unknown-name",
    "unknown-function",
    "too-few-arguments",
    "too-many-arguments",
    "assign-to-function",
    "unclosed-paren",
    "stray-close-paren",
    "bad-character",
]


@pytest.mark.parametrize(("program", "message", "where", "shown", "caret"), ERRORS, ids=IDS)
def test_error_report(run, program: str, message: str, where: str, shown: str | None, caret: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 1
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert err.splitlines()[0].startswith(message)
    assert f" --> <eval>:{where}" in err
    line = int(where.split(":")[0])
    text = shown if shown is not None else program.splitlines()[line - 1]
    assert f"{line} | {text}" in err
    gutter = " " * len(str(line)) + " | "
    carets = [row for row in err.splitlines() if row.startswith(gutter) and "^" in row]
    assert carets and carets[0].startswith(gutter + caret)


def test_library_raises_one_exception_family() -> None:
    import autodiff_cli
    from autodiff_cli.base.errors import ProgramError

    for program in [p for p, *_ in ERRORS]:
        with pytest.raises(ProgramError):
            autodiff_cli.evaluate(program)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"a = \xff\xfe", "not valid UTF-8", id="invalid-utf8"),
        pytest.param(b"a = 1\x00", "NUL byte", id="nul-byte"),
    ],
)
def test_bad_stdin(run, data: bytes, message: str) -> None:
    result = run("eval", input=data)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file(run) -> None:
    result = run("run", "nofile.ad")
    assert result.exit_code == 2
    assert "nofile.ad" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_error_in_a_file_names_the_file(run, tmp_path) -> None:
    path = tmp_path / "prog.ad"
    path.write_text("a = 1\nb = 2\nc = a / (b - b)\n")
    result = run("run", str(path))
    assert result.exit_code == 1
    assert f" --> {path}:3:9" in result.stderr
    assert "3 | c = a / (b - b)" in result.stderr
    assert "  |         ^^^^^^^" in result.stderr


def test_a_very_long_unknown_name_is_cut_in_the_message() -> None:
    from click.testing import CliRunner

    from autodiff_cli.interface.cli import cli

    name = "q" * 10_000
    result = CliRunner().invoke(cli, ["eval", f"a = 1; b = {name} + a"])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("error: unknown name 'qqq") and first.endswith("…'") and len(first) < 100


@pytest.mark.parametrize(
    ("program", "shown", "column", "hint"),
    [
        pytest.param("a = \u0663", "'\u0663'", 5, "digits 0-9", id="arabic-indic-three"),
        pytest.param("\uff11\u0663.5e\u0661", "'\uff11'", 1, "digits 0-9", id="fullwidth-one-then-arabic"),
        pytest.param("a = 1\u0663", "'\u0663'", 6, "digits 0-9", id="after-an-ascii-digit"),
        pytest.param("x\u0663 = 1", "'\u0663'", 2, "digits 0-9", id="in-a-name"),
        pytest.param("\u00e9t\u00e9 = 1", "'\u00e9'", 1, "letters A-Z", id="accented-name"),
    ],
)
def test_only_ascii_digits_make_numbers(run, program: str, shown: str, column: int, hint: str) -> None:
    """Other scripts' digits are not numbers (Python's `\\d` and float() would read them)."""
    result = run("eval", program)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.splitlines()[0] == f"error: unexpected character {shown}"
    assert f" --> <eval>:1:{column}" in result.stderr
    assert hint in result.stderr


ANYTHING_THAT_STARTS_AN_EXPRESSION = "expected '(', '+', '-', '[', a name or a number"
AN_OPERATOR_OR_THE_END = "expected '*', '**', '+', '-', '/' or the end of the statement"
AN_OPERATOR_OR_A_CLOSE = "expected ')', '*', '**', '+', '-' or '/'"


@pytest.mark.parametrize(
    ("program", "message", "hint"),
    [
        pytest.param("u = 1 + * 2", "unexpected '*'", ANYTHING_THAT_STARTS_AN_EXPRESSION, id="operator-after-operator"),
        pytest.param("a = 1; max(a, 2,)", "unexpected ')'", ANYTHING_THAT_STARTS_AN_EXPRESSION, id="trailing-comma"),
        pytest.param("a = 1_000", "unexpected '_000'", AN_OPERATOR_OR_THE_END, id="digit-separator-no-bracket-open"),
        pytest.param(
            "a = 1; b = sin(a)(2)",
            "unexpected '('",
            "expected '*', '**', '+', '-', '/', '[' or the end of the statement",
            id="call-of-a-call-no-bracket-open",
        ),
        pytest.param(
            "a = 1; sin(a)(2)",
            "unexpected '('",
            "expected '*', '**', '+', '-', '/', '=', '[' or the end of the statement",
            id="call-at-statement-start-may-be-a-definition",
        ),
        pytest.param("x = 1 )", "unexpected ')'", AN_OPERATOR_OR_THE_END, id="stray-close-after-reductions"),
        pytest.param("x = (1 2)", "unexpected '2'", AN_OPERATOR_OR_A_CLOSE, id="inside-parentheses"),
        pytest.param("x = max(1 2)", "unexpected '2'", "expected ')', '*', '**', '+', ',', '-' or '/'", id="inside-a-call"),
        pytest.param("x = (1; 2)", "unexpected ';'", AN_OPERATOR_OR_A_CLOSE, id="separator-inside-parentheses"),
        pytest.param("a = 1 +\nb = 2", "unexpected end of line", ANYTHING_THAT_STARTS_AN_EXPRESSION, id="end-of-line"),
        pytest.param(
            "a b",
            "unexpected 'b'",
            "expected '(', '*', '**', '+', '-', '/', '=', '[' or the end of the statement",
            id="name-name",
        ),
        pytest.param("x = (1 +", "the program ends in the middle of an expression", ANYTHING_THAT_STARTS_AN_EXPRESSION, id="end"),
        pytest.param("x = (1", "the program ends in the middle of an expression", AN_OPERATOR_OR_A_CLOSE, id="end-in-group"),
        pytest.param("x = = 1", "unexpected '='", ANYTHING_THAT_STARTS_AN_EXPRESSION, id="double-equals"),
        pytest.param("1 = x", "unexpected '='", AN_OPERATOR_OR_THE_END, id="assign-to-a-number"),
    ],
)
def test_hints_name_only_what_may_come_next(run, program: str, message: str, hint: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {message}"
    assert lines[-1] == f"  = help: {hint}"


UNDERFLOW = "warning: the literal {} underflowed to 0"


@pytest.mark.parametrize(
    ("program", "literal", "error"),
    [
        pytest.param(
            "a = 1e-400; b = log(a)", "1e-400", "error: log of a non-positive number (0: the literal 1e-400 underflowed to 0)",
            id="log-of-an-underflowed-input",
        ),
        pytest.param(
            "a = -1e-400; b = log(a)", "-1e-400",
            "error: log of a non-positive number (-0: the literal -1e-400 underflowed to 0)", id="negative-literal",
        ),
        pytest.param(
            "a = 2; b = a / 3e-330", "3e-330", "error: division by zero (the literal 3e-330 underflowed to 0)",
            id="divide-by-an-underflowed-constant",
        ),
        pytest.param("a = 2; b = a * 1.5e-999", "1.5e-999", None, id="warning-only"),
    ],
)
def test_a_literal_that_underflows_is_named(run, program: str, literal: str, error: str | None) -> None:
    result = run("eval", program)
    lines = result.stderr.splitlines()
    assert lines[0] == UNDERFLOW.format(literal)
    column = program.index(literal) + 1
    assert lines[1] == f" --> <eval>:1:{column}"
    assert lines[4] == "  | " + " " * (column - 1) + "^" * len(literal)
    if error is None:
        assert result.exit_code == 0 and "output" in result.stdout
    else:
        assert result.exit_code == 1 and result.stdout == ""
        assert error in lines


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("a = 0e-400; a * 2", id="zero-written-as-zero"),
        pytest.param("a = 0.000e-999; a * 2", id="zeros-with-exponent"),
        pytest.param("a = 5e-324; a * 2", id="smallest-subnormal-is-not-zero"),
    ],
)
def test_no_underflow_warning_for_a_literal_that_means_it(run, program: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_underflow_warning_keeps_json_on_stdout(run) -> None:
    import json

    result = run("eval", "-f", "json", "a = 3; b = a * 1e-400")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["value"] == 0.0
    assert result.stderr.startswith(UNDERFLOW.format("1e-400"))


@pytest.mark.parametrize(
    ("program", "shown", "caret"),
    [
        pytest.param("a\t=\t1;\tb\t=\ta\t/\t(a\t-\ta)", "a   =   1;  b   =   a   /   (a  -   a)", " " * 28 + "^" * 10, id="tabs"),
        pytest.param("\tx = 1 $", "    x = 1 $", " " * 10 + "^", id="leading-tab"),
        pytest.param("ab\tc = 1", "ab  c = 1", " " * 4 + "^", id="tab-to-the-next-stop"),
        pytest.param("a = 1\rb = 2", "a = 1 b = 2", " " * 6 + "^", id="bare-carriage-return"),
        pytest.param("a = 1\r\nb = $\r\n", "b = $", " " * 4 + "^", id="crlf-line-end"),
        pytest.param("q\x01 = 1", "q\N{REPLACEMENT CHARACTER} = 1", " ^", id="control-character-replaced"),
        pytest.param("\tq\x7f = 1", "    q\N{REPLACEMENT CHARACTER} = 1", " " * 5 + "^", id="tab-then-delete"),
    ],
)
def test_excerpt_shows_blanks_as_blanks(run, program: str, shown: str, caret: str) -> None:
    """No tab or carriage return reaches the terminal from an excerpt, and the caret stays under its token."""
    result = run("eval", program)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    number = lines[1].rsplit(":", 2)[1]
    gutter = " " * len(number)
    excerpt = lines.index(f"{gutter} |") + 1
    assert lines[excerpt] == f"{number} | {shown}"
    assert lines[excerpt + 1] == f"{gutter} | {caret}"
    assert "\t" not in result.stderr and "\r" not in result.stderr


def test_underflow_warnings_are_capped(run) -> None:
    program = "a = 1; b = " + " + ".join(["a * 1e-400"] * 25) + "; c = a * 0." + "0" * 1000 + "1"
    result = run("eval", program)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert sum(line.startswith("warning: the literal 1e-400 underflowed") for line in lines) == 10
    assert lines[-1] == "warning: 16 more like these"
    assert len(result.stderr) < 5000


OVERFLOW = "overflow: the result of {} is too large for a double"


@pytest.mark.parametrize(
    ("program", "message", "caret"),
    [
        pytest.param("x = asin(1.5)", "asin of a number outside [-1, 1] (1.5)", "    ^^^^^^^^^", id="asin-outside"),
        pytest.param("x = acos(-2)", "acos of a number outside [-1, 1] (-2)", "    ^^^^^^^^", id="acos-outside"),
        pytest.param("x = log2(0)", "log2 of a non-positive number (0)", "    ^^^^^^^", id="log2-of-0"),
        pytest.param("x = log10(-1)", "log10 of a non-positive number (-1)", "    ^^^^^^^^^", id="log10-negative"),
        pytest.param("x = log1p(-1)", "log1p of a number <= -1 (-1)", "    ^^^^^^^^^", id="log1p-of-minus-1"),
        pytest.param("x = sinh(1000)", OVERFLOW.format("sinh"), "    ^^^^^^^^^^", id="sinh-overflow"),
        pytest.param("x = expm1(800)", OVERFLOW.format("expm1"), "    ^^^^^^^^^^", id="expm1-overflow"),
        pytest.param(
            "x = clamp(1, 2, 0)", "clamp's lower bound (2) is above its upper bound (0)", "    ^^^^^^^^^^^^^^", id="clamp-bounds"
        ),
        pytest.param("x = sum()", "sum() takes at least 1 argument, not 0", "    ^^^^^", id="sum-of-nothing"),
        pytest.param("x = clamp(1, 2)", "clamp() takes 3 arguments, not 2", "    ^^^^^^^^^^^", id="clamp-two-arguments"),
        pytest.param("x = atan2(1)", "atan2() takes 2 arguments, not 1", "    ^^^^^^^^", id="atan2-one-argument"),
    ],
)
def test_new_operations_keep_the_numeric_policy(run, program: str, message: str, caret: str) -> None:
    result = run("eval", program)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {message}"
    assert lines[4] == f"  | {caret}"
