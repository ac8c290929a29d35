"""Random programs, with reused and rebound names, against SymPy as an independent oracle."""

from __future__ import annotations

import random

import pytest
import sympy

from autodiff_cli import evaluate
from tests.support import random_program


@pytest.mark.parametrize("seed", range(60))
def test_gradients_agree_with_sympy(seed: int) -> None:
    rng = random.Random(seed)
    text, inputs, expr, symbols = random_program(rng)
    result = evaluate(text)
    point = {symbols[name]: sympy.Float(value, 30) for name, value in inputs.items()}
    assert result.value == pytest.approx(float(expr.evalf(30, subs=point)), rel=1e-9, abs=1e-12), text
    for name, symbol in symbols.items():
        derivative = sympy.diff(expr, symbol)
        expected = float(derivative.evalf(30, subs=point))
        assert result.variables[name].grad == pytest.approx(expected, rel=1e-9, abs=1e-12), (text, name)
