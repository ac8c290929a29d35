"""Taylor mode: the first K derivatives along one input by truncated power series.

Each node carries the coefficients c_0..c_K of its value as a series in
t = x - x0 (c_0 is the value, c_k the k-th derivative over k!).  An input
is `[x0, 1, 0, ...]`, a constant `[v, 0, ...]`, and each operation maps its
arguments' series to its own by a propagation rule: the standard recurrences
(Griewank and Walther, "Evaluating Derivatives", ch. 13) in O(K^2)
operations a node, where nested `grad()` grows exponentially with K.

`RULES` is keyed by operation name, one rule for every row of
`ops.OPERATIONS` (a test checks it).  A rule takes the arguments' series and
the node's value as the forward pass computed it (so c_0 is that value to
the last bit) and returns the node's series.  Rules not given by a recurrence
of their own are compositions of the series operations below.

Kinks follow the first derivative's policy at every order: away from the kink
the series is that of the branch taken; on it, relu and abs give a constant
series (relu'(0) = abs'(0) = 0, so every higher derivative is 0 too), and a
max/min tie gives the mean of both arguments' series (the even split of the
gradient, differentiated again).  This is what nested `grad()` gives there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .engine import Value, topological_order

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


def _square_coefficient(f: Series, k: int) -> float:
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


# ------------------------------------------------------------------ rules, by operation name

Rule = Callable[[Sequence[Series], float], Series]


def _pow(args: Sequence[Series], out: float) -> Series:
    a, b = args
    n = len(a)
    if not moves(b):
        return pow_constant(a, b[0], out)
    a0 = a[0]
    if a0 > 0.0:
        return exp(mul(b, log(a)), out)
    if a0 == 0.0 and not moves(a):
        return constant(out, n)  # d/dy x**y = 0 at x == 0, at every order (the table's policy)
    if a0 < 0.0:
        # d/dy x**y is nan for x < 0 (the table's policy): so is every higher term.
        return [out] + [math.nan] * (n - 1)
    raise SeriesDomainError("x ** y has no Taylor series at x = 0 when both move")


def _sigmoid_value(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def sigmoid(a: Series, value: float | None = None) -> Series:
    s0 = _sigmoid_value(a[0]) if value is None else value
    return riccati(a, s0, s0 * (1.0 - s0), lambda f, k: f[k] - _square_coefficient(f, k))


def tanh(a: Series, value: float) -> Series:
    return riccati(a, value, 1.0 - value * value, lambda f, k: -_square_coefficient(f, k))


def tan(a: Series, value: float) -> Series:
    return riccati(a, value, 1.0 + value * value, lambda f, k: _square_coefficient(f, k))


def _relu(args: Sequence[Series], out: float) -> Series:
    (a,) = args
    return list(a) if a[0] > 0.0 else constant(0.0, len(a))


def _abs(args: Sequence[Series], out: float) -> Series:
    (a,) = args
    if a[0] == 0.0:
        return constant(0.0, len(a))  # abs'(0) = 0, and so every higher term
    return list(a) if a[0] > 0.0 else scale(a, -1.0)


def _larger(a: Series, b: Series) -> Series:
    if a[0] == b[0]:
        return scale(add(a, b), 0.5)  # a tie splits evenly, at every order
    return list(a) if a[0] > b[0] else list(b)


def _smaller(a: Series, b: Series) -> Series:
    if a[0] == b[0]:
        return scale(add(a, b), 0.5)
    return list(a) if a[0] < b[0] else list(b)


def _with_value(series: Series, value: float) -> Series:
    """c_0 exactly as the forward pass computed it (a composition may differ in the last bit)."""
    series[0] = value
    return series


def _one_minus_square(a: Series) -> Series:
    return sub(constant(1.0, len(a)), mul(a, a))


_SQRT_2_OVER_PI = 2.0 / math.sqrt(math.pi)

RULES: dict[str, Rule] = {
    "add": lambda args, out: _with_value(add(*args), out),
    "sub": lambda args, out: _with_value(sub(*args), out),
    "mul": lambda args, out: _with_value(mul(*args), out),
    "div": lambda args, out: div(args[0], args[1], out),
    "pow": _pow,
    "neg": lambda args, out: scale(args[0], -1.0),
    "exp": lambda args, out: exp(args[0], out),
    "log": lambda args, out: log(args[0], out),
    "sqrt": lambda args, out: sqrt(args[0], out),
    "sin": lambda args, out: _with_value(sin_cos(args[0])[0], out),
    "cos": lambda args, out: _with_value(sin_cos(args[0])[1], out),
    "tan": lambda args, out: tan(args[0], out),
    "tanh": lambda args, out: tanh(args[0], out),
    "sigmoid": lambda args, out: sigmoid(args[0], out),
    "relu": _relu,
    "abs": _abs,
    "max": lambda args, out: _with_value(_larger(*args), out),
    "min": lambda args, out: _with_value(_smaller(*args), out),
    # Functions by composition: f(a) = integral of f'(a) a'.
    "sinh": lambda args, out: _with_value(sinh_cosh(args[0])[0], out),
    "cosh": lambda args, out: _with_value(sinh_cosh(args[0])[1], out),
    "atan": lambda args, out: chain(out, args[0], lambda s: div(constant(1.0, len(s)), add(constant(1.0, len(s)), mul(s, s)))),
    "asin": lambda args, out: chain(out, args[0], lambda s: div(constant(1.0, len(s)), sqrt(_one_minus_square(s)))),
    "acos": lambda args, out: chain(out, args[0], lambda s: div(constant(-1.0, len(s)), sqrt(_one_minus_square(s)))),
    "log2": lambda args, out: _with_value(scale(log(args[0]), 1.0 / math.log(2.0)), out),
    "log10": lambda args, out: _with_value(scale(log(args[0]), 1.0 / math.log(10.0)), out),
    "log1p": lambda args, out: chain(out, args[0], lambda s: div(constant(1.0, len(s)), add(constant(1.0, len(s)), s))),
    "expm1": lambda args, out: _with_value(exp(args[0], out + 1.0), out),
    "erf": lambda args, out: chain(out, args[0], lambda s: scale(exp(scale(mul(s, s), -1.0)), _SQRT_2_OVER_PI)),
    "softplus": lambda args, out: chain(out, args[0], lambda s: sigmoid(s)),
    "gelu": lambda args, out: _with_value(
        mul(args[0], scale(add(constant(1.0, len(args[0])), _erf(scale(args[0], 1.0 / math.sqrt(2.0)))), 0.5)), out
    ),
    "elu": lambda args, out: _with_value(_elu(args), out),
    "leaky_relu": lambda args, out: _with_value(_leaky_relu(args), out),
    "clamp": lambda args, out: _with_value(_clamp(args), out),
    "atan2": lambda args, out: _atan2(args, out),
    "hypot": lambda args, out: sqrt(add(mul(args[0], args[0]), mul(args[1], args[1])), out),
    "sum": lambda args, out: _with_value(_fold(add, args), out),
    "prod": lambda args, out: _with_value(_fold(mul, args), out),
}


def _erf(a: Series) -> Series:
    return RULES["erf"]([a], math.erf(a[0]))


def _elu(args: Sequence[Series]) -> Series:
    a = args[0]
    alpha = args[1][0] if len(args) > 1 else 1.0
    if a[0] > 0.0:
        return list(a)
    e = exp(a)
    e[0] -= 1.0
    return scale(e, alpha)


def _clamp(args: Sequence[Series]) -> Series:
    # The table's policy (PyTorch's): x keeps its series on the closed interval, a bound only strictly beyond it.
    x, lo, hi = args
    if x[0] < lo[0]:
        return list(lo)
    if x[0] > hi[0]:
        return list(hi)
    return list(x)


def _leaky_relu(args: Sequence[Series]) -> Series:
    a = args[0]
    if a[0] > 0.0:
        return list(a)
    # The slope is an expression of the program (it may move with the input too).
    return mul(a, args[1]) if len(args) > 1 else scale(a, 0.01)


def _atan2(args: Sequence[Series], out: float) -> Series:
    """atan2(y, x)' = (x y' - y x') / (x^2 + y^2)."""
    y, x = args
    if len(y) == 1:
        return [out]
    ys, xs = y[:-1], x[:-1]
    rate = div(sub(mul(xs, derivative(y)), mul(ys, derivative(x))), add(mul(xs, xs), mul(ys, ys)))
    return integral(out, rate)


def _fold(combine: Callable[[Series, Series], Series], args: Sequence[Series]) -> Series:
    result = list(args[0])
    for other in args[1:]:
        result = combine(result, other)
    return result


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
            series[id(node)] = RULES[op.name](args, node.data)  # type: ignore[union-attr]
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
