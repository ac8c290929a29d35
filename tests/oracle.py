"""Independent oracles: a central finite difference, and SymPy (test-only)."""

from __future__ import annotations

import math

from autodiff_cli import evaluate


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
