"""The table of operations: the one place that says what each operation is.

Each row holds everything about one operation, and every other module reads
the row; none lists operations of its own:

- `forward` on floats (raising DomainError outside the domain), and
  `formula`, the same forward over a maths namespace, never raising;
- `derivatives`, the local derivatives, with PyTorch's choice at each kink,
  the `rules` `--explain` prints and `description`, and `kinks`, where the
  derivatives jump (read by `--check`);
- `taylor`, its rule for Taylor series (`--taylor`);
- `code`, its forward, derivatives, domain guards and helpers as generated
  Python and C (`--emit`);
- `latex` and `sympy`: how LaTeX writes it, what it is in SymPy (`--simplify`);
- `symbol` and `level`, how the language writes it (`--symbolic`, labels).

Formulas are written once against a small `math`-like namespace `m`, so the
maths reads as maths and one formula serves every kind of number: `FloatMath`
(floats), `derivative.GraphMath` (nodes of a derivative graph),
`arraymath.ArrayMath` (NumPy arrays, for sweeps) and `taylor.SeriesMath`
(Taylor series).  A function a namespace does not define is its library's
function of that name (`m.tanh` is `math.tanh`, NumPy's `tanh`, a `tanh`
node, the series of `tanh`), so a new operation needs no new namespace method.
Text for other layers (LaTeX, generated code) is data here, never an import.

Adding an operation is one row here, one row of the tests' own definitions
(tests/oracle.py) and one line of docs/language.md; tests/whole/test_operation_rows.py
checks that each row is complete.
"""
from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence

from ..base.typing_lite import Any, NamedTuple


class DomainError(ArithmeticError):
    """A forward computation outside an operation's domain (no text, no span)."""


Guard = tuple[str, str]  # (a condition under which the forward step fails, the message)


def _no_guards(d: Any, x: Sequence[str]) -> list[Guard]:
    return []


class Code(NamedTuple):
    """An operation as generated code (`--emit python|c`): text over a dialect `d` (render/emit_rules.py).

    The maths is the row's own (the same formulas, domain errors and kinks),
    but a branch must be taken at the caller's values, so each rule is
    written again as text, once for both languages.  `x` holds the
    operands' texts, always atoms (a name or a parenthesized literal), so a
    template may put them anywhere without parentheses of its own; `o` is
    the result's.
    """

    forward: Callable[[Any, Sequence[str]], str]
    # the local derivative with respect to each operand, as `derivatives` computes it
    local: Callable[[Any, Sequence[str], str], list[str]]
    guards: Callable[[Any, Sequence[str]], list[Guard]] = _no_guards
    # the result of finite operands may overflow to inf (an error, as in autodiff)
    overflows: bool = False
    # a local derivative may be inf or nan: skip the node when its gradient is 0,
    # as engine.backward does (0 * inf would poison every input with nan)
    poles: bool = False
    # What `d.helper(name, ...)` calls, named after this row and defined by a generated
    # file that uses it: its Python and its C source (None: C's own function of the
    # row's name already gives inf on overflow).
    helper: tuple[str, str | None] | None = None


# The grammar's precedence levels, loosest first (see grammar/autodiff.lark): how
# tightly a piece of text holds together, in the language and in LaTeX.
SUM, PRODUCT, UNARY, POWER, ATOM = range(1, 6)

# How a notation places an operation around its operands.
CALL = "call"  # text(a, b, ...)
INFIX = "infix"  # a text b text c: left-associative, at the notation's level
POWER_OF = "power"  # a, then text{b}: the base an atom
PREFIX = "prefix"  # text a
WRAP = "wrap"  # text with #0, #1, ... replaced by the operands, which it groups itself


class Notation(NamedTuple):
    """How an operation is written around its operands in LaTeX (render/latex_notation.py reads it)."""

    form: str
    text: str
    level: int = ATOM


def _latex(head: str) -> Notation:
    """A function LaTeX writes as `head\\left(x, y\\right)`."""
    return Notation(CALL, head)


def _sympy(name: str) -> Callable[..., Any]:
    """SymPy's function `name` (of the module passed in: SymPy is imported only by --simplify's child)."""
    return lambda s, *args: getattr(s, name)(*args)


def _opaque(name: str) -> Callable[..., Any]:
    """A function SymPy keeps as it is, undefined: autodiff's own (sigmoid(-1000) must not become
    1 / (1 + exp(1000))), or one whose point is its precision or range (log1p, expm1, hypot)."""
    return lambda s, *args: s.Function(name)(*args)


class Operation(NamedTuple):
    """One row of the table (a NamedTuple: `dataclasses` costs 9 ms of start-up)."""

    name: str
    arity: int
    forward: Callable[..., float]
    # derivatives(m, *inputs, out) -> one local derivative per input
    derivatives: Callable[..., tuple[float, ...]]
    # the local derivative of each input as a formula over x, y and out
    rules: tuple[str, ...]
    symbol: str = ""  # the operator's symbol (infix, or prefix for one operand), "" for functions
    description: str = ""
    # The names `rules` give the arguments, in order (x, y unless said); a
    # variadic operation (arity VARIADIC) has one rule, for every argument.
    parameters: tuple[str, ...] = ()
    # Where the local derivatives jump: kinks(*inputs) gives numbers, and a kink
    # lies where one of them is 0 or changes sign (relu's x, max's x - y, clamp's
    # x - lo and x - hi).  None: the derivatives are continuous on the domain.
    # `--check` reads it to tell a kink inside its step from a wrong gradient.
    kinks: Callable[..., tuple[float, ...]] | None = None
    # The period of a periodic operation (sin, cos, tan), 0.0 for any other:
    # `--check` refuses a step that moves its argument by a good part of it.
    period: float = 0.0
    # formula(m, *inputs): the forward over a namespace (FloatMath, GraphMath,
    # ArrayMath) that never raises: nan or inf where `forward` raises.
    formula: Callable[..., Any] | None = None
    # taylor(t, args, out) -> the node's Taylor series from its arguments' (lists of
    # coefficients c_0..c_K) and its value, over the series arithmetic `t` (core/taylor.py),
    # with the kink policy at every order.  None: a unary function whose derivative rule
    # does not read `out`, whose series is the integral of that rule run on series.
    taylor: Callable[..., Any] | None = None
    # the operation as generated code (--emit)
    code: Code | None = None
    # how LaTeX writes it (--format latex)
    latex: Notation | None = None
    # sympy(s, *operands): the operation on SymPy expressions, `s` the sympy module (--simplify)
    sympy: Callable[..., Any] | None = None
    # the precedence level of an operator's text in the language (a call is an ATOM):
    # how the language's text (--symbolic, labels of derived nodes) is bracketed
    level: int = ATOM
    # The operands may be swapped without changing a bit of the result (IEEE + and *), so a
    # derivative graph makes `a*b` and `b*a` one node.
    commutative: bool = False
    # How micrograd 0.1.0 builds the second operand: through a node of its own
    # (`a - b` is `a + b * -1`), which `--compare no-reset` shows; "" when it does not.
    micrograd_operand: str = ""
    # A nan or an infinite argument always gives a nan or an infinite value (IEEE +, -, *): a sweep
    # need not look for failed points in a value that only such operations read (their results show it).
    keeps_nonfinite: bool = False

    def argument_names(self, count: int) -> tuple[str, ...]:
        """What the rules call each of `count` arguments."""
        if self.arity == VARIADIC:
            return tuple(f"x{index + 1}" for index in range(count))
        return self.parameters or ("x", "y", "z")[:count]

    def rule(self, index: int) -> str:
        """The rule for argument `index` (a variadic operation has one rule for all)."""
        return self.rules[min(index, len(self.rules) - 1)]

    def takes(self, count: int) -> bool:
        return count >= 1 if self.arity == VARIADIC else count == self.arity


