"""--check: every input's gradient against a finite difference that stays in the domain.

The step starts at h = eps**(1/3) * max(|x|, 1), the one that balances
truncation against rounding for a central difference at the input's scale,
then tries eps**(1/3) * |x| and ever smaller ones until the difference's own
error estimate is small against it (log near 1e-8, a pole just past 0).  Where x - h or x + h leaves an
operation's domain (log near 0, sqrt at 0), a one-sided difference of the same
order is used; where neither side stays in, the row says "cannot check" and why.

A gradient passes when |grad - fd| <= tolerance * (1 + max(|grad|, |fd|)) +
the difference's own error: its rounding (8 eps / h times the output and each
node on the path weighted by its gradient) and its truncation, estimated by
the same difference at h/2 (Richardson).  A step counts only where every node
on the input's path is smooth at it and no sin, cos or tan argument moves by a
good part of its period.  A correct gradient never fails; a difference that
settles at no step says "cannot check", and so does a gradient the policy
decides at a pole on the path.  Where an operation's argument crosses or sits
on a kink within the steps (the row of the operation says where its kinks
are: relu's x = 0, max's x = y, clamp's bounds), the row says "kink".
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..core.engine import Value
from ..core.ops import FloatMath
from ..core.replay import ReplayError, forward_values

if TYPE_CHECKING:
    from ..language.evaluate import Result

DEFAULT_TOLERANCE = 1e-6
EPS = sys.float_info.epsilon
RELATIVE_STEP = EPS ** (1 / 3)  # about 6e-6


class CheckRow(NamedTuple):
    node: Value
    gradient: float
    difference: float  # nan when there is none
    error: float  # relative error, nan when there is no difference
    status: str  # "ok", "FAIL", "kink" or "cannot check"
    method: str  # "central", "forward", "backward" or ""
    note: str = ""  # why it cannot check


class _Difference(NamedTuple):
    value: float
    allowance: float  # the difference's own error: rounding plus estimated truncation
    method: str
    runs: list[list[float]]
    flat: bool = False  # the output took exactly the same value at every point of the step


def gradient_check(
    result: Result, tolerance: float = DEFAULT_TOLERANCE, grad: Callable[[Value], float | None] | None = None
) -> list[CheckRow]:
    """Every dependent input's gradient (`grad(node)`, by default its `grad`) against a finite difference."""
    if grad is None:
        grad = _own_grad
    rows = []
    nodes = result.graph.nodes
    output = result.output.id
    for node in result.dependent_inputs():

        def f(t: float, node: Value = node) -> list[float] | None:
            if not math.isfinite(t):  # a step past the largest double (x = 1.7976931348623157e308)
                return None
            try:
                return forward_values(nodes, {node.id: t})
            except ReplayError:
                return None

        shown = grad(node)
        gradient = shown if shown is not None else 0.0
        moving = _moving(result, node)
        found = _settled_difference(f, node.data, output, _path(moving, output))
        if isinstance(found, str):
            kinked = _near_kink(result, moving, [])
            if kinked is not None:  # abs(x) at 0: no difference settles on a kink, and none needs to
                rows.append(CheckRow(node, gradient, math.nan, math.nan, "kink", "", f"an argument of {kinked} is at its kink"))
            else:
                rows.append(CheckRow(node, gradient, math.nan, math.nan, "cannot check", "", found))
            continue
        fd = found.value
        diff = abs(gradient - fd)
        error = diff / max(abs(gradient), abs(fd), 1e-300) if diff else 0.0
        kinked = _near_kink(result, moving, found.runs)
        pole = _pole_on_path(moving, node)
        if pole is not None or not math.isfinite(gradient):
            # The policy decides the gradient at a pole (sqrt'(0) = inf; a node whose gradient
            # is 0 passes nothing back through one): no difference can confirm it.
            where = f"{pole}'s derivative is infinite or nan here" if pole else f"the gradient is {gradient!r}"
            status, note = "cannot check", f"{where}: a pole on the input's path"
        elif kinked is not None:
            status, note = "kink", f"an argument of {kinked} is at or crosses its kink within the step"
        elif found.flat and gradient != 0.0:
            # Flat in the input (y of max(x, y) with x > y) confirms a gradient of 0; with any other,
            # the input's effect is lost to rounding on the way (x * 0.5 + 1e16).
            status, note = "cannot check", "the output does not move at this step: the input's effect is lost to rounding"
        elif diff <= tolerance * (1 + max(abs(gradient), abs(fd))) + found.allowance:
            status, note = "ok", ""
        else:
            status, note = "FAIL", ""
        rows.append(CheckRow(node, gradient, fd, error, status, found.method, note))
    return rows


def _own_grad(node: Value) -> float | None:
    return node.grad


