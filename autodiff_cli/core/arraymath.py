"""The table of operations on NumPy arrays: one value per point of a sweep.

`ArrayMath` is `ops.FloatMath`'s interface on arrays, so the table's own
derivative rules (and its kink policy) run unchanged on every point at once.
`FORWARDS` holds each operation's forward on arrays; they never raise: a
point outside a domain gets a non-finite value, which is exactly when the
scalar forward raises or overflows (so the sweep marks that point failed).

Every function is NumPy's ufunc (`np.exp`, `np.log`, `np.tanh`, ...), whatever
the build: NumPy's SIMD kernels and the C library that `math` calls round
differently in the last bits, so a sweep agrees with `eval --at` within the
bound docs/sweeps.md states (tests/test_sweep_agreement.py checks it), not to
the bit.  Arithmetic (+ - * /, sqrt) rounds correctly on both paths, and the
kinks, ties and domain edges are decided by the same comparisons.

The one exception is erf: NumPy has none (and SciPy is no dependency), so
`math.erf` runs point by point through `np.frompyfunc` (a Python call a
point, about a hundred times a ufunc's time) and gives the scalar path's bits.

A rule of the table that branches with a Python `if` on a value (elu,
leaky_relu, clamp: GraphMath takes the branch at the graph's values) has its
`np.where` form in `RULES`.

An operation missing here still works, point by point through its scalar
forward and `FloatMath` (`forward` and `derivatives` below), only slower;
tests/test_arraymath.py names the operations that take that path.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

try:
    import numpy as np
except ImportError as error:  # pragma: no cover - depends on the installation
    from ..base.errors import UsageError

    raise UsageError("--sweep needs NumPy, which is not installed: pip install 'autodiff-cli[sweep]'") from error

from .ops import VARIADIC, DomainError, FloatMath, Operation

Array = Any  # an ndarray of float64, or a float where a value is the same at every point

# NumPy's ufuncs, under the names of the language (and of `math`).  Each gives
# nan outside its domain and +-inf where it overflows, as the sweep expects.
sin, cos, tan, tanh, exp, log, sqrt = np.sin, np.cos, np.tan, np.tanh, np.exp, np.log, np.sqrt
asin, acos, atan, sinh, cosh = np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh
log2, log10, log1p, expm1 = np.log2, np.log10, np.log1p, np.expm1
atan2, hypot = np.arctan2, np.hypot

_erf_objects = np.frompyfunc(math.erf, 1, 1)


def erf(x: Array) -> Array:
    """`math.erf` at every point: NumPy has no erf (math.erf never raises on a finite number)."""
    return np.asarray(_erf_objects(x), dtype=np.float64)


def power(x: Array, y: Array) -> Array:
    """x ** y by NumPy's pow, with math.pow's edges: 0 to a negative power and an overflow are +inf.

    NumPy answers a scalar exponent of 2, 0.5 or -1 with x*x, sqrt or 1/x, and
    sqrt(-0.0) is -0.0 where pow(-0.0, 0.5) is +0.0 (a sign atan2 would see):
    both operands are given as full arrays, so every point calls pow.
    """
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    full = shape or (1,)
    x, y = (v if np.shape(v) == full else np.full(full, v, dtype=np.float64) for v in (x, y))
    result = np.power(x, y)
    if not math.isfinite(np.add.reduce(result, axis=None)):  # rare: an edge below applies somewhere
        zero_negative = (x == 0.0) & (y < 0.0)
        overflow = np.isinf(result) & np.isfinite(x) & np.isfinite(y)
        result = np.where(zero_negative | overflow, math.inf, result)
    return result.reshape(shape)


class ArrayMath:
    """`FloatMath` on arrays: the same kinks, poles and ties, decided by the same comparisons."""

    @staticmethod
    def div(x: Array, y: Array) -> Array:
        quotient = np.divide(x, y)
        if math.isfinite(np.add.reduce(quotient, axis=None)):
            return quotient  # no pole: x / 0 would be inf or nan (the common case, two passes)
        # FloatMath: 0/0 is nan, x/0 is inf with x's sign (whatever the sign of the zero).
        pole = np.where(x == 0.0, math.nan, np.copysign(math.inf, x))
        return np.where(y == 0.0, pole, np.divide(x, np.where(y == 0.0, 1.0, y)))

    @staticmethod
    def pow(x: Array, y: Array) -> Array:
        result = power(x, y)
        negative = x < 0.0
        if not np.any(negative):
            return result
        return np.where(negative & (y != np.trunc(y)), math.nan, result)

    @staticmethod
    def log(x: Array) -> Array:
        return np.where(x > 0.0, log(np.where(x > 0.0, x, 1.0)), np.where(x == 0.0, -math.inf, math.nan))

    @staticmethod
    def step(x: Array) -> Array:
        return np.where(x > 0.0, 1.0, 0.0)

    @staticmethod
    def sign(x: Array) -> Array:
        # 1, -1 or 0; adding 0.0 turns NumPy's sign(-0.0) == -0.0 into FloatMath's 0.0.
        return np.sign(x) + 0.0

    @staticmethod
    def share(x: Array, y: Array) -> Array:
        # Exactly 1.0, 0.5 or 0.0: a sum of two products of 0/1 with powers of two.
        return np.greater(x, y) * 1.0 + np.equal(x, y) * 0.5

    @staticmethod
    def power_rule(x: Array, y: Array) -> Array:
        return np.where(y == 0.0, 0.0, y * ArrayMath.pow(x, y - 1.0))

    @staticmethod
    def exponent_rule(x: Array, out: Array) -> Array:
        positive = x > 0.0
        return np.where(positive, out * log(np.where(positive, x, 1.0)), np.where(x == 0.0, 0.0, math.nan))

    @staticmethod
    def cos(x: Array) -> Array:
        return cos(x)

    @staticmethod
    def sin(x: Array) -> Array:
        return sin(x)

    @staticmethod
    def sqrt(x: Array) -> Array:
        nonnegative = x >= 0.0
        return np.where(nonnegative, sqrt(np.where(nonnegative, x, 0.0)), math.nan)

    @staticmethod
    def exp(x: Array) -> Array:
        return exp(x)  # +inf where it overflows, as FloatMath.exp

    @staticmethod
    def sinh(x: Array) -> Array:
        return sinh(x)

    @staticmethod
    def cosh(x: Array) -> Array:
        return cosh(x)

    @staticmethod
    def erf(x: Array) -> Array:
        return erf(x)

    @staticmethod
    def sigmoid(x: Array) -> Array:
        return _sigmoid(x)


def _sigmoid(x: Array) -> Array:
    # ops._sigmoid's two branches, each where it does not overflow.
    z = exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softplus(x: Array) -> Array:
    # ops._softplus: max(x, 0.0) + log1p(exp(-abs(x))), with Python's max (x unless x < 0.0).
    return np.where(x < 0.0, 0.0, x) + log1p(exp(-np.abs(x)))


_SQRT_HALF = math.sqrt(0.5)


def _gelu(x: Array) -> Array:
    # ops._gelu, operation for operation.
    return 0.5 * x * (1.0 + erf(x * _SQRT_HALF))


def _clamp(x: Array, lo: Array, hi: Array) -> Array:
    # ops._clamp; lo > hi fails (nan) at that point.
    clamped = np.where(x < lo, lo, np.where(x > hi, hi, x))
    return np.where(lo > hi, math.nan, clamped)


def _pow_forward(x: Array, y: Array) -> Array:
    # ops._pow fails where this is not finite: 0 to a negative power (inf),
    # a negative base to a non-integer power (nan), overflow (inf).
    return ArrayMath.pow(x, y)


#: Forward of each operation on arrays; a point outside the domain gives nan or inf.
FORWARDS: dict[str, Callable[..., Array]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,  # x/0 is inf or nan: the point fails, as ops._div raises
    "pow": _pow_forward,
    "neg": np.negative,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "sin": sin,
    "cos": cos,
    "tan": tan,
    "tanh": tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.where(x > 0.0, x, 0.0),
    "abs": np.abs,
    "max": lambda x, y: np.where(x >= y, x, y),
    "min": lambda x, y: np.where(x <= y, x, y),
    "asin": asin,  # nan outside [-1, 1]
    "acos": acos,
    "atan": atan,
    "atan2": atan2,
    "hypot": hypot,
    "sinh": sinh,
    "cosh": cosh,
    "log2": log2,
    "log10": log10,
    "log1p": log1p,
    "expm1": expm1,
    "erf": erf,
    "softplus": _softplus,
    "gelu": _gelu,
    "elu": lambda x: np.where(x > 0.0, x, expm1(x)),
    "leaky_relu": lambda x, slope: np.where(x > 0.0, x, slope * x),
    "clamp": _clamp,
    "sum": lambda *xs: functools.reduce(np.add, xs),  # left to right, as ops._sum
    "prod": lambda *xs: functools.reduce(np.multiply, xs),
}


def _elu_rule(x: Array, out: Array) -> tuple[Array]:
    return (np.where(x > 0.0, 1.0, ArrayMath.exp(x)),)


def _leaky_relu_rule(x: Array, slope: Array, out: Array) -> tuple[Array, Array]:
    positive = x > 0.0
    return np.where(positive, 1.0, slope), np.where(positive, 0.0, x)


def _clamp_rule(x: Array, lo: Array, hi: Array, out: Array) -> tuple[Array, Array, Array]:
    inside = (lo <= x) & (x <= hi)
    return np.where(inside, 1.0, 0.0), np.where(x < lo, 1.0, 0.0), np.where(x > hi, 1.0, 0.0)


#: Array forms of the table's rules that branch with a Python `if` on a value
#: (what GraphMath needs: a branch taken at the graph's current values). Each
#: is the same rule with `np.where`, checked against FloatMath in tests/test_sweep_agreement.py.
RULES: dict[str, Callable[..., tuple[Array, ...]]] = {
    "elu": _elu_rule,
    "leaky_relu": _leaky_relu_rule,
    "clamp": _clamp_rule,
}


def _scalar_forward(op: Operation) -> Callable[..., float]:
    def call(*args: float) -> float:
        try:
            return float(op.forward(*args))
        except (DomainError, ArithmeticError, ValueError):
            return math.nan

    return call


def forward(op: Operation, *args: Array) -> Array:
    """`op`'s forward on arrays: `FORWARDS`, or its scalar forward point by point."""
    vectorised = FORWARDS.get(op.name)
    if vectorised is not None:
        return vectorised(*args)
    return np.vectorize(_scalar_forward(op), otypes=[np.float64])(*args)


