"""One row per operation: every row of ops.py is complete, and no other module lists operations.

Each consumer (arrays, derivative graphs, Taylor series, generated code, LaTeX,
SymPy, the language's text) reads an operation's row; these tests ask every
row for what each consumer needs, by using it, so a row missing a field (or
holding one that disagrees with its forward) fails here with its name.
"""

from __future__ import annotations

import ast
import itertools
import math
import re

import pytest

from autodiff_cli.core import taylor
from autodiff_cli.core.ops import (
    ATOM,
    CALL,
    FUNCTIONS,
    INFIX,
    OPERATIONS,
    POWER_OF,
    PREFIX,
    VARIADIC,
    WRAP,
    DomainError,
    FloatMath,
    Notation,
    Operation,
)
from autodiff_cli.render.emit_rules import CDialect, PythonDialect
from tests.oracle import DEFINITIONS
from tests.support import ROOT

PACKAGE = ROOT / "autodiff_cli"

#: Arguments at which every row is asked: ordinary points, zeros, ties, the domains' edges.
SAMPLES = [-2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 1.7, 3.0]


def _count(op: Operation) -> int:
    return 3 if op.arity == VARIADIC else op.arity


def _points(op: Operation) -> list[tuple[float, ...]]:
    count = _count(op)
    if count == 1:  # and the oracle's points, inside a narrow domain
        return [(x,) for x in SAMPLES + list(DEFINITIONS[op.name].points)]
    if count == 2:
        return [(x, y) for x in SAMPLES for y in SAMPLES[::2]]
    return [(x, y, z) for x in SAMPLES[::2] for y in SAMPLES[::3] for z in SAMPLES[1::3]]


