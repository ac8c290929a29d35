"""What the test files share: paths, the command, the operation cases, the outcome checker, the program generator.

Not a test file: the test files import it (and tests/oracle.py), never each other
(tests/whole/test_layout_of_tests.py checks).
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from autodiff_cli.core.ops import OPERATIONS
from autodiff_cli.interface.cli import cli
from autodiff_cli.interface.repl import Session
from tests.oracle import ARGUMENTS, DEFINITIONS, inside

#: The repository's root: README.md, docs/, examples/, benchmarks/.
ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- outcomes

#: The exit codes a run may end with: 0 ok, 1 the program is wrong, 2 the command line is wrong.
DOCUMENTED_EXITS = (0, 1, 2)

_STDERR_KINDS = ("error:", "warning:", "note:")


def undocumented(exit_code: int, stdout: str, stderr: str, exception: BaseException | None = None) -> str | None:
    """Why a run's outcome is not a documented one (a traceback, another exit code, a stray stderr line), or None."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"{type(exception).__name__}: {exception}"
    if exit_code not in DOCUMENTED_EXITS:
        return f"exit code {exit_code}"
    if "Traceback" in stdout or "Traceback" in stderr:
        return "a traceback"
    if exit_code != 0 and not re.search(r"^error: ", stderr, re.M):
        return f"exit {exit_code} without an error line: {stderr[:200]!r}"
    # Every message on stderr is an error, a warning or a note (with its excerpt and help lines).
    for line in stderr.splitlines():
        if line and not (line.startswith(_STDERR_KINDS) or line.startswith((" ", "|")) or line[0].isdigit()):
            return f"a stray line on stderr: {line[:200]!r}"
    return None


def number(value: Any) -> float:
    """A number of a JSON document: the strings "nan", "inf", "-inf" stand for the non-finite ones."""
    if isinstance(value, str):
        return float(value)
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return float(value)


