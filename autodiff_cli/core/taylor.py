"""Taylor mode: the first K derivatives along one input by truncated power series.

Each node carries the coefficients c_0..c_K of its value as a series in
t = x - x0 (c_0 is the value, c_k the k-th derivative over k!).  An input
is `[x0, 1, 0, ...]`, a constant `[v, 0, ...]`, and each operation maps its
arguments' series to its own by a propagation rule: the standard recurrences
(Griewank and Walther, "Evaluating Derivatives", ch. 13) in O(K^2)
operations a node, where nested `grad()` grows exponentially with K.

Each operation's rule is in its row (`ops.Operation.taylor`), written over
this module's series arithmetic (passed to it as `t`): it takes the
arguments' series and the node's value as the forward pass computed it (so
c_0 is that value to the last bit) and returns the node's series.  A row
without a rule of its own is a unary function whose derivative rule does not
read its output: f(a) is the integral of f'(a) a', with f' the row's own
derivative rule run on series (`SeriesMath`).

Kinks follow the first derivative's policy at every order, and the rows say
how: away from the kink the series is that of the branch taken; on it, relu
and abs give a constant series (relu'(0) = abs'(0) = 0, so every higher
derivative is 0 too), and a max/min tie gives the mean of both arguments'
series (the even split of the gradient, differentiated again).  This is what
nested `grad()` gives there.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, topological_order
from .ops import OPERATIONS, FloatMath, Operation

Series = list[float]

#: The largest K: 170! is the largest factorial a double holds.
MAX_ORDER = 170


class SeriesDomainError(ArithmeticError):
    """An operation has no Taylor series at this point (sqrt at 0 of a moving argument)."""

    def __init__(self, message: str, node: Value | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


# ------------------------------------------------------------------ series arithmetic


def constant(value: float, n: int) -> Series:
    return [value] + [0.0] * (n - 1)


def moves(a: Series) -> bool:
    """Whether a series depends on the input at all (a coefficient past c_0 is not 0)."""
    return any(a[1:])


def add(a: Series, b: Series) -> Series:
    return [x + y for x, y in zip(a, b)]


def sub(a: Series, b: Series) -> Series:
    return [x - y for x, y in zip(a, b)]


def scale(a: Series, factor: float) -> Series:
    return [factor * x for x in a]


def mul(a: Series, b: Series) -> Series:
    """The Cauchy product, truncated: c_k = sum_j a_j b_(k-j)."""
    n = len(a)
    return [sum(a[j] * b[k - j] for j in range(k + 1)) for k in range(n)]


def div(a: Series, b: Series, value: float | None = None) -> Series:
    """a / b from c * b = a: c_k = (a_k - sum_(j<k) c_j b_(k-j)) / b_0."""
    b0 = b[0]
    if b0 == 0.0:
        raise SeriesDomainError("division by a series whose value is 0")
    c: Series = []
    for k in range(len(a)):
        c.append((a[k] - sum(c[j] * b[k - j] for j in range(k))) / b0)
    if value is not None:
        c[0] = value
    return c


def derivative(a: Series) -> Series:
    """d/dt of a series, one term shorter: (k + 1) a_(k+1)."""
    return [(k + 1) * a[k + 1] for k in range(len(a) - 1)]


def integral(value: float, d: Series) -> Series:
    """The series whose derivative is `d` and whose value is `value`: one term longer."""
    return [value] + [d[k - 1] / k for k in range(1, len(d) + 1)]


def chain(value: float, a: Series, outer_derivative: Callable[[Series], Series]) -> Series:
    """f(a) from f(a)' = f'(a) * a': the series of f'(a) (one term shorter is enough), times a', integrated."""
    if len(a) == 1:
        return [value]
    short = a[:-1]
    return integral(value, mul(outer_derivative(short), derivative(a)))


def exp(a: Series, value: float | None = None) -> Series:
    """e' = e a': e_k = (1/k) sum_(j=1..k) j a_j e_(k-j)."""
    e = [math.exp(a[0]) if value is None else value]
    for k in range(1, len(a)):
        e.append(sum(j * a[j] * e[k - j] for j in range(1, k + 1)) / k)
    return e


def log(a: Series, value: float | None = None) -> Series:
    """a = exp(l): l_k = (a_k - (1/k) sum_(j=1..k-1) j l_j a_(k-j)) / a_0."""
    a0 = a[0]
    if a0 <= 0.0:
        raise SeriesDomainError(f"log has no Taylor series at {a0!r}")
    lg = [math.log(a0) if value is None else value]
    for k in range(1, len(a)):
        lg.append((a[k] - sum(j * lg[j] * a[k - j] for j in range(1, k)) / k) / a0)
    return lg


