"""The table of operations on NumPy arrays: one value per point of a sweep.

`ArrayMath` is `ops.FloatMath`'s interface on arrays, so the table's own
derivative rules (and its kink policy) run unchanged on every point at once.
`FORWARDS` holds each operation's forward on arrays; they never raise: a
point outside a domain gets a non-finite value, which is exactly when the
scalar forward raises or overflows (so the sweep marks that point failed).

Every result must equal the scalar one to the last bit.  NumPy's own SIMD
loops for a few functions (tanh on AVX2, more on AVX-512) round differently
from the C library that `math` calls; `_libm` checks each function against
`math` once and uses `math` point by point where they differ (and for erf,
which NumPy lacks, and hypot, which Python computes itself): still one
array call per operation, about 40 ns a point.

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

# Points where the checks of _libm look for a difference from `math`: small,
# large, near poles and zeros, and the range where exp overflows.
_PROBE = np.concatenate(
    [
        np.linspace(-20.0, 20.0, 1601),
        np.linspace(-720.0, 720.0, 401),
        np.geomspace(1e-300, 1e300, 601),
        -np.geomspace(1e-300, 1e300, 601),
        np.array([0.0, -0.0, math.pi / 2, -math.pi / 2, math.pi, 709.78, -745.1]),
    ]
)


def _pointwise(function: Callable[[float], float]) -> Callable[[Array], Array]:
    """A `math` function over an array, point by point (about 40 ns a point)."""

    def apply(x: Array) -> Array:
        if np.ndim(x) == 0:
            return function(float(x))
        flat = np.asarray(x, dtype=np.float64).ravel()
        return np.fromiter(map(function, flat.tolist()), dtype=np.float64, count=flat.size).reshape(np.shape(x))

    return apply


def _safe(function: Callable[[float], float]) -> Callable[[float], float]:
    """`function`, with nan where it is undefined and FloatMath's infinity where it overflows."""

    def call(x: float) -> float:
        try:
            return function(x)
        except ValueError:
            return math.nan
        except OverflowError:  # exp, expm1 and cosh overflow to +inf, sinh to inf with x's sign
            return math.copysign(math.inf, x) if function is math.sinh else math.inf

    return call


def _agrees(candidate: Callable[[Array], Array], name: str) -> bool:
    """Whether `candidate` gives `math.name`'s bits at every probe point."""
    with np.errstate(all="ignore"):
        fast = candidate(_PROBE)
    slow = _pointwise(_safe(getattr(math, name)))(_PROBE)
    # Where `math` raises (log(0), exp(800)) both only need to be non-finite: the point fails.
    same = np.where(np.isnan(slow), ~np.isfinite(fast), fast == slow)
    return bool(same.all())


def _tanh_from_expm1(x: Array) -> Array:
    """tanh by fdlibm's algorithm (the C library's): right to the bit wherever expm1 is."""
    a = np.abs(x)
    large = a >= 1.0
    with np.errstate(all="ignore"):
        t = np.expm1(np.where(large, 2.0 * a, -2.0 * a))  # expm1(2|x|) from 1 up, expm1(-2|x|) below
        z = np.where(large, 1.0 - 2.0 / (t + 2.0), -t / (t + 2.0))
    z = np.where(a < 2.0**-55, a * (1.0 + a), z)
    z = np.where(a >= 22.0, 1.0, z)
    return np.copysign(z, x)


#: Ways to compute a function on arrays, fastest first, beyond NumPy's own ufunc.
_ALTERNATIVES: dict[str, list[Callable[[Array], Array]]] = {"tanh": [_tanh_from_expm1]}


#: NumPy's name for a `math` function where the two differ.
_NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}


def _libm(name: str) -> Callable[[Array], Array]:
    """The fastest way to compute `math.name` on arrays that agrees with it on the probe points.

    NumPy's ufunc, else an alternative formula (tanh from expm1, when NumPy's
    expm1 agrees), else `math.name` point by point (erf: NumPy has none).
    """
    ufunc = getattr(np, _NUMPY_NAMES.get(name, name), None)
    candidates = [] if ufunc is None else [ufunc]
    candidates += _ALTERNATIVES.get(name, []) if _agrees(np.expm1, "expm1") else []
    for candidate in candidates:
        if _agrees(candidate, name):
            return candidate
    return _pointwise(_safe(getattr(math, name)))


sin, cos, tan, tanh, exp, log, sqrt = (_libm(name) for name in ("sin", "cos", "tan", "tanh", "exp", "log", "sqrt"))
asin, acos, atan, sinh, cosh = (_libm(name) for name in ("asin", "acos", "atan", "sinh", "cosh"))
log2, log10, log1p, expm1, erf = (_libm(name) for name in ("log2", "log10", "log1p", "expm1", "erf"))


def _pointwise2(function: Callable[[float, float], float]) -> Callable[[Array, Array], Array]:
    """A two-argument `math` function over arrays, point by point."""
    vectorised = np.vectorize(function, otypes=[np.float64])

    def apply(x: Array, y: Array) -> Array:
        if np.ndim(x) == 0 and np.ndim(y) == 0:
            return function(float(x), float(y))
        return vectorised(x, y)

    return apply


def _libm2(name: str) -> Callable[[Array, Array], Array]:
    """`_libm` for atan2 and hypot: NumPy's ufunc if it gives `math.name`'s bits on a grid of probe pairs.

    Python's own hypot (not the C library's) is what `math.hypot` runs, so it may well differ.
    """
    ufunc = getattr(np, {"atan2": "arctan2"}.get(name, name))
    reference = getattr(math, name)
    sample = _PROBE[::11]
    x, y = (column.ravel() for column in np.meshgrid(sample, sample[::-1][::3]))
    fast = ufunc(x, y)
    slow = np.fromiter(map(reference, x.tolist(), y.tolist()), np.float64, x.size)
    same = (fast == slow) & (np.signbit(fast) == np.signbit(slow))
    return ufunc if bool(same.all()) else _pointwise2(reference)


atan2, hypot = _libm2("atan2"), _libm2("hypot")


def _power(x: Array, y: Array) -> Array:
    """x ** y, with math.pow's edges: 0 to a negative power and an overflow are +inf, (-x) ** 0.5 nan.

    NumPy answers a scalar exponent of 2, 0.5 or -1 with x*x, sqrt or 1/x,
    which differ from the C library's pow in the last bit (and sqrt(-0.0) is
    -0.0): both operands are given as full arrays, so every point calls pow.
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


_power_checked = False


def power(x: Array, y: Array) -> Array:
    """`_power`, or math.pow point by point if this NumPy's power differs from the C library's."""
    global _power, _power_checked
    if not _power_checked:
        _power_checked = True
        base = np.abs(_PROBE[::7])
        exponent = np.linspace(-3.5, 3.5, base.size)
        with np.errstate(all="ignore"):
            fast = _power(base, exponent)
        slow = np.fromiter(map(FloatMath.pow, base.tolist(), exponent.tolist()), np.float64, base.size)
        if not bool(((fast == slow) | (np.isnan(fast) & np.isnan(slow))).all()):
            vectorised = np.vectorize(FloatMath.pow, otypes=[np.float64])
            _power = vectorised  # type: ignore[assignment]
    return _power(x, y)


class ArrayMath:
    """`FloatMath` on arrays, point for point the same numbers (kinks, poles and ties included)."""

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
#: is the same rule with `np.where`, checked against FloatMath in tests/test_arraymath.py.
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
