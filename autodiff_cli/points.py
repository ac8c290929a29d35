"""Results at many points (a sweep, or one evaluation seen as a sweep of one point), without NumPy."""

from __future__ import annotations

from typing import Any, NamedTuple

from .engine import Value
from .errors import EvaluationError, Source
from .evaluate import Result


class Axis(NamedTuple):
    """One `--sweep`: the input it moves and the values it takes."""

    key: str
    node: Value
    values: Any  # ndarray (or a list)


class PointError(NamedTuple):
    """Why a point failed: the error `eval --at` gives there (message and place)."""

    message: str
    line: int
    column: int
    error: EvaluationError


class Sweep(NamedTuple):
    """The output's value and gradients at every point; `errors[i]` for each failed point i."""

    output: str
    keys: list[str]  # every input, in creation order
    axes: list[Axis]
    inputs: dict[str, Any]  # key -> each input's value at every point (ndarray, or a list)
    value: Any  # ndarray, or a list
    grads: dict[str, Any]  # key -> d(output)/d(input) at every point (ndarray, or a list)
    errors: dict[int, PointError]
    source: Source | None = None  # the text the errors' spans point into

    @property
    def size(self) -> int:
        return len(self.value)


def one_point(result: Result) -> Sweep:
    """A plain evaluation as a sweep of one point, every input a column (`--format csv` without --sweep)."""
    from .at import inputs_by_key

    keyed = inputs_by_key(result.graph)
    return Sweep(
        output=result.output_name,
        keys=list(keyed),
        axes=[Axis(key, node, [node.data]) for key, node in keyed.items()],
        inputs={key: [node.data] for key, node in keyed.items()},
        value=[result.value],
        grads={key: [node.grad] for key, node in keyed.items()},
        errors={},
    )
