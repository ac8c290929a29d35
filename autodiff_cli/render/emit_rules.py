"""Each operation as generated code: its forward expression, domain guards and local derivatives.

`--emit` writes a program's derivative as Python or C.  The maths must be
autodiff's own (ops.py): the same forward formulas, the same domain errors,
the same kink policy (relu'(0) = 0, abs'(0) = 0, max/min ties 0.5, d/dy x**y
rules, sqrt'(0) = inf).  ops.py writes its rules as Python functions whose
branches are taken at the current values; generated code must take them at
the caller's values, so each rule is written again here as a text template,
once for both languages through a `Dialect`.  tests/test_emit.py runs every
entry against ops.py at ordinary points and at every kink, and fails when an
operation of the table has no entry here.

Operands are always atoms (a variable name or a parenthesized literal), so a
template can put them anywhere without parentheses of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

Texts = Sequence[str]


class Dialect:
    """The little that differs between Python and C expressions; records the helpers used."""

    name = ""
    inf = ""
    nan = ""

    def __init__(self) -> None:
        self.helpers_used: set[str] = set()

    def call(self, function: str, *args: str) -> str:
        raise NotImplementedError

    def helper(self, name: str, *args: str) -> str:
        """A function of the generated file's own (see HELPERS)."""
        self.helpers_used.add(name)
        return f"{self.helper_name(name)}({', '.join(args)})"

    def helper_name(self, name: str) -> str:
        raise NotImplementedError

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        raise NotImplementedError

    def both(self, a: str, b: str) -> str:
        raise NotImplementedError

    def either(self, a: str, b: str) -> str:
        raise NotImplementedError

    def not_integer(self, x: str) -> str:
        """x has a fractional part (x is finite here)."""
        return f"{x} != {self.call('floor', x)}"


class PythonDialect(Dialect):
    name = "python"
    inf = "math.inf"
    nan = "math.nan"

    def call(self, function: str, *args: str) -> str:
        return f"math.{function}({', '.join(args)})"

    def helper_name(self, name: str) -> str:
        return f"_{name}"

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        return f"({then} if {condition} else {otherwise})"

    def both(self, a: str, b: str) -> str:
        return f"({a} and {b})"

    def either(self, a: str, b: str) -> str:
        return f"({a} or {b})"


_C_NATIVE = frozenset({"exp", "expm1", "sinh", "cosh"})


class CDialect(Dialect):
    name = "c"
    inf = "INFINITY"
    nan = "NAN"

    def call(self, function: str, *args: str) -> str:
        return f"{function}({', '.join(args)})"

    def helper(self, name: str, *args: str) -> str:
        if name in _C_NATIVE:  # C's own function already returns inf on overflow
            return self.call(name, *args)
        return super().helper(name, *args)

    def helper_name(self, name: str) -> str:
        return f"ad_{name}"

    def choose(self, condition: str, then: str, otherwise: str) -> str:
        return f"({condition} ? {then} : {otherwise})"

    def both(self, a: str, b: str) -> str:
        return f"({a} && {b})"

    def either(self, a: str, b: str) -> str:
        return f"({a} || {b})"


Guard = tuple[str, str]  # (a condition under which the forward step fails, the message)


def _no_guards(d: Dialect, x: Texts) -> list[Guard]:
    return []


class EmitRule(NamedTuple):
    """One operation as code; `x` holds the operands' texts, `out` the result's."""

    forward: Callable[[Dialect, Texts], str]
    # local derivative of the output with respect to each operand, as ops.py computes it
    local: Callable[[Dialect, Texts, str], list[str]]
    guards: Callable[[Dialect, Texts], list[Guard]] = _no_guards
    # the result of finite operands may overflow to inf (an error, as in autodiff)
    overflows: bool = False
    # a local derivative may be inf or nan: skip the node when its gradient is 0,
    # as engine.backward does (0 * inf would poison every input with nan)
    poles: bool = False


def _sum(x: Texts) -> str:
    return " + ".join(x)


def _product(x: Texts) -> str:
    return " * ".join(x)


