"""The table's formulas on NumPy arrays: one value per point of a sweep.

`ArrayMath` is `ops.FloatMath`'s interface on arrays, so each row's own
formulas run unchanged on every point at once: its forward (`formula`, which
never raises: a point outside a domain gets a non-finite value, exactly where
the scalar forward raises or overflows, so the sweep marks that point failed)
and its derivative rule, with its kink policy (a branch is `m.where`).

Every function is NumPy's ufunc (`np.exp`, `np.log`, `np.tanh`, ...), whatever
the build: a function `ArrayMath` does not define is NumPy's of that name.
NumPy's SIMD kernels and the C library that `math` calls round differently in
the last bits, so a sweep agrees with `eval --at` within the bound
docs/sweeps.md states (tests/whole/test_sweep_agreement.py checks it), not to the
bit.  Arithmetic (+ - * /, sqrt) rounds correctly on both paths, and the
kinks, ties and domain edges are decided by the same comparisons.

The one exception is erf: NumPy has none (and SciPy is no dependency), so
`math.erf` runs point by point through `np.frompyfunc` (a Python call a
point, about a hundred times a ufunc's time) and gives the scalar path's bits.

An operation without a formula, or whose rule NumPy cannot run (a Python `if`
on a value), still works, point by point through its scalar forward and
`FloatMath` (`forward` and `derivatives` below), only slower;
tests/core/test_arraymath.py checks that no row of the table takes that path.
"""

from __future__ import annotations

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


class _NumPy(type):
    """A function ArrayMath does not define is NumPy's ufunc of that name (NumPy 1.x: `arcsin` for `asin`).

    Each gives nan outside its domain and +-inf where it overflows, as the sweep expects.
    """

    def __getattr__(cls, name: str) -> Callable[..., Array]:
        function = getattr(np, name, None)
        if function is None and name.startswith("a"):
            function = getattr(np, "arc" + name[1:], None)
        if not isinstance(function, np.ufunc):
            raise AttributeError(name)
        return function


class ArrayMath(metaclass=_NumPy):
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
        return np.log(x)  # FloatMath.log's: -inf at 0 (either sign), nan below

    @staticmethod
    def value(x: Array) -> Array:
        return x

    @staticmethod
    def where(condition: Array, then: Array, otherwise: Array) -> Array:
        return np.where(condition, then, otherwise)

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
        return np.where(positive, out * np.log(np.where(positive, x, 1.0)), np.where(x == 0.0, 0.0, math.nan))

    @staticmethod
    def sqrt(x: Array) -> Array:
        nonnegative = x >= 0.0  # FloatMath's nan below 0, not NumPy's (a nan of the other sign)
        return np.where(nonnegative, np.sqrt(np.where(nonnegative, x, 0.0)), math.nan)

    @staticmethod
    def erf(x: Array) -> Array:
        return erf(x)

    @staticmethod
    def sigmoid(x: Array) -> Array:
        # ops._sigmoid's two branches, each where it does not overflow.
        z = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _scalar_forward(op: Operation) -> Callable[..., float]:
    def call(*args: float) -> float:
        try:
            return float(op.forward(*args))
        except (DomainError, ArithmeticError, ValueError):
            return math.nan

    return call


def forward(op: Operation, *args: Array) -> Array:
    """`op`'s forward on arrays: its formula on `ArrayMath`, or its scalar forward point by point."""
    if op.formula is not None:
        return op.formula(ArrayMath, *args)
    return np.vectorize(_scalar_forward(op), otypes=[np.float64])(*args)


def derivatives(op: Operation, *args: Array) -> tuple[Array, ...]:
    """`op`'s local derivatives (args: its inputs, then its output) on arrays.

    The table's rule runs on `ArrayMath`; a rule NumPy cannot run (one that
    branches with a Python `if`, or calls `math` itself) runs point by point
    on `FloatMath` instead.
    """
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
    """Whether `op` has no formula or its rule cannot run on arrays (slow but right)."""
    if op.formula is None:
        return True
    arguments = 3 if op.arity == VARIADIC else op.arity
    probe = [np.array([-1.5, 0.0, 2.0]) for _ in range(arguments + 1)]
    try:
        with np.errstate(all="ignore"):
            op.derivatives(ArrayMath, *probe)
    except (TypeError, ValueError, AttributeError):
        return True
    return False