def agree(a: float, b: float, rel: float = 1e-12) -> bool:
    """Equal within `rel` relative, and the same kind of non-finite number (nan with nan, inf with inf)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or a == b


# ---------------------------------------------------------------- the operation cases


class Case(NamedTuple):
    """One operation at one point: the program `INPUTS; g = ...; out = EXPRESSION`.

    `kind` is "ordinary", "kink" (a documented kink or tie: relu at 0, max at a
    tie, clamp at a bound), "edge" (a documented pole or domain edge where the
    program is still right: sqrt'(0) = inf, atan2 at (0, 0)) or "domain" (the
    documented domain says the program is wrong: exit 1 from every view).
    `other` is a second ordinary value of the first input, for `--at` and `--sweep`.
    """

    op: str
    expression: str
    inputs: tuple[tuple[str, float], ...]
    kind: str = "ordinary"
    other: float = 0.3
    taylor_error: bool = False  # documented: the output has no Taylor series in the first input here

    @property
    def id(self) -> str:
        point = ",".join(f"{value!r}" for _, value in self.inputs)
        return f"{self.expression}@{point}"

    def program(self, first: float | None = None) -> str:
        """The program's text, with the first input at `first` when given.

        `g` is a second output with a known gradient (2x for the first input, 1 for the others).
        """
        values = list(self.inputs)
        if first is not None:
            values[0] = (values[0][0], first)
        names = [name for name, _ in values]
        binds = "; ".join(f"{name} = {value!r}" for name, value in values)
        second = " + ".join([f"{names[0]} * {names[0]}", *names[1:]])
        return f"{binds}; g = {second}; out = {self.expression}"

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.inputs]


def _unary(op: str, *points: tuple[float, str], other: float = 0.3, taylor_error_at: tuple[float, ...] = ()) -> list[Case]:
    return [
        Case(op, f"{op}(x)", (("x", x),), kind, other, x in taylor_error_at)
        for x, kind in points
    ]


def _binary(
    op: str,
    expression: str,
    *points: tuple[float, float, str],
    other: float = 0.3,
    taylor_error_at: tuple[tuple[float, float], ...] = (),
) -> list[Case]:
    return [Case(op, expression, (("x", x), ("y", y)), kind, other, (x, y) in taylor_error_at) for x, y, kind in points]


ORDINARY = "ordinary"
KINK = "kink"
EDGE = "edge"
DOMAIN = "domain"


def matrix_cases() -> list[Case]:
    """Every operation of the table at an ordinary point and at each documented kink, pole or domain edge."""
    cases = [
        *_binary("add", "x + y", (0.7, -1.3, ORDINARY)),
        *_binary("sub", "x - y", (0.7, -1.3, ORDINARY)),
        *_binary("mul", "x * y", (0.7, -1.3, ORDINARY), (0.0, -1.3, ORDINARY)),
        *_binary("div", "x / y", (0.7, -1.3, ORDINARY), (0.7, 0.0, DOMAIN)),
        *_binary(
            "pow", "x ** y",
            (1.5, 2.5, ORDINARY),
            (0.0, 2.0, EDGE),  # d/dy is 0 at x == 0
            (0.0, -1.0, DOMAIN),  # zero to a negative power
            (-2.0, 3.0, EDGE),  # a negative base to an integer power: d/dy is nan
            (-2.0, 0.5, DOMAIN),  # a negative base to a non-integer power
            other=1.25,
        ),
        *_binary("pow", "x ^ y", (1.5, -2.0, ORDINARY), other=1.25),
        *_binary("pow", "pow(x, y)", (0.0, 0.0, EDGE), (2.0, 0.5, ORDINARY), other=1.25),
        Case("neg", "-x", (("x", 0.7),)),
        *_unary("exp", (0.7, ORDINARY), (1000.0, DOMAIN)),
        *_unary("log", (0.7, ORDINARY), (0.0, DOMAIN), (-1.0, DOMAIN)),
        *_unary("sqrt", (0.7, ORDINARY), (0.0, EDGE), (-1.0, DOMAIN), taylor_error_at=(0.0,)),
        *_unary("sin", (0.7, ORDINARY)),
        *_unary("cos", (0.7, ORDINARY)),
        *_unary("tan", (0.7, ORDINARY)),
        *_unary("tanh", (0.7, ORDINARY), (-30.0, EDGE)),
        *_unary("sigmoid", (0.7, ORDINARY), (-1000.0, EDGE), (1000.0, EDGE)),
        *_unary("relu", (0.7, ORDINARY), (-0.7, ORDINARY), (0.0, KINK)),
        *_unary("abs", (0.7, ORDINARY), (-0.7, ORDINARY), (0.0, KINK)),
        *_binary("max", "max(x, y)", (0.7, -1.3, ORDINARY), (0.5, 0.5, KINK)),
        *_binary("min", "min(x, y)", (0.7, -1.3, ORDINARY), (0.5, 0.5, KINK)),
        *_unary("asin", (0.7, ORDINARY), (1.0, EDGE), (-1.0, EDGE), (1.5, DOMAIN), other=0.25, taylor_error_at=(1.0, -1.0)),
        *_unary("acos", (0.7, ORDINARY), (1.0, EDGE), (-1.0, EDGE), (-1.5, DOMAIN), other=0.25, taylor_error_at=(1.0, -1.0)),
        *_unary("atan", (0.7, ORDINARY)),
        *_binary(
            "atan2", "atan2(x, y)", (0.7, 1.3, ORDINARY), (0.0, 0.0, EDGE), (0.7, -1.3, ORDINARY), (0.0, -1.3, KINK),
            taylor_error_at=((0.0, 0.0),),
        ),
        *_binary("hypot", "hypot(x, y)", (0.7, 1.3, ORDINARY), (0.0, 0.0, EDGE), taylor_error_at=((0.0, 0.0),)),
        *_unary("sinh", (0.7, ORDINARY), (1000.0, DOMAIN)),
        *_unary("cosh", (0.7, ORDINARY), (-1000.0, DOMAIN)),
        *_unary("log2", (0.7, ORDINARY), (0.0, DOMAIN)),
        *_unary("log10", (0.7, ORDINARY), (-2.0, DOMAIN)),
        *_unary("log1p", (0.7, ORDINARY), (-1.0, DOMAIN), (-0.999, EDGE)),
        *_unary("expm1", (0.7, ORDINARY), (1e-10, EDGE)),
        *_unary("erf", (0.7, ORDINARY), (-8.0, EDGE)),
        *_unary("softplus", (0.7, ORDINARY), (1000.0, EDGE), (-1000.0, EDGE)),
        *_unary("gelu", (0.7, ORDINARY), (0.0, EDGE)),
        *_unary("elu", (0.7, ORDINARY), (-0.7, ORDINARY), (0.0, KINK)),
        Case("leaky_relu", "leaky_relu(x, s)", (("x", 0.7), ("s", 0.1))),
        Case("leaky_relu", "leaky_relu(x, s)", (("x", -0.7), ("s", 0.1))),
        Case("leaky_relu", "leaky_relu(x, s)", (("x", 0.0), ("s", 0.1)), KINK),
        Case("clamp", "clamp(x, lo, hi)", (("x", 0.3), ("lo", -0.5), ("hi", 1.0)), other=0.7),
        Case("clamp", "clamp(x, lo, hi)", (("x", -0.5), ("lo", -0.5), ("hi", 1.0)), KINK, other=0.7),
        Case("clamp", "clamp(x, lo, hi)", (("x", 1.0), ("lo", -0.5), ("hi", 1.0)), KINK, other=0.7),
        Case("clamp", "clamp(x, lo, hi)", (("x", -2.0), ("lo", -0.5), ("hi", 1.0)), other=-1.5),
        Case("clamp", "clamp(x, lo, hi)", (("x", 2.0), ("lo", -0.5), ("hi", 1.0)), other=1.5),
        Case("clamp", "clamp(x, lo, hi)", (("x", 0.0), ("lo", 1.0), ("hi", -1.0)), DOMAIN),
        Case("clamp", "clamp(x, lo, hi)", (("x", 0.0), ("lo", 0.0), ("hi", 0.0)), KINK),
        Case("sum", "sum(x, y, x)", (("x", 0.7), ("y", -1.3))),
        Case("sum", "sum(x)", (("x", 0.7),)),
        Case("prod", "prod(x, y, x)", (("x", 0.7), ("y", -1.3))),
        Case("prod", "prod(x, y, x)", (("x", 0.0), ("y", -1.3)), EDGE),
    ]
    cases += _from_definitions({case.op for case in cases})
    missing = set(OPERATIONS) - {case.op for case in cases}
    assert not missing, f"operations with no case in the matrix (give each a row in tests/oracle.py): {sorted(missing)}"
    return cases


def _from_definitions(known: set[str]) -> list[Case]:
    """An operation the list above does not name, from its row of tests/oracle.py: at its first
    point, and just outside each finite end of its domain (where every view must refuse it)."""
    from tests.oracle import DEFINITIONS

    cases: list[Case] = []
    for op, definition in sorted(DEFINITIONS.items()):
        if op in known:
            continue
        names = sorted(set(re.findall(r"\b[xyz]\b", definition.text)))
        first = definition.points[0]
        others = tuple((name, 0.25 * (index + 1)) for index, name in enumerate(names[1:]))
        cases.append(Case(op, definition.text, (("x", first), *others), ORDINARY, other=definition.points[1]))
        low, high = definition.domain
        if len(names) == 1:
            cases += [Case(op, definition.text, (("x", end),), DOMAIN) for end in (low - 0.5, high + 0.5) if math.isfinite(end)]
    return cases


# ---------------------------------------------------------------- the program generator

#: Literals, ordinary and hostile: zero, signs, forms of the grammar, huge, tiny, underflowing, subnormal.
LITERALS = (
    "0", "1", "2", "3", "0.5", ".5", "1.", "2.5E+4", "1e-3", "0.7", "10", "100", "1e308", "1.7976931348623157e308",
    "5e-324", "1e-400", "0e-400", "1e-310", "1e999", "0.1", "4", "1e15", "9007199254740993", "00", "3.0",
)
#: Values for --at and --sweep's ends (text, as a person types them).
POINTS = ("0", "1", "-1", "0.5", "-2.5", "1e308", "-1e308", "1e-320", "3", "-0", "1e16", "abc", "", "nan", "inf")
_NAMES = ("a", "b", "x", "y", "w1", "x_2", "pi", "e", "out", "_", "sin", "grad", "Z")


class Generator:
    """Programs shaped by the grammar (seeded, so a failure replays): inputs, operators, every function,
    user functions, grad(), nested parentheses, rebinding, comments, and broken text now and then."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        functions = sorted((name, op.arity) for name, op in OPERATIONS.items() if not op.symbol or name == "pow")
        self.functions: list[tuple[str, int]] = functions

    def literal(self) -> str:
        r = self.random
        text = r.choice(LITERALS)
        return "-" + text if r.random() < 0.3 else text

    def expression(self, names: list[str], depth: int, functions: dict[str, int]) -> str:
        r = self.random
        if depth <= 0 or r.random() < 0.25:
            if names and r.random() < 0.75:
                return r.choice(names)
            return r.choice(LITERALS) if r.random() < 0.9 else "pi"
        kind = r.random()
        inner = lambda: self.expression(names, depth - 1, functions)  # noqa: E731
        if kind < 0.35:
            op = r.choice(("+", "-", "*", "/", "**", "^", "*", "+"))
            return f"{inner()} {op} {inner()}"
        if kind < 0.45:
            return f"{r.choice(('-', '+', '--'))}{inner()}"
        if kind < 0.55:
            return f"({inner()})" if r.random() < 0.8 else "(" * 3 + inner() + ")" * 3
        if kind < 0.85:
            name, arity = r.choice(self.functions)
            count = r.randint(1, 4) if arity < 0 else arity
            if r.random() < 0.03:
                count += r.choice((-1, 1))  # a wrong number of arguments
            return f"{name}({', '.join(inner() for _ in range(max(count, 0)))})"
        if kind < 0.93 and functions:
            name, arity = r.choice(sorted(functions.items()))
            return f"{name}({', '.join(inner() for _ in range(arity))})"
        if kind < 0.97 and names and len(names) >= 2:
            return f"grad({r.choice(names)}, {r.choice(names)})"
        if kind < 0.98 and names:
            return f"grad(grad({r.choice(names)}, {r.choice(names)}), {r.choice(names)})"  # grad() needs names: an error
        return inner()

    def program(self) -> str:
        """A small program: a few inputs, a few statements, sometimes a function, a grad(), a comment."""
        r = self.random
        names: list[str] = []
        functions: dict[str, int] = {}
        statements: list[str] = []
        for _ in range(r.randint(1, 3)):
            name = r.choice(_NAMES) if r.random() < 0.1 else r.choice(("a", "b", "x", "y", "w1", "x_2"))
            statements.append(f"{name} = {self.literal() if r.random() < 0.95 else 'pi'}")
            names.append(name)
        for _ in range(r.randint(1, 4) if r.random() < 0.9 else r.randint(5, 12)):
            choice = r.random()
            if choice < 0.12:
                fname = r.choice(("f", "g", "neuron", "h"))
                params = r.sample(("p", "q", "s", "t"), r.randint(1, 3))
                body = self.expression(params, 2, dict(functions))
                statements.append(f"{fname}({', '.join(params)}) = {body}")
                functions[fname] = len(params)
                continue
            target = r.choice(names) if (names and r.random() < 0.15) else r.choice(("c", "d", "e", "f1", "o", "out"))
            expression = self.expression(names, r.randint(1, 3), functions)
            if choice < 0.2 and len(names) >= 1:
                expression = f"grad({r.choice(names)}, {r.choice(names)})"
            elif choice < 0.22 and names:
                expression = r.choice(names)  # an alias of a node
            elif choice < 0.23:
                expression = r.choice(("pi", "-pi", "3", "1e-400", "f", "sin", "grad"))
            if choice > 0.95:
                statements.append(expression)  # a bare expression
            else:
                statements.append(f"{target} = {expression}")
                names.append(target)
        text = ""
        for statement in statements:
            separator = r.choice(("; ", "\n", ";", " ;\n", ";; "))
            if r.random() < 0.08:
                separator = f"  # {r.choice(('note', 'x = 1', '; y', 'ünï'))}\n"
            text += statement + separator
        if r.random() < 0.1:
            text += self.vectors(names)
        if r.random() < 0.08:
            text = self.broken(text)
        return text

    def vectors(self, names: list[str]) -> str:
        """Statements of vectors over the program's names: literals, indexing (in range or not), element-wise
        operations with broadcasting, dot, sum, len, a function of a vector, and sometimes a vector as the output."""
        r = self.random
        pick = lambda: r.choice(names) if names else r.choice(LITERALS)  # noqa: E731
        statements = [f"v = [{pick()}, {pick()}, {r.choice(('1', '2.5', pick()))}]"]
        for _ in range(r.randint(1, 4)):
            statements.append(r.choice((
                f"w = [{pick()}, {pick()}]" if r.random() < 0.5 else f"w = [{pick()}, {pick()}, 3]",
                f"u = v * {pick()} + 1",
                "s = dot(v, w)",
                f"t = sum(v) + v[{r.choice(('0', '1', '2', '5', '-1', '01'))}]",
                "m = tanh(v) - v / 2",
                "n = len(v) * v[0]",
                "f(q) = q * [1, 2, 3]; z = f(v)",
                "v",
            )))
        statements.append(r.choice(("out = sum(v)", f"out = v[0] * {pick()}", "out = dot(v, v)", "out = sum(v * v)")))
        return "; ".join(statements) + "\n"

    def broken(self, text: str) -> str:
        """The text with one mistake: a character dropped, doubled or replaced, or cut short."""
        r = self.random
        if not text:
            return ")"
        at = r.randrange(len(text))
        junk = r.choice((
            "(", ")", ",", "=", "@", "$", "٣", "１", "\t", "\r", "\x00", "é", "**", "#", "1e", "e5", ".", "\\",
            "\u200b", "\x1b[31m", "((((((((((", "x" * 300, "\n\n", "grad(", "f(x) = ", ";", "\ufeff",
        ))
        mistake = r.randrange(4)
        if mistake == 0:
            return text[:at] + text[at + 1 :]
        if mistake == 1:
            return text[:at] + junk + text[at:]
        if mistake == 2:
            return text[:at] + junk + text[at + 1 :]
        return text[:at]

    def names_in(self, text: str) -> list[str]:
        return sorted(set(re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*=", text))) or ["x"]

    def arguments(self, text: str, formats: tuple[str, ...]) -> list[str]:
        """Options for `autodiff eval`, as a command line: a random combination of views, formats and modes."""
        r = self.random
        names = self.names_in(text)
        args: list[str] = []
        weights = [8 if f in ("table", "json") else (1 if f in ("html", "parquet") else 3) for f in formats]
        fmt = r.choices(formats, weights=weights)[0]
        if fmt != "table" or r.random() < 0.3:
            args += ["--format", fmt]
        name = lambda: r.choice(names) if r.random() < 0.9 else r.choice(("nope", "pi", "sin", "x@1", "a@2", "", "f", "3"))  # noqa: E731
        flags = (
            (0.2, lambda: ["--explain"]),
            (0.15, lambda: ["--check"]),
            (0.1, lambda: ["--hessian"]),
            (0.1, lambda: ["--symbolic"]),
            (0.1, lambda: ["--compare", r.choice(("all", "overwrite", "no-sort", "no-reset", "overwrite,no-reset"))]),
            (0.1, lambda: ["--why", name()]),
            (0.12, lambda: ["--mode", r.choice(("forward", "reverse"))]),
            (0.08, lambda: ["--taylor", f"{name()}:{r.choice(('1', '3', '0', '12', 'x', '170', '171', '2'))}"]),
            (0.12, lambda: ["--of", r.choice((name(), f"{name()},{name()}", f"{name()},{name()},{name()}", f"{name()},"))]),
            (0.08, lambda: ["--at", f"{name()}={r.choice(POINTS)}"]),
            (0.02, lambda: ["--at", f"{name()}={r.choice(POINTS)}", "--at", f"{name()}={r.choice(POINTS)}"]),
            (0.05, lambda: ["--all"]),
            (0.1, lambda: ["--precision", str(r.randint(1, 17))]),
            (0.03, lambda: ["--tolerance", r.choice(("0", "1e-3", "1"))]),
        )
        for chance, make in flags:
            if r.random() < chance:
                args += make()
        if r.random() < 0.05:
            for _ in range(1 if r.random() < 0.8 else 2):
                args += ["--sweep", f"{name()}={r.choice(POINTS)}:{r.choice(POINTS)}:{r.choice(('1', '3', '5', '0', '2'))}"]
            if r.random() < 0.3:
                args += ["--plot=-"]
        if r.random() < 0.03:
            args += ["--emit", r.choice(("python", "c"))]
        if fmt == "latex" and r.random() < 0.3:
            args += ["--standalone"]
        if r.random() < 0.05:
            args += ["--descend", ",".join(r.sample(names, min(len(names), r.randint(1, 2)))) if r.random() < 0.9 else name()]
            if r.random() < 0.5:
                args += ["--lr", r.choice(("0.1", "-1", "1e308", "0", "nan", "1e-3"))]
            if r.random() < 0.5:
                args += ["--steps", r.choice(("0", "1", "3", "-1", "200"))]
            if r.random() < 0.2:
                args += ["--plot=-"]
        return args


# ---------------------------------------------------------------- running a command line in process


class Outcome(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None  # one that escaped the run (SystemExit aside)


def run_in_process(text: str, args: list[str]) -> Outcome:
    """`autodiff eval ARGS -- TEXT` as the command line runs it, without Click's runner around it.

    Click parses the arguments into the command's parameters (`make_context`, with
    the command's own types and callbacks), `cli.make_options` builds the one
    `Options`, `cli.refuse_combination` refuses what cannot go together, and
    `runner.run_program` runs the program into an output context over string
    buffers: what `autodiff eval` does, minus the process.
    """
    import contextlib
    import io

    import click

    from autodiff_cli.base.errors import Source
    from autodiff_cli.interface.cli import eval_command, make_options, refuse_combination
    from autodiff_cli.interface.runner import run_program
    from autodiff_cli.render.output import OutputContext

    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            try:
                context = eval_command.make_context("eval", [*args, "--", text])
            except click.ClickException as error:
                error.show()
                return Outcome(error.exit_code, stdout.getvalue(), stderr.getvalue(), None)
            options = make_options(context.params)
            refuse_combination(options, 1)
            program = context.params["program"]
            code = run_program(lambda: Source("<eval>", program), options, OutputContext(stdout, stderr, plain=True))
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except Exception as error:  # noqa: BLE001 -- every escape is what the fuzz looks for
        return Outcome(-1, stdout.getvalue(), stderr.getvalue(), error)
    return Outcome(code, stdout.getvalue(), stderr.getvalue(), None)


def json_problem(args: list[str], outcome: Outcome) -> str | None:
    """With --format json, stdout is exactly one JSON document (a sweep or a descent: one a line, docs/sweeps.md and
    docs/descend.md), or nothing when the run failed early."""
    import json

    if "json" not in args or "--emit" in args or not outcome.stdout:
        return None
    lines = outcome.stdout.splitlines() if "--sweep" in args or "--descend" in args else [outcome.stdout]
    for line in lines:
        try:
            json.loads(line)
        except ValueError as error:
            return f"stdout is not JSON ({error}): {line[:200]!r}"
    return None


def kind_of(exception: BaseException) -> str:
    """An exception's kind: its type and the innermost frame of the package it came from."""
    import traceback

    frames = [frame for frame in traceback.extract_tb(exception.__traceback__) if "autodiff_cli" in frame.filename]
    where = f"{frames[-1].filename.rsplit('autodiff_cli', 1)[-1]}:{frames[-1].name}" if frames else "?"
    return f"{type(exception).__name__} in {where}"


# ---------------------------------------------------------------- the command in a real process


def autodiff_command() -> list[str]:
    """The installed `autodiff` script, else `python -m autodiff_cli`: the command a real process runs."""
    installed = Path(sys.executable).parent / "autodiff"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "autodiff_cli"]


# ---------------------------------------------------------------- each operation as a program


#: Each operation as a program writes it, by its number of arguments (tests/oracle.py's table).
UNARY = {name: d.text for name, d in DEFINITIONS.items() if ARGUMENTS[name] == 1}
BINARY = {name: d.text for name, d in DEFINITIONS.items() if ARGUMENTS[name] == 2}


#: Operations of three or any number of arguments, as programs over x, y, z.
MANY = {name: d.text for name, d in DEFINITIONS.items() if ARGUMENTS[name] == 3}


# How each operation is written: the program text and a piece of LaTeX it must produce (tests/oracle.py).
WRITTEN = {name: (definition.text, definition.latex) for name, definition in DEFINITIONS.items()}


def operation_program(name: str, output: str = "y") -> tuple[str, list[str]]:
    """`INPUTS; OUTPUT = the operation of them` and the inputs' names: x inside the operation's domain
    (tests/oracle.py), the other operands apart from x and from each other, so no two tie at a kink."""
    op = OPERATIONS[name]
    arity = op.arity if op.arity > 0 else 3  # sum and prod: three operands
    names = ["x", "w", "v"][:arity]
    values = [inside(name, 0.5), 0.25, 1.0][:arity]
    bindings = "; ".join(f"{a} = {value!r}" for a, value in zip(names, values, strict=True))
    if op.symbol and name != "pow":
        expression = f"{op.symbol}x" if arity == 1 else f"x {op.symbol} w"
    else:
        expression = f"{name}({', '.join(names)})"
    return f"{bindings}; {output} = {expression}", names


# ---------------------------------------------------------------- random programs and their SymPy expressions


_SYMPY_FUNCTIONS = {
    "exp": lambda e: sympy.exp(e),
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tanh": sympy.tanh,
    "sigmoid": lambda e: 1 / (1 + sympy.exp(-e)),
    "sqrt_sq": None,  # sqrt(x*x + 1): always in its domain
    "log_sq": None,  # log(x*x + 1)
    "tan_sin": None,  # tan(sin(x)): |sin x| < pi/2
    "relu": lambda e: sympy.Max(e + sympy.Rational(1, 4), 0),
    "abs": lambda e: sympy.Abs(e + sympy.Rational(1, 4)),
}


def random_program(rng: random.Random) -> tuple[str, dict[str, float], sympy.Expr, dict[str, sympy.Symbol]]:
    """A program and the same computation as a SymPy expression of its inputs."""
    inputs = {f"v{i}": round(rng.uniform(-1.5, 1.5), 3) for i in range(rng.randint(1, 3))}
    symbols = {name: sympy.Symbol(name, real=True) for name in inputs}
    env: dict[str, sympy.Expr] = dict(symbols)
    lines = [f"{name} = {value!r}" for name, value in inputs.items()]
    names = list(inputs)
    for _ in range(rng.randint(2, 7)):
        a, b = rng.choice(names), rng.choice(names)  # often the same name: reuse
        kind = rng.choice(["+", "-", "*", "/", "**", "f", "f", "c", "p"])
        if kind == "/":
            text, expr = f"{a} / ({b} * {b} + 1)", env[a] / (env[b] ** 2 + 1)
        elif kind == "**":
            n = rng.choice([2, 3])
            text, expr = f"{a} ** {n}", env[a] ** n
        elif kind == "f":
            func = rng.choice(list(_SYMPY_FUNCTIONS))
            if func == "sqrt_sq":
                text, expr = f"sqrt({a} * {a} + 1)", sympy.sqrt(env[a] ** 2 + 1)
            elif func == "log_sq":
                text, expr = f"log({a} * {a} + 1)", sympy.log(env[a] ** 2 + 1)
            elif func == "tan_sin":
                text, expr = f"tan(sin({a}))", sympy.tan(sympy.sin(env[a]))
            elif func in {"relu", "abs"}:
                text, expr = f"{func}({a} + 0.25)", _SYMPY_FUNCTIONS[func](env[a])
            else:
                text, expr = f"{func}({a}) * 0.5", _SYMPY_FUNCTIONS[func](env[a]) * sympy.Rational(1, 2)
        elif kind == "p":
            text = f"pow({a} * {a} + 1, sin({b}))"
            expr = (env[a] ** 2 + 1) ** sympy.sin(env[b])
        elif kind == "c":
            text, expr = f"max({a}, {b}) + min({a}, 2)", sympy.Max(env[a], env[b]) + sympy.Min(env[a], 2)
        else:
            text = f"{a} {kind} {b}"
            expr = {"+": env[a] + env[b], "-": env[a] - env[b], "*": env[a] * env[b]}[kind]
        # Rebind an existing name sometimes, else make a new one.
        target = rng.choice(names[len(inputs) :]) if rng.random() < 0.3 and len(names) > len(inputs) else f"t{len(names)}"
        if target not in names:
            names.append(target)
        lines.append(f"{target} = {text}")
        env[target] = expr
    return "; ".join(lines), inputs, env[target], symbols


# ---------------------------------------------------------------- Hypothesis: programs as trees, mirrored in SymPy and in floats


# Derandomized in CI, so a failure reproduces anywhere; HYPOTHESIS_PROFILE=autodiff-explore runs more from a random seed.
settings.register_profile(
    "autodiff-ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "autodiff-explore", max_examples=2000, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "autodiff-ci"))


# A program is generated as a tree, printed with as few parentheses as the
# precedence rules allow (sometimes more), and mirrored three ways: a SymPy
# expression (the derivative oracle), a replay in floats written from the
# README's numeric policy (which operation leaves its domain first), and the
# same replay at shifted inputs (central finite differences).

TREE_NAMES = ["a", "b", "c", "x", "y"]
TREE_LITERALS = ["0", "1", "2", "3", "0.5", "1.5", "2.25", "10", "0.1", "100", "1e-3", "300", "700"]
TREE_EXPONENTS = ["0", "1", "2", "3", "-1", "-2", "0.5", "1.5"]
_ATOM, _POWER, _UNARY, _PRODUCT, _SUM = 4, 3, 2, 1, 0  # precedence: higher binds tighter
TREE_FUNCTIONS_1 = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs"]
TREE_FUNCTIONS_2 = ["pow", "max", "min"]
TREE_KINKED = {"relu", "abs", "max", "min"}


class Failure(Exception):
    """The replay left an operation's domain: `kind` is the start of the tool's message."""

    def __init__(self, kind: str, node: TreeNode) -> None:
        super().__init__(kind)
        self.kind = kind
        self.node = node


@dataclass
class TreeNode:
    """One operation or leaf of a generated program."""

    op: str  # "input", "name" (a use of an earlier node), "const", "pi", "+", "-", "*", "/", "**", "neg", or a function
    children: list[TreeNode] = field(default_factory=list)
    text: str = ""  # for const: the literal
    input_index: int = -1  # for input
    precedence: int = _ATOM


def sympy_of(node: TreeNode, symbols: list, constants: dict) -> object:
    """The node as SymPy; each literal becomes a symbol of its own, given its value only by mpmath.

    Left to SymPy, an exact 300 ** 300 ** 2 takes minutes, and 40-digit floats get the parity of
    (-1) ** (10 ** 40 - 1) wrong; mpmath at 30 digits does neither."""
    op, kids = node.op, [sympy_of(child, symbols, constants) for child in node.children]
    if op == "input":
        return symbols[node.input_index]
    if op == "name":
        return kids[0]
    if op == "const":
        if id(node) not in constants:
            value = float(node.text)
            name = f"k{len(constants)}"
            symbol = sympy.Symbol(name, positive=True) if value > 0 else sympy.Symbol(name, real=True)
            constants[id(node)] = (symbol, node.text)
        return constants[id(node)][0]
    if op == "pi":
        return sympy.pi
    if op == "neg":
        return -kids[0]
    if op in ("+", "-", "*", "/", "**", "pow"):
        a, b = kids
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b if op == "/" else a**b
    functions = {
        "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
        "tanh": sympy.tanh, "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)), "relu": lambda z: sympy.Max(0, z), "abs": sympy.Abs,
        "max": sympy.Max, "min": sympy.Min,
    }
    return functions[op](*kids)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def replay(node: TreeNode, inputs: list[float], cache: dict[int, float], kinks: list[float], poles: list[str]) -> float:
    """The forward pass in floats, children left to right, by the README's numeric policy."""
    if id(node) in cache:
        return cache[id(node)]
    values = [replay(child, inputs, cache, kinks, poles) for child in node.children]
    op = node.op
    try:
        if op == "input":
            value = inputs[node.input_index]
        elif op == "name":
            value = values[0]
        elif op == "const":
            value = float(node.text)
        elif op == "pi":
            value = math.pi
        elif op == "neg":
            value = -values[0]
        elif op in ("+", "-", "*"):
            a, b = values
            value = a + b if op == "+" else a - b if op == "-" else a * b
        elif op == "/":
            if values[1] == 0:
                raise Failure("division by zero", node)
            value = values[0] / values[1]
        elif op in ("**", "pow"):
            x, y = values
            if x == 0 and y < 0:
                raise Failure("zero cannot be raised to a negative power", node)
            if x < 0 and y != int(y):
                raise Failure("a negative base", node)
            if (x == 0 and y < 1) or x < 0:  # d/dx is infinite, or d/dy = nan by the documented policy
                poles.append(f"pow({x!r}, {y!r})")
            value = math.pow(x, y)
        elif op == "log":
            if values[0] <= 0:
                raise Failure("log of a non-positive number", node)
            value = math.log(values[0])
        elif op == "sqrt":
            if values[0] < 0:
                raise Failure("sqrt of a negative number", node)
            if values[0] == 0:
                poles.append("sqrt(0)")
            value = math.sqrt(values[0])
        elif op == "sigmoid":
            value = _sigmoid(values[0])
        elif op == "relu":
            kinks.append(values[0])
            value = max(0.0, values[0])
        elif op == "abs":
            kinks.append(values[0])
            value = abs(values[0])
        elif op in ("max", "min"):
            kinks.append(values[0] - values[1])
            value = max(values) if op == "max" else min(values)
        else:
            value = getattr(math, op)(values[0])
    except OverflowError:
        raise Failure("overflow", node) from None
    if not math.isfinite(value):
        raise Failure("overflow", node)
    cache[id(node)] = value
    return value


@dataclass
class Program:
    text: str
    inputs: list[float]  # the value of each input node, in creation order
    roots: list[TreeNode]  # every statement's expression, in order (all are evaluated)
    output: TreeNode


def render_tree(node: TreeNode, draw) -> str:
    """Source text with the fewest parentheses the grammar needs, and now and then a redundant pair."""
    text = _render(node, draw)
    return text


def _wrap(child: TreeNode, minimum: int, draw) -> str:
    text = _render(child, draw)
    if child.precedence < minimum or draw(st.integers(0, 9)) == 0:
        return f"({text})"
    return text


def _render(node: TreeNode, draw) -> str:
    op = node.op
    if op in ("input", "name"):
        return node.text
    if op in ("const", "pi"):
        return node.text
    if op == "neg":
        return "-" + _wrap(node.children[0], _UNARY, draw)
    if op in ("+", "-"):
        return f"{_wrap(node.children[0], _SUM, draw)} {op} {_wrap(node.children[1], _PRODUCT, draw)}"
    if op in ("*", "/"):
        return f"{_wrap(node.children[0], _PRODUCT, draw)} {op} {_wrap(node.children[1], _UNARY, draw)}"
    if op == "**":
        symbol = draw(st.sampled_from(["**", "^"]))
        return f"{_wrap(node.children[0], _ATOM, draw)} {symbol} {_wrap(node.children[1], _UNARY, draw)}"
    return f"{op}({', '.join(_render(child, draw) for child in node.children)})"


@st.composite
def expressions(draw, scope: dict[str, TreeNode], depth: int) -> TreeNode:
    """An expression over the names in scope; at depth 0 a leaf."""
    kind = draw(st.sampled_from(["leaf", "leaf", "unary", "binary", "binary", "call1", "call2"] if depth else ["leaf"]))
    if kind == "leaf":
        if scope and draw(st.integers(0, 3)):
            name = draw(st.sampled_from(sorted(scope)))
            return TreeNode("name", [scope[name]], text=name)
        if draw(st.integers(0, 9)) == 0:
            return TreeNode("pi", text="pi")
        return TreeNode("const", text=draw(st.sampled_from(TREE_LITERALS)))
    if kind == "unary":
        return TreeNode("neg", [draw(expressions(scope, depth - 1))], precedence=_UNARY)
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        left = draw(expressions(scope, depth - 1))
        if op == "**" and draw(st.booleans()):
            right = TreeNode("const", text=draw(st.sampled_from(TREE_EXPONENTS)))
            if right.text.startswith("-"):
                right = TreeNode("neg", [TreeNode("const", text=right.text[1:])], precedence=_UNARY)
        else:
            right = draw(expressions(scope, depth - 1))
        precedence = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}[op]
        return TreeNode(op, [left, right], precedence=precedence)
    if kind == "call1":
        return TreeNode(draw(st.sampled_from(TREE_FUNCTIONS_1)), [draw(expressions(scope, depth - 1))])
    function = draw(st.sampled_from(TREE_FUNCTIONS_2))  # drawn first, as before: the same examples
    return TreeNode(function, [draw(expressions(scope, depth - 1)), draw(expressions(scope, depth - 1))])


def _uses_a_name(node: TreeNode) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.op == "name":
            return True
        stack.extend(current.children)
    return False


@st.composite
def programs(draw) -> Program:
    scope: dict[str, TreeNode] = {}
    inputs: list[float] = []
    roots: list[TreeNode] = []
    lines: list[str] = []

    def bind_input() -> None:
        name = draw(st.sampled_from(TREE_NAMES))
        literal = draw(st.sampled_from(["-2", "-1", "-0.5", "0", "0.25", "1", "2", "3", "-3.5", "0.75"]))
        node = TreeNode("input", text=name, input_index=len(inputs))
        inputs.append(float(literal))
        scope[name] = node
        roots.append(node)
        lines.append(f"{name} = {literal}")

    for _ in range(draw(st.integers(1, 3))):
        bind_input()
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0:
            bind_input()  # rebinding a name to a new input
            continue
        expression = draw(expressions(scope, draw(st.integers(1, 3))))
        if not _uses_a_name(expression):  # a statement of numbers only would bind an input or a constant
            name = draw(st.sampled_from(sorted(scope)))
            op = draw(st.sampled_from(["+", "*"]))
            use = TreeNode("name", [scope[name]], text=name)
            expression = TreeNode(op, [use, expression], precedence=_SUM if op == "+" else _PRODUCT)
        text = render_tree(expression, draw)
        roots.append(expression)
        if draw(st.integers(0, 5)) == 0:
            lines.append(text)  # a bare expression statement
        else:
            name = draw(st.sampled_from(TREE_NAMES))  # often a name already bound: rebinding
            lines.append(f"{name} = {text}")
            scope[name] = expression
    separator = draw(st.sampled_from(["\n", "; "]))
    return Program(separator.join(lines), inputs, roots, roots[-1])


def forward(program: Program, inputs: list[float]) -> tuple[float, list[float], list[str]]:
    """The output, every kink argument, and every pole of a local derivative passed; Failure outside a domain."""
    cache: dict[int, float] = {}
    kinks: list[float] = []
    poles: list[str] = []
    for root in program.roots:
        replay(root, inputs, cache, kinks, poles)
    return cache[id(program.output)], kinks, poles


# ---------------------------------------------------------------- micrograd's MLP (examples/micrograd_mlp.ad)


MLP = ROOT / "examples" / "micrograd_mlp.ad"
MLP_WEIGHTS = {"w1": [0.5, -0.3], "w2": [-0.2, 0.8], "w3": [-0.7, -0.1], "b": [0.1, 0.1, 0.2], "v": [0.6, -0.4, 0.3], "c": [0]}
MLP_POINTS = [[2, 1], [1, -2], [-1, -1], [-2, 1.5]]
MLP_TARGETS = [1, -1, -1, 1]


def micrograd_mlp():
    """The example's network, as micrograd 0.1.0's own nn.MLP(2, [3, 1]) with the example's weights.

    Returns the model and its parameters by the example's keys (`w1[0]`, ..., `c`).
    """
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [3, 1])
    hidden, (output,) = model.layers[0].neurons, model.layers[1].neurons
    for index, neuron in enumerate(hidden):
        neuron.w = [Value(x) for x in MLP_WEIGHTS[f"w{index + 1}"]]
        neuron.b = Value(MLP_WEIGHTS["b"][index])
    output.w = [Value(x) for x in MLP_WEIGHTS["v"]]
    output.b = Value(float(MLP_WEIGHTS["c"][0]))
    keyed = {f"w{i + 1}[{j}]": hidden[i].w[j] for i in range(3) for j in range(2)}
    keyed |= {f"b[{i}]": hidden[i].b for i in range(3)}
    keyed |= {f"v[{i}]": output.w[i] for i in range(3)}
    keyed["c"] = output.b
    return model, keyed


def micrograd_loss(model):
    """micrograd's own loss of its demo: the sum of squared errors."""
    return sum(((model(x) - y) ** 2 for x, y in zip(MLP_POINTS, MLP_TARGETS)), 0)


# ---------------------------------------------------------------- the REPL: a Session over lines, and a real pseudo-terminal


def drive(lines: list[str]) -> tuple[Session, str, str]:
    """The REPL's Session fed these lines; the session, its stdout and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    session = Session(out, err)
    assert session.run_stream(line + "\n" for line in lines) == 0
    return session, out.getvalue(), err.getvalue()


PROMPT = "autodiff>"


def spawn(tmp_path):
    """`autodiff repl` in a real pseudo-terminal, at its first prompt."""
    import pexpect

    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_cli", "repl"], env=env, timeout=30, encoding="utf-8")
    child.expect(PROMPT)
    return child


def ready(child) -> None:
    """Wait for the prompt, then a moment for prompt_toolkit to put the terminal in raw mode."""
    child.expect(PROMPT)
    time.sleep(0.2)


def quit_(child) -> None:
    """Ctrl-D at the prompt ends the REPL with exit 0."""
    import pexpect

    ready(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# ---------------------------------------------------------------- the page


_PAGE_ENV = {"COLUMNS": "80", "NO_COLOR": "1"}


def chromium() -> str | None:
    """The system's Chromium ($AUTODIFF_CHROMIUM, else on PATH), or None: the tests that need it skip."""
    explicit = os.environ.get("AUTODIFF_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def stdout_of(*args: str) -> str:
    """`autodiff ARGS...` in process, which must succeed: its stdout (a page, a JSON document)."""
    result = CliRunner(env=_PAGE_ENV).invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ---------------------------------------------------------------- sweeps written the plain way


def reference_csv(sweep: Any) -> str:
    """A sweep's CSV written the plain way, a row at a time by the csv module (the column writers' oracle)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(a.key for a in sweep.axes), "value", *(f"d/d{k}" for k in sweep.keys), "error"])
    cols = [list(sweep.inputs[a.key]) for a in sweep.axes] + [list(sweep.value)] + [list(sweep.grads[k]) for k in sweep.keys]
    for index, cells in enumerate(zip(*cols)):
        error = sweep.errors.get(index)
        reason = "" if error is None else f"{error.line}:{error.column}: {error.message}"
        writer.writerow([*(repr(float(c)) for c in cells), reason])
    return out.getvalue()


def json_number_text(x: float) -> str:
    """A number as the JSON Lines of a sweep spell it: repr, or nan, inf and -inf as strings."""
    return repr(x) if math.isfinite(x) else ('"nan"' if math.isnan(x) else ('"inf"' if x > 0 else '"-inf"'))


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)


def reference_json_lines(sweep: Any, source: str | None) -> str:
    """A sweep's JSON Lines written the plain way, a point at a time (the column writers' oracle)."""
    lines = []
    for index in range(sweep.size):
        point = ", ".join(f"{_json_string(a.key)}: {json_number_text(float(sweep.inputs[a.key][index]))}" for a in sweep.axes)
        grad = ", ".join(f"{_json_string(k)}: {json_number_text(float(sweep.grads[k][index]))}" for k in sweep.keys)
        error = sweep.errors.get(index)
        failure = (
            "null"
            if error is None
            else f'{{"message": {_json_string(error.message)}, "line": {error.line}, "column": {error.column}}}'
        )
        head = f'{{"source": {_json_string(source)}, ' if source is not None else "{"
        lines.append(
            f'{head}"output": {_json_string(sweep.output)}, "point": {{{point}}}, '
            f'"value": {json_number_text(float(sweep.value[index]))}, "grad": {{{grad}}}, "error": {failure}}}\n'
        )
    return "".join(lines)
