"""Every operation of the table on NumPy arrays: the same numbers as on floats, to the last bit."""

from __future__ import annotations

import itertools
import math

import pytest

np = pytest.importorskip("numpy", reason="NumPy is the optional 'sweep' extra")

from autodiff_cli.core import arraymath  # noqa: E402
from autodiff_cli.core.ops import OPERATIONS, VARIADIC, DomainError, FloatMath, Operation  # noqa: E402

# Kinks (0, ties), poles (0 for div/log), negative bases, halves, integers, large values.
POINTS = [-3.0, -2.0, -1.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.pi / 2, 20.0, 710.0, -710.0, 1e-300]


def same(a: float, b: float) -> bool:
    """Bit for bit: equal with the same sign of zero, or both nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def scalar_forward(op: Operation, args: tuple[float, ...]) -> float | None:
    """The scalar forward, or None where evaluation stops (raises, or a non-finite result)."""
    try:
        value = op.forward(*args)
    except (DomainError, ArithmeticError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _calls() -> list[object]:
    """Each operation with its number of arguments: a variadic one with 1, 2 and 3."""
    return [
        pytest.param(name, count, id=f"{name}-{count}" if op.arity == VARIADIC else name)
        for name, op in sorted(OPERATIONS.items())
        for count in ((1, 2, 3) if op.arity == VARIADIC else (op.arity,))
    ]


@pytest.mark.parametrize(("name", "count"), _calls())
def test_every_operation_matches_its_scalar_self_on_arrays(name: str, count: int) -> None:
    op = OPERATIONS[name]
    points = list(itertools.product(POINTS, repeat=count))
    columns = [np.array([point[i] for point in points]) for i in range(count)]
    with np.errstate(all="ignore"):
        out = arraymath.forward(op, *columns)
        local = arraymath.derivatives(op, *columns, out)
    checked = 0
    for index, point in enumerate(points):
        expected = scalar_forward(op, point)
        if expected is None:
            assert not math.isfinite(out[index]), f"{name}{point}: eval fails here, the array gives {out[index]}"
            continue
        assert same(out[index], expected), f"{name}{point}: {out[index]!r} != {expected!r}"
        derivatives = op.derivatives(FloatMath, *point, expected)
        for which, (array_value, scalar_value) in enumerate(zip(local, derivatives)):
            got = float(np.broadcast_to(array_value, out.shape)[index])
            assert same(got, scalar_value), f"d{name}/d(argument {which}) at {point}: {got!r} != {scalar_value!r}"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_is_vectorised(name: str) -> None:
    """A new operation needs an array forward in arraymath.FORWARDS and a rule NumPy can run
    (`m.where`-style namespace calls, no Python `if` on values); otherwise sweeps fall back to
    a slow point-by-point path."""
    assert not arraymath.uses_pointwise(OPERATIONS[name]), f"{name} runs point by point on arrays"


def test_a_rule_numpy_cannot_run_falls_back_to_points() -> None:
    """A rule with a Python `if` (an operation another module might add) still gives the right numbers."""
    op = Operation("step_up", 1, lambda x: x, lambda m, x, out: (2.0 if x > 0 else 3.0,), ("2 or 3",))
    assert arraymath.uses_pointwise(op)
    x = np.array([-1.0, 0.0, 1.0])
    assert arraymath.forward(op, x).tolist() == [-1.0, 0.0, 1.0]
    assert arraymath.derivatives(op, x, x)[0].tolist() == [3.0, 3.0, 2.0]


LIBRARY = ["sin", "cos", "tan", "tanh", "exp", "log", "sqrt", "asin", "acos", "atan", "sinh", "cosh"]
LIBRARY += ["log2", "log10", "log1p", "expm1", "erf"]


@pytest.mark.parametrize("name", LIBRARY)
def test_library_functions_agree_with_math(name: str) -> None:
    """Whichever implementation arraymath chose (NumPy's or math's), it gives math's bits."""
    rng = np.random.default_rng(13)
    x = np.concatenate(
        [rng.uniform(-30, 30, 20000), rng.uniform(0, 700, 2000), rng.uniform(0, 1e-3, 2000), rng.uniform(-1, 1, 4000)]
    )
    with np.errstate(all="ignore"):
        got = getattr(arraymath, name)(x).tolist()
    reference = getattr(math, name)
    for value, result in zip(x.tolist(), got):
        try:
            expected = reference(value)
        except (ValueError, OverflowError):
            assert not math.isfinite(result)
            continue
        assert same(result, expected), f"{name}({value!r}) = {result!r}, math gives {expected!r}"


@pytest.mark.parametrize("name", ["atan2", "hypot"])
def test_two_argument_library_functions_agree_with_math(name: str) -> None:
    """atan2 and hypot (Python's own, not the C library's) to the last bit, signed zeros included."""
    rng = np.random.default_rng(17)
    scale = np.concatenate([rng.uniform(-30, 30, 10000), rng.uniform(-1e-3, 1e-3, 2000), [0.0, -0.0, 0.0, -0.0]])
    x, y = scale, np.concatenate([rng.uniform(-30, 30, 12000), [0.0, 0.0, -0.0, -0.0]])
    got = getattr(arraymath, name)(x, y).tolist()
    reference = getattr(math, name)
    for a, b, result in zip(x.tolist(), y.tolist(), got):
        assert same(result, reference(a, b)), f"{name}({a!r}, {b!r}) = {result!r}, math gives {reference(a, b)!r}"


@pytest.mark.parametrize("exponent", [2.0, 0.5, -1.0, 3.0, -2.0], ids=["square", "half", "reciprocal", "cube", "minus-two"])
def test_pow_by_a_constant_is_the_c_librarys_pow_at_every_point(exponent: float) -> None:
    """NumPy answers x ** 2, x ** 0.5 and x ** -1 with its own shortcuts (x*x, sqrt, 1/x); a sweep must not."""
    op = OPERATIONS["pow"]
    rng = np.random.default_rng(7)
    bases = np.concatenate([rng.uniform(-1e3, 1e3, 20000), [-0.0, 0.0, 1e-300, -1e-300]])
    with np.errstate(all="ignore"):
        out = arraymath.forward(op, bases, exponent)
        local = arraymath.derivatives(op, bases, exponent, out)
    for index, base in enumerate(bases.tolist()):
        expected = scalar_forward(op, (base, exponent))
        if expected is None:
            assert not math.isfinite(out[index])
            continue
        assert same(float(out[index]), expected), f"{base!r} ** {exponent}: {out[index]!r} != {expected!r}"
        dx, _ = op.derivatives(FloatMath, base, exponent, expected)
        assert same(float(np.broadcast_to(local[0], out.shape)[index]), dx), f"d/dx {base!r} ** {exponent}"