def _others(x: Texts, i: int) -> str:
    """The product of the operands other than x[i], grouped as ops.py computes it:
    (x0 * ... * x[i-1]) * (x[i+1] * (x[i+2] * ...)), prefix from the left, suffix from the right."""
    before = " * ".join(x[:i])
    after = ""
    for t in reversed(x[i + 1 :]):
        after = t if not after else f"{t} * ({after})" if " " in after else f"{t} * {after}"
    if before and after:
        return f"{before} * ({after})" if " " in after else f"{before} * {after}"
    return before or after or "1.0"


def _pow_guards(d: Dialect, x: Texts) -> list[Guard]:
    return [
        (d.both(f"{x[0]} == 0.0", f"{x[1]} < 0.0"), "zero cannot be raised to a negative power"),
        (d.both(f"{x[0]} < 0.0", d.not_integer(x[1])), "a negative base to a non-integer power is not real"),
    ]


def _step(d: Dialect, x: str) -> str:
    return d.choose(f"{x} > 0.0", "1.0", "0.0")


def _share(d: Dialect, x: str, y: str) -> str:
    """x's share of max(x, y): 1, 0, or 0.5 on a tie."""
    return d.choose(f"{x} > {y}", "1.0", d.choose(f"{x} == {y}", "0.5", "0.0"))


_ONE_OVER_SQRT_PI_2 = "1.1283791670955126"  # 2 / sqrt(pi), as a double
_ONE_OVER_SQRT_2PI = "0.3989422804014327"  # 1 / sqrt(2 pi)
_SQRT_HALF = "0.7071067811865476"  # 1 / sqrt(2)
_LN2 = "0.6931471805599453"
_LN10 = "2.302585092994046"

