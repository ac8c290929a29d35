"""What the test files share: paths, the command, the operation cases, the outcome checker, the program generator.

Not a test file: the test files import it (and tests/oracle.py), never each other
(tests/whole/test_layout_of_tests.py checks).
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path
from typing import Any, NamedTuple

from autodiff_cli.core.ops import OPERATIONS

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
        if r.random() < 0.08:
            text = self.broken(text)
        return text

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
        fmt = r.choices(formats, weights=[8 if f in ("table", "json") else (1 if f == "html" else 3) for f in formats])[0]
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
    """With --format json, stdout is exactly one JSON document (a sweep: one a line), or nothing when the run failed early."""
    import json

    if "json" not in args or "--emit" in args or not outcome.stdout:
        return None
    lines = outcome.stdout.splitlines() if "--sweep" in args else [outcome.stdout]
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