#: A difference whose own error estimate is at most this fraction of it is trusted at once.
_SETTLED = 1e-6
#: One whose error estimate is over this fraction of it cannot judge a gradient.
_UNSETTLED = 1e-2


def _settled_difference(
    f: Callable[[float], list[float] | None], x: float, output: int, path: _Path | None = None
) -> _Difference | str:
    """The difference at the largest step whose error estimate is small against it.

    Steps start at eps**(1/3) * max(|x|, 1) and shrink, so a function that
    changes on a scale far below the input's (log(x - 2 + 1e-9) at x = 2, a
    pole just past 0) is still caught where it is smooth.  `path`: the nodes
    that move with the input (see `_Path`).
    """
    if f(x) is None:  # a node grad() built, re-run by its operation's strict forward
        return "the program cannot be re-run at this input"
    steps = [RELATIVE_STEP * max(abs(x), 1.0) * 1e-3**k for k in range(110)]
    if 0.0 < abs(x) < 1.0:
        steps.insert(1, RELATIVE_STEP * abs(x))
    tried: list[_Difference] = []
    reason = "x ± h leaves the domain of an operation on both sides at every step"
    for h in steps:
        if h < 1e-300 or x + h == x:
            break
        found = _difference(f, x, h, output, path)
        if isinstance(found, str):
            if found == _ROUGH:
                reason = "the finite difference does not settle at any step (the function changes too fast here)"
            continue
        # Flat, the difference is exactly 0: trusted when its rounding is small against 1, as the
        # pass test measures (b ** b at 0 is flat at steps so small that b ** b rounds to 1).
        if (found.flat and found.allowance <= _SETTLED) or _unsettled(found) <= _SETTLED:
            return found
        tried.append(found)
    if not tried:
        return reason
    best = min(range(len(tried)), key=lambda index: _unsettled(tried[index]))
    # The best must also agree with the difference at a neighbouring step: where the
    # function is not smooth at x (x ** 1.01 at 0) the error estimate stays a steady
    # fraction of the difference while the difference itself drifts with the step.
    neighbours = [tried[index].value for index in (best - 1, best + 1) if 0 <= index < len(tried)]
    value = tried[best].value
    if _unsettled(tried[best]) > _UNSETTLED or not any(
        abs(value - other) <= _UNSETTLED * max(abs(value), abs(other)) for other in neighbours
    ):
        return "the finite difference does not settle at any step (the function changes too fast here)"
    return tried[best]


def _unsettled(found: _Difference) -> float:
    """The difference's own error against its size: one that is merely small (1/h of a
    function that changes far faster than the step) is not trusted."""
    return found.allowance / max(abs(found.value), 1e-300) if found.allowance else 0.0


#: Why a step does not count: a node on the input's path is not smooth at it.
_ROUGH = "a node on the path changes too fast at this step"


class _Path(NamedTuple):
    """What a step must respect besides the output: the nodes that move with the input.

    `weights`: each such node (the output aside) and |d output / d node|, for the
    rounding its values carry into the difference (tan(a * a) at a = 25000: a * a
    is rounded to 1e-7 of a step of 1e-5).  `periodic`: the argument of each
    sin, cos or tan and its period (the row's `period`): a step that moves it by
    a good part of a period samples the function too sparsely to see it, however
    smooth the samples look (x = 1e308, where no step is below the period).
    """

    ids: list[int]
    weights: list[tuple[int, float]]
    periodic: list[tuple[int, float]]


def _path(moving: list[Value], output: int) -> _Path:
    weights = [(node.id, abs(node.grad)) for node in moving if node.id != output and node.grad]
    periodic = [
        (node.children[0].id, node.op.period)  # type: ignore[union-attr]
        for node in moving
        if node.op.period  # type: ignore[union-attr]
    ]
    return _Path([node.id for node in moving], weights, periodic)


def _rough(wide: float, narrow: float) -> bool:
    """The same difference at steps h and h/2 disagrees grossly: not smooth at this step.

    Smooth, they differ by O(h^2) of themselves (and both are 0 at an extremum of
    even symmetry); a node that varies on a scale far below h gives two unrelated numbers.
    """
    return abs(narrow - wide) > _UNSETTLED * max(abs(narrow), abs(wide)) if narrow != wide else False


#: A step may move the argument of a periodic operation by at most this part of its period.
_PERIOD_PART = 1 / 16


def _unfit(
    path: _Path | None, output: int, samples: list[list[float]], differences: Callable[[int], tuple[float, float]]
) -> bool:
    """Whether a node on the path is not smooth at this step, or a periodic operation's argument moves too far."""
    if path is None:
        return False
    for argument, period in path.periodic:
        moved = [values[argument] for values in samples]
        if max(moved) - min(moved) > _PERIOD_PART * period:
            return True
    return any(_rough(*differences(i)) for i in path.ids if i != output)


