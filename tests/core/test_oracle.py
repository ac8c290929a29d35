"""Random programs, with reused and rebound names, against SymPy as an independent oracle."""

from __future__ import annotations

import random

import pytest
import sympy

from autodiff_cli import evaluate

FUNCTIONS = {
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
            func = rng.choice(list(FUNCTIONS))
            if func == "sqrt_sq":
                text, expr = f"sqrt({a} * {a} + 1)", sympy.sqrt(env[a] ** 2 + 1)
            elif func == "log_sq":
                text, expr = f"log({a} * {a} + 1)", sympy.log(env[a] ** 2 + 1)
            elif func == "tan_sin":
                text, expr = f"tan(sin({a}))", sympy.tan(sympy.sin(env[a]))
            elif func in {"relu", "abs"}:
                text, expr = f"{func}({a} + 0.25)", FUNCTIONS[func](env[a])
            else:
                text, expr = f"{func}({a}) * 0.5", FUNCTIONS[func](env[a]) * sympy.Rational(1, 2)
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