RULES: dict[str, EmitRule] = {
    "add": EmitRule(lambda d, x: f"{x[0]} + {x[1]}", lambda d, x, o: ["1.0", "1.0"], overflows=True),
    "sub": EmitRule(lambda d, x: f"{x[0]} - {x[1]}", lambda d, x, o: ["1.0", "-1.0"], overflows=True),
    "mul": EmitRule(lambda d, x: f"{x[0]} * {x[1]}", lambda d, x, o: [x[1], x[0]], overflows=True),
    "div": EmitRule(
        lambda d, x: f"{x[0]} / {x[1]}",
        lambda d, x, o: [f"1.0 / {x[1]}", f"-{o} / {x[1]}"],
        lambda d, x: [(f"{x[1]} == 0.0", "division by zero")],
        overflows=True,
        poles=True,
    ),
    "pow": EmitRule(
        lambda d, x: d.helper("pow", x[0], x[1]),
        lambda d, x, o: [
            d.choose(f"{x[1]} == 0.0", "0.0", f"{x[1]} * {d.helper('pow', x[0], f'{x[1]} - 1.0')}"),
            d.choose(f"{x[0]} > 0.0", f"{o} * {d.call('log', x[0])}", d.choose(f"{x[0]} == 0.0", "0.0", d.nan)),
        ],
        _pow_guards,
        overflows=True,
        poles=True,
    ),
    "neg": EmitRule(lambda d, x: f"-{x[0]}", lambda d, x, o: ["-1.0"]),
    "exp": EmitRule(lambda d, x: d.helper("exp", x[0]), lambda d, x, o: [o], overflows=True),
    "log": EmitRule(
        lambda d, x: d.call("log", x[0]),
        lambda d, x, o: [f"1.0 / {x[0]}"],
        lambda d, x: [(f"{x[0]} <= 0.0", "log of a non-positive number")],
        poles=True,
    ),
    "sqrt": EmitRule(
        lambda d, x: d.call("sqrt", x[0]),
        lambda d, x, o: [d.choose(f"{o} == 0.0", d.inf, f"0.5 / {o}")],
        lambda d, x: [(f"{x[0]} < 0.0", "sqrt of a negative number")],
        poles=True,
    ),
    "sin": EmitRule(lambda d, x: d.call("sin", x[0]), lambda d, x, o: [d.call("cos", x[0])]),
    "cos": EmitRule(lambda d, x: d.call("cos", x[0]), lambda d, x, o: [f"-{d.call('sin', x[0])}"]),
    "tan": EmitRule(lambda d, x: d.call("tan", x[0]), lambda d, x, o: [f"1.0 + {o} * {o}"], poles=True),
    "tanh": EmitRule(lambda d, x: d.call("tanh", x[0]), lambda d, x, o: [f"1.0 - {o} * {o}"]),
    "sigmoid": EmitRule(lambda d, x: d.helper("sigmoid", x[0]), lambda d, x, o: [f"{o} * (1.0 - {o})"]),
    "relu": EmitRule(lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], "0.0"), lambda d, x, o: [_step(d, x[0])]),
    "abs": EmitRule(
        lambda d, x: d.call("fabs", x[0]),
        lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", d.choose(f"{x[0]} < 0.0", "-1.0", "0.0"))],
    ),
    "max": EmitRule(
        lambda d, x: d.choose(f"{x[0]} >= {x[1]}", x[0], x[1]),
        lambda d, x, o: [_share(d, x[0], x[1]), _share(d, x[1], x[0])],
    ),
    "min": EmitRule(
        lambda d, x: d.choose(f"{x[0]} <= {x[1]}", x[0], x[1]),
        lambda d, x, o: [_share(d, x[1], x[0]), _share(d, x[0], x[1])],
    ),
    # ---- the operations of the richer language: PyTorch's kinks
    "atan": EmitRule(lambda d, x: d.call("atan", x[0]), lambda d, x, o: [f"1.0 / (1.0 + {x[0]} * {x[0]})"]),
    "asin": EmitRule(
        lambda d, x: d.call("asin", x[0]),
        lambda d, x, o: [d.helper("div", "1.0", d.call("sqrt", f"1.0 - {x[0]} * {x[0]}"))],
        lambda d, x: [(d.either(f"{x[0]} < -1.0", f"{x[0]} > 1.0"), "asin of a number outside [-1, 1]")],
        poles=True,
    ),
    "acos": EmitRule(
        lambda d, x: d.call("acos", x[0]),
        lambda d, x, o: [d.helper("div", "-1.0", d.call("sqrt", f"1.0 - {x[0]} * {x[0]}"))],
        lambda d, x: [(d.either(f"{x[0]} < -1.0", f"{x[0]} > 1.0"), "acos of a number outside [-1, 1]")],
        poles=True,
    ),
    "sinh": EmitRule(lambda d, x: d.helper("sinh", x[0]), lambda d, x, o: [d.helper("cosh", x[0])], overflows=True, poles=True),
    "cosh": EmitRule(lambda d, x: d.helper("cosh", x[0]), lambda d, x, o: [d.helper("sinh", x[0])], overflows=True, poles=True),
    "atan2": EmitRule(
        lambda d, x: d.call("atan2", x[0], x[1]),
        # operands (y, x); the sum in ops.py's order, x*x + y*y, so the floats are the same
        lambda d, x, o: [
            d.helper("div", x[1], f"{x[1]} * {x[1]} + {x[0]} * {x[0]}"),
            d.helper("div", f"-{x[0]}", f"{x[1]} * {x[1]} + {x[0]} * {x[0]}"),
        ],
        poles=True,
    ),
    "hypot": EmitRule(
        lambda d, x: d.call("hypot", x[0], x[1]),
        lambda d, x, o: [d.helper("div", x[0], o), d.helper("div", x[1], o)],
        overflows=True,
        poles=True,
    ),
    "log2": EmitRule(
        lambda d, x: d.call("log2", x[0]),
        lambda d, x, o: [d.helper("div", "1.0", f"{x[0]} * {_LN2}")],
        lambda d, x: [(f"{x[0]} <= 0.0", "log2 of a non-positive number")],
        poles=True,
    ),
    "log10": EmitRule(
        lambda d, x: d.call("log10", x[0]),
        lambda d, x, o: [d.helper("div", "1.0", f"{x[0]} * {_LN10}")],
        lambda d, x: [(f"{x[0]} <= 0.0", "log10 of a non-positive number")],
        poles=True,
    ),
    "log1p": EmitRule(
        lambda d, x: d.call("log1p", x[0]),
        lambda d, x, o: [d.helper("div", "1.0", f"1.0 + {x[0]}")],
        lambda d, x: [(f"{x[0]} <= -1.0", "log1p of a number at or below -1")],
        poles=True,
    ),
    "expm1": EmitRule(lambda d, x: d.helper("expm1", x[0]), lambda d, x, o: [f"{o} + 1.0"], overflows=True),
    "erf": EmitRule(
        lambda d, x: d.call("erf", x[0]),
        lambda d, x, o: [f"{_ONE_OVER_SQRT_PI_2} * {d.call('exp', f'-({x[0]} * {x[0]})')}"],
    ),
    "softplus": EmitRule(lambda d, x: d.helper("softplus", x[0]), lambda d, x, o: [d.helper("sigmoid", x[0])]),
    "gelu": EmitRule(
        lambda d, x: f"0.5 * {x[0]} * (1.0 + {d.call('erf', f'{x[0]} * {_SQRT_HALF}')})",
        lambda d, x, o: [
            f"0.5 * (1.0 + {d.call('erf', f'{x[0]} * {_SQRT_HALF}')})"
            f" + {x[0]} * {d.call('exp', f'-0.5 * ({x[0]} * {x[0]})')} * {_ONE_OVER_SQRT_2PI}"
        ],
    ),
    "elu": EmitRule(
        lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], d.call("expm1", x[0])),
        lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", d.helper("exp", x[0]))],
    ),
    "leaky_relu": EmitRule(
        lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], f"{x[1]} * {x[0]}"),
        lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", x[1]), d.choose(f"{x[0]} > 0.0", "0.0", x[0])],
        overflows=True,
    ),
    "clamp": EmitRule(
        lambda d, x: d.choose(f"{x[0]} < {x[1]}", x[1], d.choose(f"{x[0]} > {x[2]}", x[2], x[0])),
        lambda d, x, o: [
            d.choose(d.both(f"{x[0]} >= {x[1]}", f"{x[0]} <= {x[2]}"), "1.0", "0.0"),
            d.choose(f"{x[0]} < {x[1]}", "1.0", "0.0"),
            d.choose(d.both(f"{x[0]} > {x[2]}", f"{x[0]} >= {x[1]}"), "1.0", "0.0"),
        ],
        lambda d, x: [(f"{x[1]} > {x[2]}", "clamp's lower bound is above its upper bound")],
    ),
    "sum": EmitRule(lambda d, x: _sum(x), lambda d, x, o: ["1.0"] * len(x), overflows=True),
    "prod": EmitRule(lambda d, x: _product(x), lambda d, x, o: [_others(x, i) for i in range(len(x))], overflows=True),
}


