"""Results at many points (a sweep, or one evaluation seen as a sweep of one point), without NumPy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ..base.errors import EvaluationError, Source, UsageError
from ..core.engine import Value

if TYPE_CHECKING:
    from ..base.options import Options
    from ..language.evaluate import Result


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


_ONE_POINT_VIEWS = {
    "explain": "--explain",
    "check": "--check",
    "hessian": "--hessian",
    "symbolic": "--symbolic",
    "render": "--render",
    "compare": "--compare",
    "why": "--why",
    "taylor": "--taylor",
    "emit": "--emit",
    "simplify": "--simplify",
}
IMAGE_SUFFIXES = (".svg", ".png")
#: The formats that hold points only (a plain evaluation is one point).
_POINT_FORMATS = ("csv", "parquet")


def check_usage(options: Options) -> list[tuple[str, float]]:
    """Check --at, --sweep, --plot and --format csv|parquet before any work; return the --at pairs."""
    from .at import parse_assignment

    assignments = [parse_assignment(text) for text in options.at]
    asked = [flag for name, flag in _ONE_POINT_VIEWS.items() if getattr(options, name, None)]
    if options.of is not None and "," in options.of and (options.sweep or options.format in _POINT_FORMATS):
        raise UsageError("--sweep, --format csv and --format parquet follow one output: give --of one name")
    if options.sweep and getattr(options, "mode", None) == "forward":
        raise UsageError("--sweep computes its gradients in reverse mode: drop --mode forward")
    if options.sweep:
        if options.format not in ("table", "json", *_POINT_FORMATS):
            raise UsageError(f"--sweep gives table, json (JSON Lines), csv or parquet, not --format {options.format}")
        if asked:
            raise UsageError(f"{asked[0]} shows one point: it cannot be combined with --sweep")
    elif options.format in _POINT_FORMATS and asked:
        raise UsageError(f"--format {options.format} holds values and gradients only: {asked[0]} needs another format")
    if options.plot is not None:
        if len(options.sweep) != 1:
            raise UsageError(f"--plot draws along one input: give exactly one --sweep (given {len(options.sweep)})")
        if options.plot == "-" and options.format != "table":
            raise UsageError(
                f"--plot draws in the terminal instead of the table: with --format {options.format}, "
                "write it to a file (--plot=FILE.svg)"
            )
        if options.plot != "-" and not options.plot.lower().endswith(IMAGE_SUFFIXES):
            raise UsageError(
                f"--plot {options.plot}: the file must end in .svg or .png "
                "(for the terminal, put --plot last or before another option)"
            )
    return assignments


def points(result: Result, options: Options) -> Sweep:
    """The sweep `options` asks for, or the one point of `result` (for --format csv)."""
    if not options.sweep:
        return one_point(result)
    from .at import overrides_for, parse_assignment
    from .sweep import parse_axis, sweep

    fixed = overrides_for(result.graph, [parse_assignment(text) for text in options.at])
    return sweep(result, [parse_axis(result.graph, text) for text in options.sweep], fixed)