#: The arity of an operation that takes any number (at least one) of arguments.
VARIADIC = -1


def _never_raising(function: Callable[..., float]) -> Callable[..., float]:
    """`math`'s function with its errors as values: nan outside the domain, inf where it overflows."""

    def call(*args: float) -> float:
        try:
            return function(*args)
        except ValueError:
            return math.nan
        except OverflowError:
            return math.inf

    return call


class _MathLibrary(type):
    """A function FloatMath does not define is `math`'s of that name, never raising."""

    def __getattr__(cls, name: str) -> Callable[..., float]:
        function = getattr(math, name, None)
        if not callable(function) or name.startswith("_"):
            raise AttributeError(name)
        return _never_raising(function)


class FloatMath(metaclass=_MathLibrary):
    """The maths of the table's formulas on floats: never raise; a kink or pole gives 0, inf or nan."""

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
            if x < 0 and not float(y).is_integer():
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

    @staticmethod
    def sqrt(x: float) -> float:
        return math.sqrt(x) if x >= 0 else math.nan

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def sinh(x: float) -> float:
        try:
            return math.sinh(x)
        except OverflowError:
            return math.copysign(math.inf, x)

    @staticmethod
    def cosh(x: float) -> float:
        try:
            return math.cosh(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def value(x: float) -> float:
        """The number a rule branches on (GraphMath: the value of a node now)."""
        return x

    @staticmethod
    def where(condition: bool, then: float, otherwise: float) -> float:
        """A branch of a formula (both sides are computed: ArrayMath takes it point by point)."""
        return then if condition else otherwise

    @staticmethod
    def expm1(x: float) -> float:
        try:
            return math.expm1(x)
        except OverflowError:
            return math.inf

    cos = staticmethod(math.cos)
    sin = staticmethod(math.sin)
    erf = staticmethod(math.erf)
    abs = staticmethod(abs)


def _sigmoid_float(x: float) -> float:
    # Written two ways so that neither branch overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


FloatMath.sigmoid = staticmethod(_sigmoid_float)  # type: ignore[attr-defined]


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
    if x < 0 and math.isfinite(y) and not float(y).is_integer():
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


_sigmoid = _sigmoid_float


def _tan(x: float) -> float:
    if math.isinf(x):
        raise DomainError(f"tan of an infinite number ({x:g})")
    return math.tan(x)


def _sin(x: float) -> float:
    if math.isinf(x):
        raise DomainError(f"sin of an infinite number ({x:g})")
    return math.sin(x)


def _cos(x: float) -> float:
    if math.isinf(x):
        raise DomainError(f"cos of an infinite number ({x:g})")
    return math.cos(x)


def _checked(function: Callable[[float], float], outside: Callable[[float], bool], message: str) -> Callable[[float], float]:
    """`function` of one number, with a DomainError (`message` and the number) where `outside(x)`."""

    def forward(x: float) -> float:
        if outside(x):
            raise DomainError(f"{message} ({x:g})")
        return function(x)

    return forward


def _softplus(x: float) -> float:
    # log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x * _SQRT_HALF))


def _elu(x: float) -> float:
    return x if x > 0 else math.expm1(x)


def _clamp(x: float, lo: float, hi: float) -> float:
    if lo > hi:
        raise DomainError(f"clamp's lower bound ({lo:g}) is above its upper bound ({hi:g})")
    return lo if x < lo else (hi if x > hi else x)


def _clamp_derivatives(m: Any, x: Any, lo: Any, hi: Any, out: Any) -> tuple[Any, Any, Any]:
    # PyTorch's choice: x gets the gradient on the closed interval lo <= x <= hi,
    # a bound only where x is strictly beyond it.
    x, lo, hi = m.value(x), m.value(lo), m.value(hi)
    return (m.where((lo <= x) & (x <= hi), 1.0, 0.0), m.where(x < lo, 1.0, 0.0), m.where(x > hi, 1.0, 0.0))


def _leaky_relu_derivatives(m: Any, x: Any, slope: Any, out: Any) -> tuple[Any, Any]:
    positive = m.value(x) > 0.0
    return m.where(positive, 1.0, slope), m.where(positive, 0.0, x)


def _sum(*xs: float) -> float:
    # Left to right, as x1 + x2 + ... would be (not fsum, nor a compensated
    # sum): code written from the graph must reproduce it.
    return functools.reduce(operator.add, xs)


def _product(*xs: float) -> float:
    return functools.reduce(operator.mul, xs)


def _product_derivatives(m: Any, *args: Any) -> tuple[Any, ...]:
    """d/dxi of x1*...*xn: the product of the others, from prefix and suffix products.

    No division, so a zero argument is fine; None stands for an empty product.
    """
    xs = args[:-1]
    prefix: list[Any] = []
    running: Any = None
    for x in xs:
        prefix.append(running)
        running = x if running is None else running * x
    result: list[Any] = [None] * len(xs)
    running = None
    for index in range(len(xs) - 1, -1, -1):
        before = prefix[index]
        if before is None:
            result[index] = 1.0 if running is None else running
        else:
            result[index] = before if running is None else before * running
        running = xs[index] if running is None else xs[index] * running
    return tuple(result)


def _difference(x: float, y: float) -> tuple[float]:
    """Where max and min switch arguments: x - y changes sign."""
    return (x - y,)


# ------------------------------------------------------------------ Taylor rules
# Over the series arithmetic `t` of core/taylor.py (a series is the list c_0..c_K).
# Kinks take the first derivative's policy at every order: the branch taken, or on
# the kink what nested grad() gives (a constant series; a tie's even split).


def _pow_series(t: Any, args: Any, out: float) -> Any:
    a, b = args
    n = len(a)
    if not t.moves(b):
        return t.pow_constant(a, b[0], out)
    a0 = a[0]
    if a0 > 0.0:
        return t.exp(t.mul(b, t.log(a)), out)
    if a0 == 0.0 and not t.moves(a):
        return t.constant(out, n)  # d/dy x**y = 0 at x == 0, at every order (the table's policy)
    if a0 < 0.0:
        # d/dy x**y is nan for x < 0 (the table's policy): so is every higher term.
        return [out] + [math.nan] * (n - 1)
    raise t.SeriesDomainError("x ** y has no Taylor series at x = 0 when both move")


def _relu_series(t: Any, args: Any, out: float) -> Any:
    (a,) = args
    return list(a) if a[0] > 0.0 else t.constant(0.0, len(a))


def _abs_series(t: Any, args: Any, out: float) -> Any:
    (a,) = args
    if a[0] == 0.0:
        return t.constant(0.0, len(a))  # abs'(0) = 0, and so every higher term
    return list(a) if a[0] > 0.0 else t.scale(a, -1.0)


def _larger_series(t: Any, a: Any, b: Any) -> Any:
    if a[0] == b[0]:
        return t.scale(t.add(a, b), 0.5)  # a tie splits evenly, at every order
    return list(a) if a[0] > b[0] else list(b)


def _smaller_series(t: Any, a: Any, b: Any) -> Any:
    if a[0] == b[0]:
        return t.scale(t.add(a, b), 0.5)
    return list(a) if a[0] < b[0] else list(b)


def _atan2_series(t: Any, args: Any, out: float) -> Any:
    """atan2(y, x)' = (x y' - y x') / (x^2 + y^2)."""
    y, x = args
    if len(y) == 1:
        return [out]
    ys, xs = y[:-1], x[:-1]
    rate = t.div(t.sub(t.mul(xs, t.derivative(y)), t.mul(ys, t.derivative(x))), t.add(t.mul(xs, xs), t.mul(ys, ys)))
    return t.integral(out, rate)


def _gelu_series(t: Any, args: Any, out: float) -> Any:
    (a,) = args
    erf = t.apply("erf", [t.scale(a, 1.0 / math.sqrt(2.0))])
    return t.with_value(t.mul(a, t.scale(t.add(t.constant(1.0, len(a)), erf), 0.5)), out)


def _elu_series(t: Any, args: Any, out: float) -> Any:
    (a,) = args
    if a[0] > 0.0:
        return t.with_value(list(a), out)
    e = t.exp(a)
    e[0] -= 1.0
    return t.with_value(e, out)


def _leaky_relu_series(t: Any, args: Any, out: float) -> Any:
    a, slope = args
    # The slope is an expression of the program (it may move with the input too).
    return t.with_value(list(a) if a[0] > 0.0 else t.mul(a, slope), out)


def _clamp_series(t: Any, args: Any, out: float) -> Any:
    """The series of the argument the first derivative follows: x on [lo, hi], bounds included (not a tie's split)."""
    x, lo, hi = args
    if x[0] < lo[0]:
        return t.with_value(list(lo), out)
    return t.with_value(list(hi) if x[0] > hi[0] else list(x), out)


# ------------------------------------------------------------------ generated code
# Text over a dialect `d` (see Code); the helpers a generated file defines for
# itself, each in its row: FloatMath's never-raising functions, in the target's words.


def _code_step(d: Any, x: str) -> str:
    return d.choose(f"{x} > 0.0", "1.0", "0.0")


def _code_share(d: Any, x: str, y: str) -> str:
    """x's share of max(x, y): 1, 0, or 0.5 on a tie."""
    return d.choose(f"{x} > {y}", "1.0", d.choose(f"{x} == {y}", "0.5", "0.0"))


def _code_others(x: Sequence[str], i: int) -> str:
    """The product of the operands other than x[i], grouped as _product_derivatives computes it:
    (x0 * ... * x[i-1]) * (x[i+1] * (x[i+2] * ...)), prefix from the left, suffix from the right."""
    before = " * ".join(x[:i])
    after = ""
    for t in reversed(x[i + 1 :]):
        after = t if not after else f"{t} * ({after})" if " " in after else f"{t} * {after}"
    if before and after:
        return f"{before} * ({after})" if " " in after else f"{before} * {after}"
    return before or after or "1.0"


def _pow_guards(d: Any, x: Sequence[str]) -> list[Guard]:
    return [
        (d.both(f"{x[0]} == 0.0", f"{x[1]} < 0.0"), "zero cannot be raised to a negative power"),
        (d.both(f"{x[0]} < 0.0", d.not_integer(x[1])), "a negative base to a non-integer power is not real"),
    ]


_PYTHON_POW = '''def _pow(x: float, y: float) -> float:
    """x ** y that never raises: a pole is inf, a negative base to a non-integer power nan."""
    if x == 0.0 and y < 0.0:
        return math.inf
    if x < 0.0 and y != math.floor(y):
        return math.nan
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf
'''
_C_POW = """static double ad_pow(double x, double y)
{
    /* x ** y as autodiff computes it: a pole is inf, a negative base to a non-integer power nan */
    if (x == 0.0 && y < 0.0) return INFINITY;
    if (x < 0.0 && y != floor(y)) return NAN;
    double r = pow(x, y);
    return isinf(r) ? INFINITY : r;
}
"""
_PYTHON_EXP = '''def _exp(x: float) -> float:
    """math.exp with overflow as inf (checked by the caller)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
'''
_PYTHON_EXPM1 = """def _expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf
"""
_PYTHON_SINH = """def _sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(math.inf, x)
"""
_PYTHON_COSH = """def _cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return math.inf
"""
_PYTHON_SIGMOID = '''def _sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), written two ways so that neither overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
'''
_C_SIGMOID = """static double ad_sigmoid(double x)
{
    /* 1 / (1 + exp(-x)), written two ways so that neither overflows */
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    double z = exp(x);
    return z / (1.0 + z);
}
"""
_PYTHON_SOFTPLUS = '''def _softplus(x: float) -> float:
    """log(1 + exp(x)) without overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
'''
_C_SOFTPLUS = """static double ad_softplus(double x)
{
    return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x)));
}
"""
_PYTHON_DIV = '''def _div(x: float, y: float) -> float:
    """x / y with a pole as inf (nan for 0 / 0), as autodiff's local derivatives."""
    if y == 0.0:
        return math.nan if x == 0.0 else math.copysign(math.inf, x)
    return x / y
'''
_C_DIV = """static double ad_div(double x, double y)
{
    if (y == 0.0) return x == 0.0 ? NAN : copysign(INFINITY, x);
    return x / y;
}
"""


_OPERATIONS = [
    Operation(
        "add", 2, lambda x, y: x + y, lambda m, x, y, out: (1.0, 1.0), ("1", "1"), "+", "x + y",
        formula=lambda m, x, y: x + y,
        taylor=lambda t, a, out: t.with_value(t.add(*a), out),
        code=Code(lambda d, x: f"{x[0]} + {x[1]}", lambda d, x, o: ["1.0", "1.0"], overflows=True),
        latex=Notation(INFIX, " + ", SUM),
        sympy=lambda s, x, y: x + y,
        level=SUM,
        commutative=True,
        keeps_nonfinite=True,
    ),
    Operation(
        "sub", 2, lambda x, y: x - y, lambda m, x, y, out: (1.0, -1.0), ("1", "-1"), "-", "x - y",
        formula=lambda m, x, y: x - y,
        taylor=lambda t, a, out: t.with_value(t.sub(*a), out),
        code=Code(lambda d, x: f"{x[0]} - {x[1]}", lambda d, x, o: ["1.0", "-1.0"], overflows=True),
        latex=Notation(INFIX, " - ", SUM),
        sympy=lambda s, x, y: x - y,
        level=SUM,
        micrograd_operand="{} * -1",
        keeps_nonfinite=True,
    ),
    Operation(
        "mul", 2, lambda x, y: x * y, lambda m, x, y, out: (y, x), ("y", "x"), "*", "x * y",
        formula=lambda m, x, y: x * y,
        taylor=lambda t, a, out: t.with_value(t.mul(*a), out),
        code=Code(lambda d, x: f"{x[0]} * {x[1]}", lambda d, x, o: [x[1], x[0]], overflows=True),
        latex=Notation(INFIX, r" \cdot ", PRODUCT),
        sympy=lambda s, x, y: x * y,
        level=PRODUCT,
        commutative=True,
        keeps_nonfinite=True,
    ),
    Operation(
        "div", 2, _div,
        lambda m, x, y, out: (m.div(1.0, y), m.div(-out, y)),
        ("1/y", "-x/y**2"), "/", "x / y",
        formula=lambda m, x, y: m.div(x, y),
        taylor=lambda t, a, out: t.div(a[0], a[1], out),
        code=Code(
            lambda d, x: f"{x[0]} / {x[1]}",
            lambda d, x, o: [f"1.0 / {x[1]}", f"-{o} / {x[1]}"],
            lambda d, x: [(f"{x[1]} == 0.0", "division by zero")],
            overflows=True,
            poles=True,
            helper=(_PYTHON_DIV, _C_DIV),
        ),
        latex=Notation(WRAP, r"\frac{#0}{#1}", POWER),
        sympy=lambda s, x, y: x / y,
        level=PRODUCT,
        micrograd_operand="{}**-1",
    ),
    Operation(
        "pow", 2, _pow,
        lambda m, x, y, out: (m.power_rule(x, y), m.exponent_rule(x, out)),
        ("y * x**(y-1)", "x**y * log(x)"), "**", "x ** y (also x ^ y and pow(x, y))",
        formula=lambda m, x, y: m.pow(x, y),
        taylor=_pow_series,
        code=Code(
            lambda d, x: d.helper("pow", x[0], x[1]),
            lambda d, x, o: [
                d.choose(f"{x[1]} == 0.0", "0.0", f"{x[1]} * {d.helper('pow', x[0], f'{x[1]} - 1.0')}"),
                d.choose(f"{x[0]} > 0.0", f"{o} * {d.call('log', x[0])}", d.choose(f"{x[0]} == 0.0", "0.0", d.nan)),
            ],
            _pow_guards,
            overflows=True,
            poles=True,
            helper=(_PYTHON_POW, _C_POW),
        ),
        latex=Notation(POWER_OF, "^", POWER),
        sympy=lambda s, x, y: x**y,
        level=POWER,
    ),
    Operation(
        "neg", 1, lambda x: -x, lambda m, x, out: (-1.0,), ("-1",), "-", "-x",
        formula=lambda m, x: -x,
        taylor=lambda t, a, out: t.scale(a[0], -1.0),
        code=Code(lambda d, x: f"-{x[0]}", lambda d, x, o: ["-1.0"]),
        latex=Notation(PREFIX, "-", UNARY),
        sympy=lambda s, x: -x,
        level=UNARY,
        keeps_nonfinite=True,
    ),
    Operation(
        "exp", 1, _exp, lambda m, x, out: (out,), ("exp(x)",), "", "e to the power x",
        formula=lambda m, x: m.exp(x),
        taylor=lambda t, a, out: t.exp(a[0], out),
        code=Code(lambda d, x: d.helper("exp", x[0]), lambda d, x, o: [o], overflows=True, helper=(_PYTHON_EXP, None)),
        latex=_latex(r"\exp"),
        sympy=_sympy("exp"),
    ),
    Operation(
        "log", 1, _log, lambda m, x, out: (m.div(1.0, x),), ("1/x",), "", "natural logarithm, x > 0",
        formula=lambda m, x: m.log(x),
        taylor=lambda t, a, out: t.log(a[0], out),
        code=Code(
            lambda d, x: d.call("log", x[0]),
            lambda d, x, o: [f"1.0 / {x[0]}"],
            lambda d, x: [(f"{x[0]} <= 0.0", "log of a non-positive number")],
            poles=True,
        ),
        latex=_latex(r"\ln"),
        sympy=_sympy("log"),
    ),
    Operation(
        "sqrt", 1, _sqrt, lambda m, x, out: (m.div(0.5, out),), ("0.5/sqrt(x)",), "", "square root, x >= 0",
        formula=lambda m, x: m.sqrt(x),
        taylor=lambda t, a, out: t.sqrt(a[0], out),
        code=Code(
            lambda d, x: d.call("sqrt", x[0]),
            lambda d, x, o: [d.choose(f"{o} == 0.0", d.inf, f"0.5 / {o}")],
            lambda d, x: [(f"{x[0]} < 0.0", "sqrt of a negative number")],
            poles=True,
        ),
        latex=Notation(WRAP, r"\sqrt{#0}"),
        sympy=_sympy("sqrt"),
    ),
    Operation(
        "sin", 1, _sin, lambda m, x, out: (m.cos(x),), ("cos(x)",), "", "sine (radians)",
        formula=lambda m, x: m.sin(x),
        taylor=lambda t, a, out: t.with_value(t.sin_cos(a[0])[0], out),
        code=Code(lambda d, x: d.call("sin", x[0]), lambda d, x, o: [d.call("cos", x[0])]),
        latex=_latex(r"\sin"),
        sympy=_sympy("sin"),
        period=2 * math.pi,
    ),
    Operation(
        "cos", 1, _cos, lambda m, x, out: (-m.sin(x),), ("-sin(x)",), "", "cosine (radians)",
        formula=lambda m, x: m.cos(x),
        taylor=lambda t, a, out: t.with_value(t.sin_cos(a[0])[1], out),
        code=Code(lambda d, x: d.call("cos", x[0]), lambda d, x, o: [f"-{d.call('sin', x[0])}"]),
        latex=_latex(r"\cos"),
        sympy=_sympy("cos"),
        period=2 * math.pi,
    ),
    Operation(
        "tan", 1, _tan, lambda m, x, out: (1.0 + out * out,), ("1 + tan(x)**2",), "", "tangent (radians)",
        formula=lambda m, x: m.tan(x),
        taylor=lambda t, a, out: t.riccati(a[0], out, 1.0 + out * out, lambda f, k: t.square_coefficient(f, k)),
        code=Code(lambda d, x: d.call("tan", x[0]), lambda d, x, o: [f"1.0 + {o} * {o}"], poles=True),
        latex=_latex(r"\tan"),
        sympy=_sympy("tan"),
        period=math.pi,
    ),
    Operation(
        "tanh", 1, math.tanh, lambda m, x, out: (1.0 - out * out,), ("1 - tanh(x)**2",), "", "hyperbolic tangent",
        formula=lambda m, x: m.tanh(x),
        taylor=lambda t, a, out: t.riccati(a[0], out, 1.0 - out * out, lambda f, k: -t.square_coefficient(f, k)),
        code=Code(lambda d, x: d.call("tanh", x[0]), lambda d, x, o: [f"1.0 - {o} * {o}"]),
        latex=_latex(r"\tanh"),
        sympy=_sympy("tanh"),
    ),
    Operation(
        "sigmoid", 1, _sigmoid, lambda m, x, out: (out * (1.0 - out),),
        ("sigmoid(x) * (1 - sigmoid(x))",), "", "1 / (1 + exp(-x))",
        formula=lambda m, x: m.sigmoid(x),
        taylor=lambda t, a, out: t.riccati(a[0], out, out * (1.0 - out), lambda f, k: f[k] - t.square_coefficient(f, k)),
        code=Code(
            lambda d, x: d.helper("sigmoid", x[0]), lambda d, x, o: [f"{o} * (1.0 - {o})"], helper=(_PYTHON_SIGMOID, _C_SIGMOID)
        ),
        latex=_latex(r"\operatorname{sigmoid}"),
        sympy=_opaque("sigmoid"),
    ),
    Operation(
        "relu", 1, lambda x: x if x > 0 else 0.0, lambda m, x, out: (m.step(x),),
        ("1 if x > 0 else 0",), "", "max(x, 0); relu'(0) = 0", kinks=lambda x: (x,),
        formula=lambda m, x: m.where(x > 0.0, x, 0.0),
        taylor=_relu_series,
        code=Code(lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], "0.0"), lambda d, x, o: [_code_step(d, x[0])]),
        latex=_latex(r"\operatorname{relu}"),
        sympy=_opaque("relu"),
    ),
    Operation(
        "abs", 1, abs, lambda m, x, out: (m.sign(x),),
        ("sign(x)",), "", "absolute value; abs'(0) = 0", kinks=lambda x: (x,),
        formula=lambda m, x: m.abs(x),
        taylor=_abs_series,
        code=Code(
            lambda d, x: d.call("fabs", x[0]),
            lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", d.choose(f"{x[0]} < 0.0", "-1.0", "0.0"))],
        ),
        latex=Notation(WRAP, r"\left|#0\right|"),
        sympy=_sympy("Abs"),
    ),
    Operation(
        "max", 2, lambda x, y: x if x >= y else y,
        lambda m, x, y, out: (m.share(x, y), m.share(y, x)),
        ("1 if x > y, 0.5 if x == y, else 0", "1 if y > x, 0.5 if x == y, else 0"),
        "", "the larger of x and y; a tie splits the gradient evenly", kinks=_difference,
        formula=lambda m, x, y: m.where(x >= y, x, y),
        taylor=lambda t, a, out: t.with_value(_larger_series(t, *a), out),
        code=Code(
            lambda d, x: d.choose(f"{x[0]} >= {x[1]}", x[0], x[1]),
            lambda d, x, o: [_code_share(d, x[0], x[1]), _code_share(d, x[1], x[0])],
        ),
        latex=_latex(r"\max"),
        sympy=_sympy("Max"),
    ),
    Operation(
        "min", 2, lambda x, y: x if x <= y else y,
        lambda m, x, y, out: (m.share(y, x), m.share(x, y)),
        ("1 if x < y, 0.5 if x == y, else 0", "1 if y < x, 0.5 if x == y, else 0"),
        "", "the smaller of x and y; a tie splits the gradient evenly", kinks=_difference,
        formula=lambda m, x, y: m.where(x <= y, x, y),
        taylor=lambda t, a, out: t.with_value(_smaller_series(t, *a), out),
        code=Code(
            lambda d, x: d.choose(f"{x[0]} <= {x[1]}", x[0], x[1]),
            lambda d, x, o: [_code_share(d, x[1], x[0]), _code_share(d, x[0], x[1])],
        ),
        latex=_latex(r"\min"),
        sympy=_sympy("Min"),
    ),
    Operation(
        "asin", 1, _checked(math.asin, lambda x: not -1.0 <= x <= 1.0, "asin of a number outside [-1, 1]"),
        lambda m, x, out: (m.div(1.0, m.sqrt(1.0 - x * x)),),
        ("1/sqrt(1 - x**2)",), "", "arcsine, -1 <= x <= 1; asin'(±1) = inf",
        formula=lambda m, x: m.asin(x),
        code=Code(
            lambda d, x: d.call("asin", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", d.call("sqrt", f"1.0 - {x[0]} * {x[0]}"))],
            lambda d, x: [(d.either(f"{x[0]} < -1.0", f"{x[0]} > 1.0"), "asin of a number outside [-1, 1]")],
            poles=True,
        ),
        latex=_latex(r"\arcsin"),
        sympy=_sympy("asin"),
    ),
    Operation(
        "acos", 1, _checked(math.acos, lambda x: not -1.0 <= x <= 1.0, "acos of a number outside [-1, 1]"),
        lambda m, x, out: (m.div(-1.0, m.sqrt(1.0 - x * x)),),
        ("-1/sqrt(1 - x**2)",), "", "arccosine, -1 <= x <= 1; acos'(±1) = -inf",
        formula=lambda m, x: m.acos(x),
        code=Code(
            lambda d, x: d.call("acos", x[0]),
            lambda d, x, o: [d.helper("div", "-1.0", d.call("sqrt", f"1.0 - {x[0]} * {x[0]}"))],
            lambda d, x: [(d.either(f"{x[0]} < -1.0", f"{x[0]} > 1.0"), "acos of a number outside [-1, 1]")],
            poles=True,
        ),
        latex=_latex(r"\arccos"),
        sympy=_sympy("acos"),
    ),
    Operation(
        "atan", 1, math.atan, lambda m, x, out: (m.div(1.0, 1.0 + x * x),), ("1/(1 + x**2)",), "", "arctangent",
        formula=lambda m, x: m.atan(x),
        code=Code(lambda d, x: d.call("atan", x[0]), lambda d, x, o: [f"1.0 / (1.0 + {x[0]} * {x[0]})"]),
        latex=_latex(r"\arctan"),
        sympy=_sympy("atan"),
    ),
    Operation(
        "atan2", 2, math.atan2,
        lambda m, y, x, out: (m.div(x, x * x + y * y), m.div(-y, x * x + y * y)),
        ("x/(x**2 + y**2)", "-y/(x**2 + y**2)"), "", "the angle of the point (x, y); atan2(0, 0) = 0 with nan derivatives",
        ("y", "x"),
        # The origin, and the cut along x < 0 where the angle jumps from pi to -pi.
        kinks=lambda y, x: (y if x < 0 else 1.0, max(abs(x), abs(y))),
        formula=lambda m, y, x: m.atan2(y, x),
        taylor=_atan2_series,
        code=Code(
            lambda d, x: d.call("atan2", x[0], x[1]),
            # operands (y, x); the sum in the derivative rule's order, x*x + y*y, so the floats are the same
            lambda d, x, o: [
                d.helper("div", x[1], f"{x[1]} * {x[1]} + {x[0]} * {x[0]}"),
                d.helper("div", f"-{x[0]}", f"{x[1]} * {x[1]} + {x[0]} * {x[0]}"),
            ],
            poles=True,
        ),
        latex=_latex(r"\operatorname{atan2}"),
        sympy=_sympy("atan2"),
    ),
    Operation(
        "hypot", 2, math.hypot,
        lambda m, x, y, out: (m.div(x, out), m.div(y, out)),
        ("x/hypot(x, y)", "y/hypot(x, y)"), "", "sqrt(x**2 + y**2) without overflow; nan derivatives at (0, 0)",
        kinks=lambda x, y: (max(abs(x), abs(y)),),  # the cone's tip, the origin
        formula=lambda m, x, y: m.hypot(x, y),
        taylor=lambda t, a, out: t.sqrt(t.add(t.mul(a[0], a[0]), t.mul(a[1], a[1])), out),
        code=Code(
            lambda d, x: d.call("hypot", x[0], x[1]),
            lambda d, x, o: [d.helper("div", x[0], o), d.helper("div", x[1], o)],
            overflows=True,
            poles=True,
        ),
        latex=_latex(r"\operatorname{hypot}"),
        sympy=_opaque("hypot"),
    ),
    Operation(
        "sinh", 1, math.sinh, lambda m, x, out: (m.cosh(x),), ("cosh(x)",), "", "hyperbolic sine",
        formula=lambda m, x: m.sinh(x),
        taylor=lambda t, a, out: t.with_value(t.sinh_cosh(a[0])[0], out),
        code=Code(
            lambda d, x: d.helper("sinh", x[0]), lambda d, x, o: [d.helper("cosh", x[0])],
            overflows=True, poles=True, helper=(_PYTHON_SINH, None),
        ),
        latex=_latex(r"\sinh"),
        sympy=_sympy("sinh"),
    ),
    Operation(
        "cosh", 1, math.cosh, lambda m, x, out: (m.sinh(x),), ("sinh(x)",), "", "hyperbolic cosine",
        formula=lambda m, x: m.cosh(x),
        taylor=lambda t, a, out: t.with_value(t.sinh_cosh(a[0])[1], out),
        code=Code(
            lambda d, x: d.helper("cosh", x[0]), lambda d, x, o: [d.helper("sinh", x[0])],
            overflows=True, poles=True, helper=(_PYTHON_COSH, None),
        ),
        latex=_latex(r"\cosh"),
        sympy=_sympy("cosh"),
    ),
    Operation(
        "asinh", 1, math.asinh, lambda m, x, out: (m.div(1.0, m.hypot(x, 1.0)),),
        ("1/sqrt(x**2 + 1)",), "", "inverse hyperbolic sine",
        formula=lambda m, x: m.asinh(x),
        code=Code(lambda d, x: d.call("asinh", x[0]), lambda d, x, o: [d.helper("div", "1.0", d.call("hypot", x[0], "1.0"))]),
        latex=_latex(r"\operatorname{arsinh}"),
        sympy=_sympy("asinh"),
    ),
    Operation(
        "acosh", 1, _checked(math.acosh, lambda x: x < 1.0, "acosh of a number below 1"),
        lambda m, x, out: (m.div(1.0, m.sqrt(x - 1.0) * m.sqrt(x + 1.0)),),
        ("1/sqrt(x**2 - 1)",), "", "inverse hyperbolic cosine, x >= 1; acosh'(1) = inf",
        formula=lambda m, x: m.acosh(x),
        code=Code(
            lambda d, x: d.call("acosh", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", f"{d.call('sqrt', f'{x[0]} - 1.0')} * {d.call('sqrt', f'{x[0]} + 1.0')}")],
            lambda d, x: [(f"{x[0]} < 1.0", "acosh of a number below 1")],
            poles=True,
        ),
        latex=_latex(r"\operatorname{arcosh}"),
        sympy=_sympy("acosh"),
    ),
    Operation(
        "atanh", 1, _checked(math.atanh, lambda x: not -1.0 < x < 1.0, "atanh of a number outside (-1, 1)"),
        lambda m, x, out: (m.div(1.0, (1.0 - x) * (1.0 + x)),),
        ("1/(1 - x**2)",), "", "inverse hyperbolic tangent, -1 < x < 1",
        formula=lambda m, x: m.atanh(x),
        code=Code(
            lambda d, x: d.call("atanh", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", f"(1.0 - {x[0]}) * (1.0 + {x[0]})")],
            lambda d, x: [(d.either(f"{x[0]} <= -1.0", f"{x[0]} >= 1.0"), "atanh of a number outside (-1, 1)")],
        ),
        latex=_latex(r"\operatorname{artanh}"),
        sympy=_sympy("atanh"),
    ),
    Operation(
        "log2", 1, _checked(math.log2, lambda x: x <= 0, "log2 of a non-positive number"),
        lambda m, x, out: (m.div(1.0, x * _LN2),),
        ("1/(x * log(2))",), "", "base-2 logarithm, x > 0",
        formula=lambda m, x: m.log2(x),
        taylor=lambda t, a, out: t.with_value(t.scale(t.log(a[0]), 1.0 / _LN2), out),
        code=Code(
            lambda d, x: d.call("log2", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", f"{x[0]} * {_LN2!r}")],
            lambda d, x: [(f"{x[0]} <= 0.0", "log2 of a non-positive number")],
            poles=True,
        ),
        latex=_latex(r"\log_{2}"),
        sympy=lambda s, x: s.log(x) / s.log(2),
    ),
    Operation(
        "log10", 1, _checked(math.log10, lambda x: x <= 0, "log10 of a non-positive number"),
        lambda m, x, out: (m.div(1.0, x * _LN10),),
        ("1/(x * log(10))",), "", "base-10 logarithm, x > 0",
        formula=lambda m, x: m.log10(x),
        taylor=lambda t, a, out: t.with_value(t.scale(t.log(a[0]), 1.0 / _LN10), out),
        code=Code(
            lambda d, x: d.call("log10", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", f"{x[0]} * {_LN10!r}")],
            lambda d, x: [(f"{x[0]} <= 0.0", "log10 of a non-positive number")],
            poles=True,
        ),
        latex=_latex(r"\log_{10}"),
        sympy=lambda s, x: s.log(x) / s.log(10),
    ),
    Operation(
        "log1p", 1, _checked(math.log1p, lambda x: x <= -1.0, "log1p of a number <= -1"),
        lambda m, x, out: (m.div(1.0, 1.0 + x),),
        ("1/(1 + x)",), "", "log(1 + x), exact for small x; x > -1",
        formula=lambda m, x: m.log1p(x),
        code=Code(
            lambda d, x: d.call("log1p", x[0]),
            lambda d, x, o: [d.helper("div", "1.0", f"1.0 + {x[0]}")],
            lambda d, x: [(f"{x[0]} <= -1.0", "log1p of a number at or below -1")],
            poles=True,
        ),
        latex=_latex(r"\operatorname{log1p}"),
        sympy=_opaque("log1p"),
    ),
    Operation(
        "expm1", 1, math.expm1, lambda m, x, out: (out + 1.0,),
        ("expm1(x) + 1",), "", "exp(x) - 1, exact for small x",
        formula=lambda m, x: m.expm1(x),
        taylor=lambda t, a, out: t.with_value(t.exp(a[0], out + 1.0), out),
        code=Code(
            lambda d, x: d.helper("expm1", x[0]), lambda d, x, o: [f"{o} + 1.0"], overflows=True, helper=(_PYTHON_EXPM1, None)
        ),
        latex=_latex(r"\operatorname{expm1}"),
        sympy=_opaque("expm1"),
    ),
    Operation(
        "erf", 1, math.erf, lambda m, x, out: (_TWO_OVER_SQRT_PI * m.exp(-(x * x)),),
        ("2/sqrt(pi) * exp(-x**2)",), "", "the error function",
        formula=lambda m, x: m.erf(x),
        code=Code(
            lambda d, x: d.call("erf", x[0]),
            lambda d, x, o: [f"{_TWO_OVER_SQRT_PI!r} * {d.call('exp', f'-({x[0]} * {x[0]})')}"],
        ),
        latex=_latex(r"\operatorname{erf}"),
        sympy=_sympy("erf"),
    ),
    Operation(
        "softplus", 1, _softplus, lambda m, x, out: (m.sigmoid(x),),
        ("sigmoid(x)",), "", "log(1 + exp(x)), without PyTorch's linear cut-off above x = 20",
        # _softplus, with Python's max(x, 0.0) as a branch (x unless x < 0.0)
        formula=lambda m, x: m.where(x < 0.0, 0.0, x) + m.log1p(m.exp(-m.abs(x))),
        code=Code(
            lambda d, x: d.helper("softplus", x[0]), lambda d, x, o: [d.helper("sigmoid", x[0])],
            helper=(_PYTHON_SOFTPLUS, _C_SOFTPLUS),
        ),
        latex=_latex(r"\operatorname{softplus}"),
        sympy=_opaque("softplus"),
    ),
    Operation(
        "gelu", 1, _gelu,
        lambda m, x, out: (0.5 * (1.0 + m.erf(x * _SQRT_HALF)) + x * m.exp(-0.5 * (x * x)) * _INV_SQRT_2PI,),
        ("0.5 * (1 + erf(x/sqrt(2))) + x * exp(-x**2/2)/sqrt(2*pi)",), "",
        "x * Phi(x), the exact (erf) form, as PyTorch's gelu(approximate='none')",
        formula=lambda m, x: 0.5 * x * (1.0 + m.erf(x * _SQRT_HALF)),
        taylor=_gelu_series,
        code=Code(
            lambda d, x: f"0.5 * {x[0]} * (1.0 + {d.call('erf', f'{x[0]} * {_SQRT_HALF!r}')})",
            lambda d, x, o: [
                f"0.5 * (1.0 + {d.call('erf', f'{x[0]} * {_SQRT_HALF!r}')})"
                f" + {x[0]} * {d.call('exp', f'-0.5 * ({x[0]} * {x[0]})')} * {_INV_SQRT_2PI!r}"
            ],
        ),
        latex=_latex(r"\operatorname{gelu}"),
        sympy=_opaque("gelu"),
    ),
    Operation(
        "elu", 1, _elu, lambda m, x, out: (m.where(m.value(x) > 0.0, 1.0, m.exp(x)),),
        ("1 if x > 0 else exp(x)",), "", "x if x > 0 else exp(x) - 1 (alpha = 1); elu'(0) = 1",
        formula=lambda m, x: m.where(x > 0.0, x, m.expm1(x)),
        taylor=_elu_series,
        code=Code(
            lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], d.call("expm1", x[0])),
            lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", d.helper("exp", x[0]))],
        ),
        latex=_latex(r"\operatorname{elu}"),
        sympy=_opaque("elu"),
    ),
    Operation(
        "leaky_relu", 2, lambda x, slope: x if x > 0 else slope * x, _leaky_relu_derivatives,
        ("1 if x > 0 else slope", "0 if x > 0 else x"), "",
        "x if x > 0 else slope * x; leaky_relu'(0) = slope", ("x", "slope"), kinks=lambda x, slope: (x,),
        formula=lambda m, x, slope: m.where(x > 0.0, x, slope * x),
        taylor=_leaky_relu_series,
        code=Code(
            lambda d, x: d.choose(f"{x[0]} > 0.0", x[0], f"{x[1]} * {x[0]}"),
            lambda d, x, o: [d.choose(f"{x[0]} > 0.0", "1.0", x[1]), d.choose(f"{x[0]} > 0.0", "0.0", x[0])],
            overflows=True,
        ),
        latex=_latex(r"\operatorname{leaky\_relu}"),
        sympy=_opaque("leaky_relu"),
    ),
    Operation(
        "clamp", 3, _clamp, _clamp_derivatives,
        ("1 if lo <= x <= hi else 0", "1 if x < lo else 0", "1 if x > hi else 0"), "",
        "x limited to [lo, hi]; x keeps the gradient at the bounds", ("x", "lo", "hi"),
        kinks=lambda x, lo, hi: (x - lo, x - hi),
        # _clamp; lo > hi gives nan, where `forward` raises
        formula=lambda m, x, lo, hi: m.where(lo > hi, math.nan, m.where(x < lo, lo, m.where(x > hi, hi, x))),
        taylor=_clamp_series,
        code=Code(
            lambda d, x: d.choose(f"{x[0]} < {x[1]}", x[1], d.choose(f"{x[0]} > {x[2]}", x[2], x[0])),
            lambda d, x, o: [
                d.choose(d.both(f"{x[0]} >= {x[1]}", f"{x[0]} <= {x[2]}"), "1.0", "0.0"),
                d.choose(f"{x[0]} < {x[1]}", "1.0", "0.0"),
                d.choose(d.both(f"{x[0]} > {x[2]}", f"{x[0]} >= {x[1]}"), "1.0", "0.0"),
            ],
            lambda d, x: [(f"{x[1]} > {x[2]}", "clamp's lower bound is above its upper bound")],
        ),
        latex=_latex(r"\operatorname{clamp}"),
        sympy=_opaque("clamp"),
    ),
    Operation(
        "sum", VARIADIC, _sum, lambda m, *args: (1.0,) * (len(args) - 1),
        ("1",), "", "x1 + x2 + ... as one node",
        formula=lambda m, *xs: _sum(*xs),
        taylor=lambda t, a, out: t.with_value(t.fold(t.add, a), out),
        code=Code(lambda d, x: " + ".join(x), lambda d, x, o: ["1.0"] * len(x), overflows=True),
        latex=Notation(INFIX, " + ", SUM),
        sympy=_sympy("Add"),
    ),
    Operation(
        "prod", VARIADIC, _product, _product_derivatives,
        ("the product of the other arguments",), "", "x1 * x2 * ... as one node",
        formula=lambda m, *xs: _product(*xs),
        taylor=lambda t, a, out: t.with_value(t.fold(t.mul, a), out),
        code=Code(lambda d, x: " * ".join(x), lambda d, x, o: [_code_others(x, i) for i in range(len(x))], overflows=True),
        latex=Notation(INFIX, r" \cdot ", PRODUCT),
        sympy=_sympy("Mul"),
    ),
]

OPERATIONS: dict[str, Operation] = {op.name: op for op in _OPERATIONS}

#: Functions a program may call, by name.  `pow(x, y)` is the `**` operation.
FUNCTIONS: dict[str, Operation] = {
    name: op for name, op in OPERATIONS.items() if not op.symbol or name == "pow"
}

#: Named constants a program may use (and shadow by assignment).
CONSTANTS: dict[str, float] = {"pi": math.pi}