def _rounding(path: _Path | None, output: int, samples: list[list[float]], h: float) -> float:
    """The rounding in a difference at step h: of the output, and of each node on the path as it reaches the output."""
    size = max(abs(values[output]) for values in samples)
    if path is not None:
        size += sum(weight * max(abs(values[i]) for values in samples) for i, weight in path.weights)
    return EPS * size / h


def _difference(
    f: Callable[[float], list[float] | None], x: float, h: float, output: int, path: _Path | None = None
) -> _Difference | str:
    """A central difference, or a one-sided one where the central leaves the domain; a reason if neither fits."""
    centre = f(x)
    assert centre is not None
    # Steps the input can take exactly, h and h/2 alike: with x = 1e9, x + 0.003
    # moves by 0.00300002, an error of 1e-5 in every difference.
    half_step = (x + h / 2) - x
    if not math.isfinite(half_step):  # no double above x: the step the input can take below it
        half_step = x - (x - h / 2)
    h = 2 * half_step
    if h == 0.0:
        return "the step is below the input's precision"
    above, below = f(x + h), f(x - h)
    if above is not None and below is not None:
        half_above, half_below = f(x + h / 2), f(x - h / 2)
        if half_above is not None and half_below is not None:

            def central(i: int) -> tuple[float, float]:
                # Halves first: near the largest double, above - below itself would overflow.
                return (above[i] / 2 - below[i] / 2) / h, (half_above[i] - half_below[i]) / h

            samples = [above, below, half_above, half_below, centre]
            if _unfit(path, output, samples, central):
                return _ROUGH
            wide, narrow = central(output)
            rounding = 8 * _rounding(path, output, samples, h)
            flat = above[output] == below[output] == half_above[output] == half_below[output] == centre[output]
            return _Difference((4 * narrow - wide) / 3, abs(narrow - wide) + rounding, "central", [above, below], flat)
    for sign, method in ((1.0, "forward"), (-1.0, "backward")):
        one, two, half = f(x + sign * h), f(x + sign * 2 * h), f(x + sign * h / 2)
        if one is None or two is None or half is None:
            continue

        def one_sided(i: int) -> tuple[float, float]:
            # Second-order one-sided differences at steps h and h/2, (-3 f0 + 4 f1 - f2) / 2h
            # written with differences from f0, which cannot overflow where 3 * f0 would.
            f0, f1, f2, fh = centre[i], one[i], two[i], half[i]  # noqa: B023 -- used in this iteration only
            return sign * (2 * (f1 - f0) - (f2 - f0) / 2) / h, sign * (4 * (fh - f0) - (f1 - f0)) / h  # noqa: B023

        samples = [centre, one, two, half]
        if _unfit(path, output, samples, one_sided):
            return _ROUGH
        wide, narrow = one_sided(output)
        f0, f1, f2 = centre[output], one[output], two[output]
        rounding = 32 * _rounding(path, output, samples, h)
        return _Difference(narrow, abs(narrow - wide) + rounding, method, [one, two], f0 == f1 == f2 == half[output])
    return "leaves the domain"


def _moving(result: Result, start: Value) -> list[Value]:
    """The operation nodes of the output's graph that move with `start`, in topological order."""
    moving = {start.id}
    path = []
    for node in result.order:
        if node.op.__class__ is not str and any(child.id in moving for child in node.children):
            moving.add(node.id)
            path.append(node)
    return path


def _pole_on_path(path: list[Value], start: Value) -> str | None:
    """The name of an operation on `path` whose local derivative in an argument that moves
    with `start` is infinite or nan, or None."""
    moving = {start.id} | {node.id for node in path}
    for node in path:
        op = node.op
        local = op.derivatives(FloatMath, *[child.data for child in node.children], node.data)  # type: ignore[union-attr]
        for child, d in zip(node.children, local):
            if child.id in moving and not math.isfinite(d):
                return op.name  # type: ignore[union-attr]
    return None


def _near_kink(result: Result, path: list[Value], runs: list[list[float]]) -> str | None:
    """The name of an operation on the input's path whose kink (as its row gives it) lies between
    or on the evaluations (and the current point), or None."""
    current = [node.data for node in result.graph.nodes]
    for node in path:
        op = node.op
        if op.kinks is None:  # type: ignore[union-attr]
            continue
        signs: list[set[int]] = []
        for values in [*runs, current]:
            quantities = op.kinks(*[values[child.id] for child in node.children])  # type: ignore[union-attr]
            if not signs:
                signs = [set() for _ in quantities]
            for seen, q in zip(signs, quantities):
                seen.add(1 if q > 0 else (-1 if q < 0 else 0))  # nan counts as on the kink
        if any(len(seen) > 1 or 0 in seen for seen in signs):
            return op.name  # type: ignore[union-attr]
    return None
