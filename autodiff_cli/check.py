"""--check: every input's gradient against a central finite difference.

The step is relative to the value (h = 1e-6 * max(1, |x|)); the forward pass is
re-run over graph.nodes in id order (creation order is topological) through the
table of operations.  An input passes when
|grad - fd| <= tolerance + tolerance * max(|grad|, |fd|) + noise (relative +
absolute, default tolerance 1e-6), where noise = 4 * eps * max(|f(x+h)|, |f(x-h)|) / 2h
is the rounding error of the difference itself: with an output of 1e9, the
difference cannot be trusted past its sixth digit, whatever the gradient.  Where a relu/abs/max/min argument crosses or sits on
its kink within the step, the row says "kink" instead of failing.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from .ops import DomainError

DEFAULT_TOLERANCE = 1e-6
RELATIVE_STEP = 1e-6
_KINKED = {"relu", "abs", "max", "min"}


@dataclass
class CheckRow:
    label: str
    gradient: float
    difference: float
    error: float
    status: str  # "ok", "FAIL", "kink"


def _values(result, overrides: dict[int, float]) -> dict[int, float]:
    """Every node's value with some inputs replaced; nan past a step outside a domain.

    Re-run over graph.nodes in id order, which is creation order and so
    topological, through the table of operations.
    """
    values: dict[int, float] = {}
    for node in result.graph.nodes:
        if node.id in overrides:
            value = overrides[node.id]
        elif isinstance(node.op, str):
            value = node.data
        else:
            try:
                value = node.op.forward(*[values[c.id] for c in node.children])
            except (DomainError, ArithmeticError, ValueError):
                value = math.nan
        values[node.id] = value
    return values


def _near_kink(result, runs: list[dict[int, float]]) -> bool:
    """A relu/abs/max/min whose kink lies between (or on) the evaluations."""
    current = {node.id: node.data for node in result.graph.nodes}
    for node in result.order:
        if isinstance(node.op, str) or node.op.name not in _KINKED:
            continue
        signs = set()
        for values in [*runs, current]:
            args = [values[c.id] for c in node.children]
            arg = args[0] if len(args) == 1 else args[0] - args[1]
            signs.add(0 if arg == 0 else (1 if arg > 0 else -1))
        if len(signs) > 1 or 0 in signs:
            return True
    return False


def gradient_check(result, tolerance: float = DEFAULT_TOLERANCE) -> list[CheckRow]:
    rows = []
    output = result.output.id
    for node in result.dependent_inputs():
        x = node.data
        h = RELATIVE_STEP * max(1.0, abs(x))
        runs = [_values(result, {node.id: x + h}), _values(result, {node.id: x - h})]
        above, below = runs[0][output], runs[1][output]
        fd = (above - below) / (2 * h)
        noise = 4 * sys.float_info.epsilon * max(abs(above), abs(below)) / (2 * h)
        grad = node.grad if node.grad is not None else 0.0
        diff = abs(grad - fd)
        error = diff / max(abs(grad), abs(fd), 1e-300) if diff else 0.0
        ok = diff <= tolerance + tolerance * max(abs(grad), abs(fd)) + noise
        status = "kink" if _near_kink(result, runs) else "ok" if ok else "FAIL"
        rows.append(CheckRow(result.label(node), grad, fd, error, status))
    return rows


def render_check(rows: list[CheckRow], precision: int = 6, plain: bool = False):
    from rich import box
    from rich.table import Table

    table = Table(
        title="gradient check (central finite difference)",
        box=None if plain else box.SIMPLE_HEAD,
        show_edge=False,
    )
    for name in ("input", "gradient", "finite difference", "relative error", "ok"):
        table.add_column(name)
    for row in rows:
        table.add_row(row.label, f"{row.gradient:.{precision}g}", f"{row.difference:.{precision}g}",
                      f"{row.error:.2g}", row.status)
    return table
