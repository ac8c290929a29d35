"""The table of operations: the one place that says what each operation is.

Each entry gives the forward function, the local derivatives and the rule
text that `--explain` prints.  Local derivatives are written against a small
`math`-like namespace (`FloatMath`), so the maths reads as maths and the kink
policy of the design (PyTorch's choices) lives here and nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


class DomainError(ArithmeticError):
    """A forward computation outside an operation's domain (no text, no span)."""


class Operation(NamedTuple):
    """One row of the table (a NamedTuple: `dataclasses` costs 9 ms of start-up)."""

    name: str
    arity: int
    forward: Callable[..., float]
    # derivatives(m, *inputs, out) -> one local derivative per input
    derivatives: Callable[..., tuple[float, ...]]
    # the local derivative of each input as a formula over x, y and out
    rules: tuple[str, ...]
    symbol: str = ""  # infix symbol for operators, "" for functions
    description: str = ""


class FloatMath:
    """Derivative helpers on floats: never raise; a kink or pole gives 0, inf or nan."""

    @staticmethod
    def div(x: float, y: float) -> float:
        if y == 0.0:
            return math.nan if x == 0.0 else math.copysign(math.inf, x)
        return x / y

    @staticmethod
    def pow(x: float, y: float) -> float:
        try:
            return math.pow(x, y)
        except ZeroDivisionError:
            return math.inf
        except (OverflowError, ValueError):
            if x == 0.0:
                return math.inf
            if x < 0 and y != int(y):
                return math.nan
            return math.inf

    @staticmethod
    def log(x: float) -> float:
        if x > 0:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    @staticmethod
    def step(x: float) -> float:
        """1 where x > 0, else 0 (so relu'(0) == 0)."""
        return 1.0 if x > 0 else 0.0

    @staticmethod
    def sign(x: float) -> float:
        """The sign of x with sign(0) == 0 (so abs'(0) == 0)."""
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)

    @staticmethod
    def share(x: float, y: float) -> float:
        """x's share of max(x, y): 1, 0, or 0.5 on a tie."""
        return 1.0 if x > y else (0.5 if x == y else 0.0)

    @staticmethod
    def power_rule(x: float, y: float) -> float:
        """d/dx x**y = y * x**(y-1), and 0 for y == 0 (x**0 is the constant 1, even at x == 0)."""
        return 0.0 if y == 0.0 else y * FloatMath.pow(x, y - 1.0)

    @staticmethod
    def exponent_rule(x: float, out: float) -> float:
        """d/dy x**y = x**y * ln x for x > 0, 0 for x == 0, nan for x < 0."""
        if x > 0:
            return out * math.log(x)
        return 0.0 if x == 0 else math.nan

    cos = staticmethod(math.cos)
    sin = staticmethod(math.sin)


# ------------------------------------------------------------------ forwards
# Each raises DomainError for input outside the domain; overflow to inf is
# caught once, in the engine, for every operation.


def _div(x: float, y: float) -> float:
    if y == 0.0:
        raise DomainError("division by zero")
    return x / y


def _pow(x: float, y: float) -> float:
    if x == 0.0 and y < 0:
        raise DomainError("zero cannot be raised to a negative power")
    if x < 0 and y != int(y):
        raise DomainError(f"a negative base ({x:g}) to a non-integer power ({y:g}) is not real")
    try:
        return math.pow(x, y)
    except OverflowError:
        raise DomainError("overflow: the power is too large for a double") from None


