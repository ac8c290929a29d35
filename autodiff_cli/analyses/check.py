"""--check: every input's gradient against a finite difference that stays in the domain.

The step starts at h = eps**(1/3) * max(|x|, 1), the one that balances
truncation against rounding for a central difference at the input's scale,
then tries eps**(1/3) * |x| and ever smaller ones until the difference's own
error estimate is small against it (log near 1e-8, a pole just past 0).  Where x - h or x + h leaves an
operation's domain (log near 0, sqrt at 0), a one-sided difference of the same
order is used; where neither side stays in, the row says "cannot check" and why.

A gradient passes when |grad - fd| <= tolerance * (1 + max(|grad|, |fd|)) +
the difference's own error: its rounding (8 eps |f| / h) and its truncation,
estimated by the same difference at h/2 (Richardson).  A correct gradient
never fails; a difference that settles at no step says "cannot check".
Where an operation's argument crosses or sits on a kink within the steps
(the row of the operation says where its kinks are: relu's x = 0, max's
x = y, clamp's bounds), the row says "kink".
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..core.engine import Value
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
            try:
                return forward_values(nodes, {node.id: t})
            except ReplayError:
                return None

        shown = grad(node)
        gradient = shown if shown is not None else 0.0
        found = _settled_difference(f, node.data, output)
        if isinstance(found, str):
            rows.append(CheckRow(node, gradient, math.nan, math.nan, "cannot check", "", found))
            continue
        fd = found.value
        diff = abs(gradient - fd)
        error = diff / max(abs(gradient), abs(fd), 1e-300) if diff else 0.0
        kinked = _near_kink(result, found.runs)
        if kinked is not None:
            status, note = "kink", f"an argument of {kinked} is at or crosses its kink within the step"
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


def _settled_difference(f: Callable[[float], list[float] | None], x: float, output: int) -> _Difference | str:
    """The difference at the largest step whose error estimate is small against it.

    Steps start at eps**(1/3) * max(|x|, 1) and shrink, so a function that
    changes on a scale far below the input's (log(x - 2 + 1e-9) at x = 2, a
    pole just past 0) is still caught where it is smooth.
    """
    if f(x) is None:  # a node grad() built, re-run by its operation's strict forward
        return "the program cannot be re-run at this input"
    steps = [RELATIVE_STEP * max(abs(x), 1.0) * 1e-3**k for k in range(110)]
    if x != 0.0:
        steps.insert(1, RELATIVE_STEP * abs(x))
    best: _Difference | None = None
    reason = "x ± h leaves the domain of an operation on both sides at every step"
    for h in steps:
        if h < 1e-300 or x + h == x:
            break
        found = _difference(f, x, h, output)
        if isinstance(found, str):
            continue
        if _unsettled(found) <= _SETTLED:
            return found
        if best is None or _unsettled(found) < _unsettled(best):
            best = found
    if best is None:
        return reason
    if _unsettled(best) > _UNSETTLED:
        return "the finite difference does not settle at any step (the function changes too fast here)"
    return best


def _unsettled(found: _Difference) -> float:
    """The difference's own error against its size, or against 1 when it is smaller.

    Against 1 as the pass test is (`tolerance * (1 + ...)`): a function flat in
    the input (max(x, y) in y where x > y) has a difference of exactly 0 and an
    error of rounding only, and is checked, not "cannot check".
    """
    return found.allowance / max(abs(found.value), 1.0) if found.allowance else 0.0


def _difference(f: Callable[[float], list[float] | None], x: float, h: float, output: int) -> _Difference | str:
    """A central difference, or a one-sided one where the central leaves the domain; a reason if neither fits."""
    centre = f(x)
    assert centre is not None
    # Steps the input can take exactly, h and h/2 alike: with x = 1e9, x + 0.003
    # moves by 0.00300002, an error of 1e-5 in every difference.
    h = 2 * ((x + h / 2) - x)
    if h == 0.0:
        return "the step is below the input's precision"
    above, below = f(x + h), f(x - h)
    if above is not None and below is not None:
        half_above, half_below = f(x + h / 2), f(x - h / 2)
        if half_above is not None and half_below is not None:
            wide = (above[output] - below[output]) / (2 * h)
            narrow = (half_above[output] - half_below[output]) / h
            rounding = 8 * EPS * max(abs(above[output]), abs(below[output]), abs(centre[output])) / h
            return _Difference((4 * narrow - wide) / 3, abs(narrow - wide) + rounding, "central", [above, below])
    for sign, method in ((1.0, "forward"), (-1.0, "backward")):
        one, two, half = f(x + sign * h), f(x + sign * 2 * h), f(x + sign * h / 2)
        if one is None or two is None or half is None:
            continue
        f0, f1, f2 = centre[output], one[output], two[output]
        # Second-order one-sided differences at steps h and h/2.
        wide = sign * (-3 * f0 + 4 * f1 - f2) / (2 * h)
        narrow = sign * (-3 * f0 + 4 * half[output] - f1) / h
        rounding = 32 * EPS * max(abs(f0), abs(f1), abs(f2)) / h
        return _Difference(narrow, abs(narrow - wide) + rounding, method, [one, two])
    return "leaves the domain"


def _near_kink(result: Result, runs: list[list[float]]) -> str | None:
    """The name of an operation whose kink (as its row gives it) lies between or on the evaluations, or None."""
    current = [node.data for node in result.graph.nodes]
    for node in result.order:
        op = node.op
        if op.__class__ is str or op.kinks is None:  # type: ignore[union-attr]
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