def derivatives(op: Operation, *args: Array) -> tuple[Array, ...]:
    """`op`'s local derivatives (args: its inputs, then its output) on arrays.

    The table's rule runs on `ArrayMath`; a rule NumPy cannot run (one that
    branches with a Python `if`, or calls `math` itself) runs point by point
    on `FloatMath` instead.
    """
    rule = RULES.get(op.name)
    if rule is not None:
        return rule(*args)
    try:
        return tuple(op.derivatives(ArrayMath, *args))
    except (TypeError, ValueError, AttributeError):
        return pointwise_derivatives(op, *args)


def pointwise_derivatives(op: Operation, *args: Array) -> tuple[Array, ...]:
    """The rule on `FloatMath`, one point at a time."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    columns = [np.broadcast_to(np.asarray(a, dtype=np.float64), shape).ravel().tolist() for a in args]
    rows = [op.derivatives(FloatMath, *point) for point in zip(*columns)]
    return tuple(np.array([row[i] for row in rows], dtype=np.float64).reshape(shape) for i in range(len(args) - 1))


def uses_pointwise(op: Operation) -> bool:
    """Whether `op` has no vectorised forward or its rule cannot run on arrays (slow but right)."""
    if op.name not in FORWARDS:
        return True
    if op.name in RULES:
        return False
    arguments = 3 if op.arity == VARIADIC else op.arity
    probe = [np.array([-1.5, 0.0, 2.0]) for _ in range(arguments + 1)]
    try:
        with np.errstate(all="ignore"):
            op.derivatives(ArrayMath, *probe)
    except (TypeError, ValueError, AttributeError):
        return True
    return False