# ---- functions a generated file defines for itself, only when used
PYTHON_HELPERS: dict[str, str] = {
    "pow": '''def _pow(x: float, y: float) -> float:
    """x ** y that never raises: a pole is inf, a negative base to a non-integer power nan."""
    if x == 0.0 and y < 0.0:
        return math.inf
    if x < 0.0 and y != math.floor(y):
        return math.nan
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf
''',
    "exp": '''def _exp(x: float) -> float:
    """math.exp with overflow as inf (checked by the caller)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
''',
    "expm1": """def _expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf
""",
    "sinh": """def _sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(math.inf, x)
""",
    "cosh": """def _cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return math.inf
""",
    "sigmoid": '''def _sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), written two ways so that neither overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
''',
    "softplus": '''def _softplus(x: float) -> float:
    """log(1 + exp(x)) without overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
''',
    "div": '''def _div(x: float, y: float) -> float:
    """x / y with a pole as inf (nan for 0 / 0), as autodiff's local derivatives."""
    if y == 0.0:
        return math.nan if x == 0.0 else math.copysign(math.inf, x)
    return x / y
''',
}

C_HELPERS: dict[str, str] = {
    "pow": """static double ad_pow(double x, double y)
{
    /* x ** y as autodiff computes it: a pole is inf, a negative base to a non-integer power nan */
    if (x == 0.0 && y < 0.0) return INFINITY;
    if (x < 0.0 && y != floor(y)) return NAN;
    double r = pow(x, y);
    return isinf(r) ? INFINITY : r;
}
""",
    "sigmoid": """static double ad_sigmoid(double x)
{
    /* 1 / (1 + exp(-x)), written two ways so that neither overflows */
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    double z = exp(x);
    return z / (1.0 + z);
}
""",
    "softplus": """static double ad_softplus(double x)
{
    return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x)));
}
""",
    "div": """static double ad_div(double x, double y)
{
    if (y == 0.0) return x == 0.0 ? NAN : copysign(INFINITY, x);
    return x / y;
}
""",
}
