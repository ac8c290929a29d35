"""Independent oracles: a central finite difference, and every operation defined again (test-only).

`DEFINITIONS` is the tests' own table of operations, one row each, written
from the mathematics and the documentation (docs/language.md), never from
autodiff_cli/core/ops.py: how a program writes the operation, what it is in
SymPy and in mpmath, the LaTeX it must produce, and where it is defined.
Every test that goes through each operation takes it from here, so a new
operation is one row of ops.py, one row here and one line of docs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import mpmath
import sympy

from autodiff_cli import evaluate


class Definition(NamedTuple):
    """One operation as the tests know it."""

    # the operation applied to x (then y, z) as a program writes it
    text: str
    # the operation on SymPy expressions, and on mpmath numbers
    sympy: Callable[..., Any]
    mpmath: Callable[..., Any]
    # the LaTeX `text` must produce
    latex: str
    # for one argument: values of x inside the domain, away from kinks, both signs where defined
    points: tuple[float, ...] = (0.3, 1.7, -0.8, 0.95)
    # for one argument: the open interval where it is defined
    domain: tuple[float, float] = (-math.inf, math.inf)


_POSITIVE = (0.3, 1.7, 0.8, 0.95)
_UNIT = (0.3, 0.6, -0.8, 0.95)
_S = sympy

DEFINITIONS: dict[str, Definition] = {
    "add": Definition("x + y", lambda a, b: a + b, lambda a, b: a + b, "x + y"),
    "sub": Definition("x - y", lambda a, b: a - b, lambda a, b: a - b, "x - y"),
    "mul": Definition("x * y", lambda a, b: a * b, lambda a, b: a * b, r"x \cdot y"),
    "div": Definition("x / y", lambda a, b: a / b, lambda a, b: a / b, r"\frac{x}{y}"),
    "pow": Definition("x ** y", lambda a, b: a**b, mpmath.power, "x^{y}"),
    "neg": Definition("-x", lambda a: -a, lambda a: -a, "-x"),
    "exp": Definition("exp(x)", _S.exp, mpmath.exp, r"\exp\left(x\right)"),
    "log": Definition("log(x)", _S.log, mpmath.log, r"\ln\left(x\right)", _POSITIVE, (0.0, math.inf)),
    "sqrt": Definition("sqrt(x)", _S.sqrt, mpmath.sqrt, r"\sqrt{x}", _POSITIVE, (0.0, math.inf)),
    "sin": Definition("sin(x)", _S.sin, mpmath.sin, r"\sin\left(x\right)"),
    "cos": Definition("cos(x)", _S.cos, mpmath.cos, r"\cos\left(x\right)"),
    "tan": Definition("tan(x)", _S.tan, mpmath.tan, r"\tan\left(x\right)"),
    "tanh": Definition("tanh(x)", _S.tanh, mpmath.tanh, r"\tanh\left(x\right)"),
    "sigmoid": Definition(
        "sigmoid(x)", lambda a: 1 / (1 + _S.exp(-a)), lambda a: 1 / (1 + mpmath.exp(-a)), r"\operatorname{sigmoid}\left(x\right)"
    ),
    "relu": Definition("relu(x)", lambda a: _S.Max(a, 0), lambda a: a if a > 0 else 0 * a, r"\operatorname{relu}\left(x\right)"),
    "abs": Definition("abs(x)", _S.Abs, mpmath.fabs, r"\left|x\right|"),
    "max": Definition("max(x, y)", _S.Max, lambda a, b: a if a > b else b, r"\max\left(x, y\right)"),
    "min": Definition("min(x, y)", _S.Min, lambda a, b: a if a < b else b, r"\min\left(x, y\right)"),
    "asin": Definition("asin(x)", _S.asin, mpmath.asin, r"\arcsin\left(x\right)", _UNIT, (-1.0, 1.0)),
    "acos": Definition("acos(x)", _S.acos, mpmath.acos, r"\arccos\left(x\right)", _UNIT, (-1.0, 1.0)),
    "atan": Definition("atan(x)", _S.atan, mpmath.atan, r"\arctan\left(x\right)"),
    "atan2": Definition("atan2(x, y)", _S.atan2, mpmath.atan2, r"\operatorname{atan2}\left(x, y\right)"),
    "hypot": Definition(
        "hypot(x, y)", lambda a, b: _S.sqrt(a**2 + b**2), mpmath.hypot, r"\operatorname{hypot}\left(x, y\right)"
    ),
    "sinh": Definition("sinh(x)", _S.sinh, mpmath.sinh, r"\sinh\left(x\right)"),
    "cosh": Definition("cosh(x)", _S.cosh, mpmath.cosh, r"\cosh\left(x\right)"),
    "asinh": Definition("asinh(x)", _S.asinh, mpmath.asinh, r"\operatorname{arsinh}\left(x\right)"),
    "acosh": Definition(
        "acosh(x)", _S.acosh, mpmath.acosh, r"\operatorname{arcosh}\left(x\right)", (1.3, 1.7, 2.9, 1.05), (1.0, math.inf)
    ),
    "atanh": Definition("atanh(x)", _S.atanh, mpmath.atanh, r"\operatorname{artanh}\left(x\right)", _UNIT, (-1.0, 1.0)),
    "log2": Definition(
        "log2(x)", lambda a: _S.log(a, 2), lambda a: mpmath.log(a, 2), r"\log_{2}\left(x\right)", _POSITIVE, (0.0, math.inf)
    ),
    "log10": Definition(
        "log10(x)", lambda a: _S.log(a, 10), mpmath.log10, r"\log_{10}\left(x\right)", _POSITIVE, (0.0, math.inf)
    ),
    "log1p": Definition(
        "log1p(x)", lambda a: _S.log(1 + a), mpmath.log1p, r"\operatorname{log1p}\left(x\right)", domain=(-1.0, math.inf)
    ),
    "expm1": Definition("expm1(x)", lambda a: _S.exp(a) - 1, mpmath.expm1, r"\operatorname{expm1}\left(x\right)"),
    "erf": Definition("erf(x)", _S.erf, mpmath.erf, r"\operatorname{erf}\left(x\right)"),
    "softplus": Definition(
        "softplus(x)",
        lambda a: _S.log(1 + _S.exp(a)),
        lambda a: mpmath.log(1 + mpmath.exp(a)),
        r"\operatorname{softplus}\left(x\right)",
    ),
    "gelu": Definition(
        "gelu(x)",
        lambda a: a * (1 + _S.erf(a / _S.sqrt(2))) / 2,
        lambda a: a * (1 + mpmath.erf(a / mpmath.sqrt(2))) / 2,
        r"\operatorname{gelu}\left(x\right)",
    ),
    "elu": Definition(
        "elu(x)",
        lambda a: _S.Piecewise((a, a > 0), (_S.exp(a) - 1, True)),
        lambda a: a if a > 0 else mpmath.expm1(a),
        r"\operatorname{elu}\left(x\right)",
    ),
    "leaky_relu": Definition(
        "leaky_relu(x, y)",
        lambda a, slope: _S.Piecewise((a, a > 0), (slope * a, True)),
        lambda a, slope: a if a > 0 else slope * a,
        r"\operatorname{leaky\_relu}\left(x, y\right)",
    ),
    "clamp": Definition(
        "clamp(x, y, z)",
        lambda a, lo, hi: _S.Piecewise((lo, a < lo), (hi, a > hi), (a, True)),
        lambda a, lo, hi: lo if a < lo else (hi if a > hi else a),
        r"\operatorname{clamp}\left(x, y, z\right)",
    ),
    "sum": Definition("sum(x, y, z)", lambda *a: _S.Add(*a), lambda *a: mpmath.fsum(a), "x + y + z"),
    "prod": Definition("prod(x, y, z)", lambda *a: _S.Mul(*a), lambda *a: mpmath.fprod(a), r"x \cdot y \cdot z"),
}

def inside(name: str, x: float) -> float:
    """`x` where the operation is defined there (for one argument: inside its domain), else its first point."""
    low, high = DEFINITIONS[name].domain
    return x if low < x < high else DEFINITIONS[name].points[0]


#: How many arguments each operation's `text` gives it (x; x, y; or x, y, z).
ARGUMENTS = {name: len(set(re.findall(r"\b[xyz]\b", d.text))) for name, d in DEFINITIONS.items()}


def finite_difference(text: str, name: str, step: float | None = None) -> float:
    """d(output)/d(name) by a central difference, re-running the program with the input moved."""
    base = evaluate(text).variables[name].data
    h = step if step is not None else 1e-6 * max(1.0, abs(base))

    def at(x: float) -> float:
        return evaluate(_rebind(text, name, x)).value

    return (at(base + h) - at(base - h)) / (2 * h)


def _rebind(text: str, name: str, x: float) -> str:
    # Inputs are bound first in every program these tests build: `name = literal;`.
    statements = text.split(";")
    for index, statement in enumerate(statements):
        target, _, _ = statement.partition("=")
        if target.strip() == name:
            statements[index] = f" {name} = {x!r}"
            break
    return ";".join(statements)


def close(a: float, b: float, rel: float) -> bool:
    if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return (a == b) or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