def _value(op: Operation, point: tuple[float, ...]) -> float | None:
    try:
        value = op.forward(*point)
    except (DomainError, ArithmeticError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _same(a: float, b: float) -> bool:
    """Equal to the bit, or both nan."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_words_and_the_rules(name: str) -> None:
    """What --explain and the docs say: a description, one rule per argument (one for all of a variadic one)."""
    op = OPERATIONS[name]
    assert op.name == name and op.description
    assert len(op.rules) == (1 if op.arity == VARIADIC else op.arity)
    assert not op.parameters or len(op.parameters) == op.arity
    for point in _points(op):
        if _value(op, point) is not None:
            assert len(op.derivatives(FloatMath, *point, op.forward(*point))) == len(point)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_forward_refuses_in_its_own_words(name: str) -> None:
    """The forward on any number, inf and nan included (a lenient run hands them on): a float, or
    DomainError / OverflowError, which the evaluator reports with the place; never math's ValueError."""
    op = OPERATIONS[name]
    count = 3 if op.arity == VARIADIC else op.arity
    specials = (math.inf, -math.inf, math.nan, 0.0, -1.0, 1e308)
    for point in itertools.product(specials, repeat=count):
        try:
            value = op.forward(*point)
        except (DomainError, OverflowError):
            continue
        assert isinstance(value, float), (point, value)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_formula_is_the_forward_on_floats(name: str) -> None:
    """The row's formula (what arrays and derivative graphs run) on FloatMath: the forward to the bit,
    and a non-finite value where the forward raises, never an exception."""
    op = OPERATIONS[name]
    assert op.formula is not None
    for point in _points(op):
        got = op.formula(FloatMath, *point)
        expected = _value(op, point)
        if expected is None:
            assert not math.isfinite(got) or op.name == "tan", (point, got)
        else:
            assert _same(got, expected), (point, got, expected)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_taylor_rule_starts_at_the_value_and_moves_with_the_derivative(name: str) -> None:
    """The row's Taylor rule (its own, or its derivative rule's integral): c_0 is the value, c_1 the first derivative."""
    op = OPERATIONS[name]
    if op.taylor is None:
        # Only a function of one argument whose rule does not read its own value may go without.
        assert op.arity == 1
        for (x,) in _points(op):
            if _value(op, (x,)) is not None:
                assert _same(op.derivatives(FloatMath, x, math.nan)[0], op.derivatives(FloatMath, x, op.forward(x))[0])
    rule = taylor.rule(op)
    checked = 0
    for point in _points(op):
        value = _value(op, point)
        if value is None or (_count(op) > 1 and len(set(point)) < len(point)):
            continue  # outside the domain, or a tie (a kink)
        series = [[point[0], 1.0, 0.0]] + [[other, 0.0, 0.0] for other in point[1:]]
        local = op.derivatives(FloatMath, *point, value)[0]
        try:
            got = rule(series, value)
        except taylor.SeriesDomainError:
            continue  # a branch point of the series (sqrt at 0)
        assert got[0] == value and math.isclose(got[1], local, rel_tol=1e-12, abs_tol=1e-300), (point, got, local)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_code_is_written_in_both_languages(name: str) -> None:
    """The row's code: a forward expression, one local derivative per operand, guards, and every helper it calls defined."""
    op = OPERATIONS[name]
    assert op.code is not None
    operands = ["x", "y", "z"][: _count(op)]
    for dialect in (PythonDialect(), CDialect()):
        assert op.code.forward(dialect, operands)
        assert len(op.code.local(dialect, operands, "out")) == len(operands)
        assert all(condition and message for condition, message in op.code.guards(dialect, operands))
        for helper in dialect.helpers_used:
            assert dialect.helper_source(helper), helper


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_latex_notation(name: str) -> None:
    op = OPERATIONS[name]
    assert isinstance(op.latex, Notation) and op.latex.text
    assert op.latex.form in (CALL, INFIX, POWER_OF, PREFIX, WRAP)
    if op.latex.form == WRAP:
        assert sorted(set(re.findall(r"#([0-9]+)", op.latex.text))) == [str(i) for i in range(op.arity)]
    if op.latex.form == CALL:
        assert op.latex.level == ATOM


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_sympy_form_has_the_forwards_values(name: str) -> None:
    """The row's SymPy form evaluates to the forward's value (an undefined function SymPy keeps is checked
    against the oracle's definition of the operation instead)."""
    sympy = pytest.importorskip("sympy")
    op = OPERATIONS[name]
    assert op.sympy is not None
    symbols = sympy.symbols("x y z", real=True)[: _count(op)]
    expression = op.sympy(sympy, *symbols)
    opaque = {f for f in expression.atoms(sympy.Function) if isinstance(f.func, sympy.core.function.UndefinedFunction)}
    if opaque:
        assert {str(f.func) for f in opaque} == {name}, expression
        expression = DEFINITIONS[name].sympy(*symbols)
    checked = 0
    for point in _points(op):
        value = _value(op, point)
        if value is None or any(math.copysign(1.0, x) < 0 and x == 0 for x in point):
            continue  # outside the domain, or a -0.0 (SymPy has one zero: atan2(-0.0, -1) is pi there)
        exact = complex(expression.subs(dict(zip(symbols, point))).evalf(30))
        if math.isnan(exact.real):
            continue  # undefined in mathematics (atan2(0, 0)): the row's choice is documented, not SymPy's
        assert math.isclose(exact.real, value, rel_tol=1e-12, abs_tol=1e-15) and exact.imag == 0, (point, exact, value)
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_languages_text(name: str) -> None:
    """An operator has a symbol and a precedence level; a function is called by its name (an atom)."""
    op = OPERATIONS[name]
    assert bool(op.symbol) == (op.level != ATOM)
    assert (name in FUNCTIONS) == (not op.symbol or name == "pow")


def _documented_functions() -> set[str]:
    """The names in the first column of docs/language.md's table of operations."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text[text.index("| call | value | local derivative(s) |") :]
    names: set[str] = set()
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        for code in re.findall(r"`([^`]*)`", line.split("|")[1]):
            names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    return names


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_its_line_in_the_docs(name: str) -> None:
    assert name in _documented_functions(), f"docs/language.md's table of operations does not name {name}"


# ---------------------------------------------------------------- no other module lists operations

#: Files that may name operations side by side, and why.
ALLOWED = {
    # Generated from grammar/autodiff.lark, whose rules for the operators are named after them.
    "autodiff_cli/language/grammar_tables.py",
}
#: Documentation strings that name operations as examples: (file, a phrase of the string).
ALLOWED_TEXT = {
    # The header of generated C states the kink policy in words.
    ("autodiff_cli/render/emit.py", "Kinks follow"),
    ("autodiff_cli/render/emit.py", "autodiff (relu'(0) = 0"),
}


def lists_of_operations(source: str, names: set[str], allowed: tuple[str, ...] = ()) -> list[tuple[int, list[str]]]:
    """Where `source` names two or more operations in one literal: a tuple, list, set or dict's keys,
    or a string of words that is mostly operation names ("exp log sqrt"), unless it holds an `allowed` phrase."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(p in node.value for p in allowed):
            continue
        elements: list[ast.expr | None] = []
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elements = list(node.elts)
        elif isinstance(node, ast.Dict):
            elements = list(node.keys)
        named = [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in names]
        if len(named) >= 2:
            found.append((node.lineno, named))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value)
            named = [word for word in words if word in names]
            if len(named) >= 3 and 2 * len(named) >= len(words):
                found.append((node.lineno, named))
    return found


def test_the_scan_finds_a_list() -> None:
    """The scan below is not vacuous: each kind of list it looks for is found."""
    names = set(OPERATIONS)
    source = '_A = ("tanh", "sigmoid")\n_B = {"exp": 1, "log": 2}\n_C = "exp log sqrt"\n_D = op.name == "div"\n'
    assert [line for line, _ in lists_of_operations(source, names)] == [1, 2, 3]


def test_no_module_but_the_table_lists_operations() -> None:
    names = set(OPERATIONS)
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "autodiff_cli/core/ops.py" or relative in ALLOWED:
            continue
        allowed = tuple(phrase for where, phrase in ALLOWED_TEXT if where == relative)
        listed = lists_of_operations(path.read_text(encoding="utf-8"), names, allowed)
        found += [f"{relative}:{line}: {named}" for line, named in listed]
    assert not found, "operations listed outside core/ops.py (put it in the row):\n" + "\n".join(found)
