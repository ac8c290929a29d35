"""--compare: each classic wrong backward pass beside the correct one, and why each gradient it gets wrong differs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ...core.engine import CONSTANT
from .mistakes import RUN, VARIANTS, Walk, same
from .reasons import reason

if TYPE_CHECKING:
    from ..subject import Subject


class Comparison(NamedTuple):
    """The correct gradients and each asked variant's, with a reason per differing node."""

    report: Subject
    walks: dict[str, Walk]
    reasons: dict[str, dict[int, str]]  # variant -> node id -> one line of why


def compare(report: Subject, variants: Sequence[str] = VARIANTS) -> Comparison:
    """Run each variant on the report's program; say why for every gradient it gets wrong."""
    result = report.result
    walks = {variant: RUN[variant](result) for variant in variants}
    reasons: dict[str, dict[int, str]] = {}
    for variant, walk in walks.items():
        reasons[variant] = {
            node.id: reason(report, walk, node)
            for node in reversed(result.order)
            if node.op is not CONSTANT and not same(walk.grads[node.id], node.grad)
        }
    return Comparison(report, walks, reasons)