def _log(x: float) -> float:
    if x <= 0:
        raise DomainError(f"log of a non-positive number ({x:g})")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise DomainError(f"sqrt of a negative number ({x:g})")
    return math.sqrt(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise DomainError(f"overflow: exp({x:g}) is too large for a double") from None


def _sigmoid(x: float) -> float:
    # Written two ways so that neither branch overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _tan(x: float) -> float:
    return math.tan(x)


_OPERATIONS = [
    Operation("add", 2, lambda x, y: x + y, lambda m, x, y, out: (1.0, 1.0), ("1", "1"), "+", "x + y"),
    Operation("sub", 2, lambda x, y: x - y, lambda m, x, y, out: (1.0, -1.0), ("1", "-1"), "-", "x - y"),
    Operation("mul", 2, lambda x, y: x * y, lambda m, x, y, out: (y, x), ("y", "x"), "*", "x * y"),
    Operation(
        "div", 2, _div,
        lambda m, x, y, out: (m.div(1.0, y), m.div(-out, y)),
        ("1/y", "-x/y**2"), "/", "x / y",
    ),
    Operation(
        "pow", 2, _pow,
        lambda m, x, y, out: (m.power_rule(x, y), m.exponent_rule(x, out)),
        ("y * x**(y-1)", "x**y * log(x)"), "**", "x ** y (also x ^ y and pow(x, y))",
    ),
    Operation("neg", 1, lambda x: -x, lambda m, x, out: (-1.0,), ("-1",), "-", "-x"),
    Operation("exp", 1, _exp, lambda m, x, out: (out,), ("exp(x)",), "", "e to the power x"),
    Operation("log", 1, _log, lambda m, x, out: (m.div(1.0, x),), ("1/x",), "", "natural logarithm, x > 0"),
    Operation("sqrt", 1, _sqrt, lambda m, x, out: (m.div(0.5, out),), ("0.5/sqrt(x)",), "", "square root, x >= 0"),
    Operation("sin", 1, math.sin, lambda m, x, out: (m.cos(x),), ("cos(x)",), "", "sine (radians)"),
    Operation("cos", 1, math.cos, lambda m, x, out: (-m.sin(x),), ("-sin(x)",), "", "cosine (radians)"),
    Operation("tan", 1, _tan, lambda m, x, out: (1.0 + out * out,), ("1 + tan(x)**2",), "", "tangent (radians)"),
    Operation("tanh", 1, math.tanh, lambda m, x, out: (1.0 - out * out,), ("1 - tanh(x)**2",), "", "hyperbolic tangent"),
    Operation(
        "sigmoid", 1, _sigmoid, lambda m, x, out: (out * (1.0 - out),),
        ("sigmoid(x) * (1 - sigmoid(x))",), "", "1 / (1 + exp(-x))",
    ),
    Operation(
        "relu", 1, lambda x: x if x > 0 else 0.0, lambda m, x, out: (m.step(x),),
        ("1 if x > 0 else 0",), "", "max(x, 0); relu'(0) = 0",
    ),
    Operation(
        "abs", 1, abs, lambda m, x, out: (m.sign(x),),
        ("sign(x)",), "", "absolute value; abs'(0) = 0",
    ),
    Operation(
        "max", 2, lambda x, y: x if x >= y else y,
        lambda m, x, y, out: (m.share(x, y), m.share(y, x)),
        ("1 if x > y, 0.5 if x == y, else 0", "1 if y > x, 0.5 if x == y, else 0"),
        "", "the larger of x and y; a tie splits the gradient evenly",
    ),
    Operation(
        "min", 2, lambda x, y: x if x <= y else y,
        lambda m, x, y, out: (m.share(y, x), m.share(x, y)),
        ("1 if x < y, 0.5 if x == y, else 0", "1 if y < x, 0.5 if x == y, else 0"),
        "", "the smaller of x and y; a tie splits the gradient evenly",
    ),
]

OPERATIONS: dict[str, Operation] = {op.name: op for op in _OPERATIONS}

#: Functions a program may call, by name.  `pow(x, y)` is the `**` operation.
FUNCTIONS: dict[str, Operation] = {
    name: op for name, op in OPERATIONS.items() if not op.symbol or name == "pow"
}

#: Named constants a program may use (and shadow by assignment).
CONSTANTS: dict[str, float] = {"pi": math.pi}