def sqrt(a: Series, value: float | None = None) -> Series:
    """s * s = a: s_k = (a_k - sum_(j=1..k-1) s_j s_(k-j)) / (2 s_0)."""
    a0 = a[0]
    if a0 < 0.0:
        raise SeriesDomainError(f"sqrt has no real Taylor series at {a0!r}")
    if a0 == 0.0:
        if moves(a):
            raise SeriesDomainError("sqrt has no Taylor series at 0: its derivative there is infinite")
        return constant(0.0, len(a))
    s = [math.sqrt(a0) if value is None else value]
    for k in range(1, len(a)):
        s.append((a[k] - sum(s[j] * s[k - j] for j in range(1, k))) / (2.0 * s[0]))
    return s


def sin_cos(a: Series) -> tuple[Series, Series]:
    """s' = c a', c' = -s a', side by side."""
    s, c = [math.sin(a[0])], [math.cos(a[0])]
    for k in range(1, len(a)):
        s.append(sum(j * a[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(-sum(j * a[j] * s[k - j] for j in range(1, k + 1)) / k)
    return s, c


def sinh_cosh(a: Series) -> tuple[Series, Series]:
    """sh' = ch a', ch' = sh a', side by side."""
    s, c = [math.sinh(a[0])], [math.cosh(a[0])]
    for k in range(1, len(a)):
        s.append(sum(j * a[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(sum(j * a[j] * s[k - j] for j in range(1, k + 1)) / k)
    return s, c


def square_coefficient(f: Series, k: int) -> float:
    """The k-th coefficient of f * f from f_0..f_k."""
    return sum(f[j] * f[k - j] for j in range(k + 1))


def riccati(a: Series, value: float, w0: float, w_next: Callable[[Series, int], float]) -> Series:
    """f(a) where f' = w(f) a', w a polynomial in f: f_k = (1/k) sum_(j=1..k) j a_j w_(k-j).

    `w_next(f, k)` gives w_k once f_0..f_k are known (tan: 1 + f^2, tanh:
    1 - f^2, sigmoid: f - f^2).
    """
    f, w = [value], [w0]
    for k in range(1, len(a)):
        f.append(sum(j * a[j] * w[k - j] for j in range(1, k + 1)) / k)
        w.append(w_next(f, k))
    return f


def pow_constant(a: Series, r: float, value: float) -> Series:
    """a ** r for a constant r: p_k = (1/(k a_0)) sum_(j=1..k) ((r + 1) j - k) a_j p_(k-j)."""
    n = len(a)
    if r == 0.0:
        return constant(value, n)  # d/dx x**0 = 0 by the table's rule, at every order
    a0 = a[0]
    if a0 == 0.0:
        if not moves(a):
            return constant(value, n)
        if float(r).is_integer() and r > 0:
            return _whole_power(a, int(r), value)
        raise SeriesDomainError(f"x ** {r!r} has no Taylor series at x = 0 (the exponent is not a whole number)")
    p = [value]
    for k in range(1, n):
        p.append(sum(((r + 1.0) * j - k) * a[j] * p[k - j] for j in range(1, k + 1)) / (k * a0))
    return p


def _whole_power(a: Series, r: int, value: float) -> Series:
    """a ** r by squaring (where a_0 = 0 the recurrence would divide by it)."""
    result = constant(1.0, len(a))
    base = a
    while r:
        if r & 1:
            result = mul(result, base)
        r >>= 1
        if r:
            base = mul(base, base)
    result[0] = value
    return result


def with_value(series: Series, value: float) -> Series:
    """c_0 exactly as the forward pass computed it (a composition may differ in the last bit)."""
    series[0] = value
    return series


def fold(combine: Callable[[Series, Series], Series], args: Sequence[Series]) -> Series:
    """combine(...combine(combine(a, b), c)..., z): left to right, as sum and prod compute."""
    result = list(args[0])
    for other in args[1:]:
        result = combine(result, other)
    return result


# ------------------------------------------------------------------ rules, from the rows

Rule = Callable[[Sequence[Series], float], Series]


def rule(op: Operation) -> Rule:
    """`op`'s Taylor rule: its row's own, or the integral of its derivative rule run on series."""
    own = op.taylor
    if own is not None:
        return lambda args, out: own(_SERIES, args, out)

    def by_derivative(args: Sequence[Series], out: float) -> Series:
        return chain(out, args[0], lambda s: _series(op.derivatives(SeriesMath, Truncated(s), None)[0], len(s)))

    return by_derivative


def apply(name: str, args: Sequence[Series]) -> Series:
    """The operation `name` on series, its value computed by its formula (what a rule of another row calls)."""
    op = OPERATIONS[name]
    assert op.formula is not None
    return rule(op)(args, op.formula(FloatMath, *[a[0] for a in args]))


class Truncated:
    """A series in a derivative rule's arithmetic: `1.0 + x * x` adds and multiplies series."""

    __slots__ = ("c",)

    def __init__(self, c: Series) -> None:
        self.c = c

    def __add__(self, other: Any) -> Truncated:
        return Truncated(add(self.c, _series(other, len(self.c))))

    def __radd__(self, other: Any) -> Truncated:
        return Truncated(add(_series(other, len(self.c)), self.c))

    def __sub__(self, other: Any) -> Truncated:
        return Truncated(sub(self.c, _series(other, len(self.c))))

    def __rsub__(self, other: Any) -> Truncated:
        return Truncated(sub(_series(other, len(self.c)), self.c))

    def __mul__(self, other: Any) -> Truncated:
        if isinstance(other, Truncated):
            return Truncated(mul(self.c, other.c))
        return Truncated(scale(self.c, other))

    __rmul__ = __mul__

    def __neg__(self) -> Truncated:
        return Truncated([-x for x in self.c])


def _series(x: Any, n: int) -> Series:
    return x.c if isinstance(x, Truncated) else constant(float(x), n)


class _SeriesLibrary(type):
    """A function SeriesMath does not define is the operation of that name, on series."""

    def __getattr__(cls, name: str) -> Callable[..., Truncated]:
        if name not in OPERATIONS:
            raise AttributeError(name)

        def call(*xs: Any) -> Truncated:
            n = next(len(x.c) for x in xs if isinstance(x, Truncated))
            return Truncated(apply(name, [_series(x, n) for x in xs]))

        return call


class SeriesMath(metaclass=_SeriesLibrary):
    """`FloatMath`'s interface on series: what a derivative rule runs on to give its Taylor rule."""

    @staticmethod
    def div(x: Any, y: Any) -> Truncated:
        n = len(x.c if isinstance(x, Truncated) else y.c)
        return Truncated(div(_series(x, n), _series(y, n)))

    @staticmethod
    def sqrt(x: Truncated) -> Truncated:
        return Truncated(sqrt(x.c))

    @staticmethod
    def exp(x: Truncated) -> Truncated:
        return Truncated(exp(x.c))

    @staticmethod
    def log(x: Truncated) -> Truncated:
        return Truncated(log(x.c))


_SERIES = sys.modules[__name__]


# ------------------------------------------------------------------ the walk


def taylor_series(output: Value, seed: Value, order_k: int, order: Sequence[Value] | None = None) -> Series:
    """c_0..c_K of `output` as a series in (seed - seed's value); one rule per node, in topological order.

    A node none of whose arguments moves keeps a constant series without its
    rule being asked, so an operation at the edge of its domain that does not
    depend on the seed (sqrt(0) of a constant) is no error.
    """
    n = order_k + 1
    if order is None:
        order = topological_order(output)
    series: dict[int, Series] = {}
    for node in order:
        op = node.op
        if op.__class__ is str:
            series[id(node)] = [node.data, 1.0] + [0.0] * (n - 2) if node is seed else constant(node.data, n)
            if n == 1:
                series[id(node)] = [node.data]
            continue
        args = [series[id(child)] for child in node.children]
        if not any(moves(a) for a in args):
            series[id(node)] = constant(node.data, n)
            continue
        try:
            series[id(node)] = rule(op)(args, node.data)  # type: ignore[arg-type]
        except SeriesDomainError as error:
            message = error.message
            if not message.startswith((f"{op.name} ", "x ** ")):  # type: ignore[union-attr]
                # A rule made of others (asin from sqrt, atan2 from a division) names its own operation.
                message = f"{op.name} has no Taylor series at this point ({message})"  # type: ignore[union-attr]
            raise SeriesDomainError(message, node) from None
    return series[id(output)]


def derivatives(coefficients: Series) -> list[float]:
    """k! c_k: the k-th derivative from the k-th coefficient (0 stays 0 however large k! is)."""
    result = []
    factorial = 1.0
    for k, c in enumerate(coefficients):
        if k:
            factorial *= k
        result.append(c * factorial if c != 0.0 else 0.0)
    return result
