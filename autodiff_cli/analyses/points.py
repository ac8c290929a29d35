"""Results at many points (a sweep, or one evaluation seen as a sweep of one point), without NumPy."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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


class AxisSpec(NamedTuple):
    """One `--sweep NAME=START:STOP:COUNT` as written, checked but not yet resolved in a program."""

    name: str
    start: float
    stop: float
    points: int


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
    errors: Mapping[int, PointError]  # a dict, or sweep.PointErrors (made as they are read)
    source: Source | None = None  # the text the errors' spans point into

    @property
    def size(self) -> int:
        return len(self.value)


def one_point(result: Result, grad: Callable[[Value], float | None] | None = None) -> Sweep:
    """A plain evaluation as a sweep of one point, every input a column (`--format csv` without --sweep).

    `grad(node)` is the gradient shown (a report's, forward mode's in forward mode); by default `node.grad`.
    """
    from .at import inputs_by_key

    keyed = inputs_by_key(result.graph)
    return Sweep(
        output=result.output_name,
        keys=list(keyed),
        axes=[Axis(key, node, [node.data]) for key, node in keyed.items()],
        inputs={key: [node.data] for key, node in keyed.items()},
        value=[result.value],
        grads={key: [node.grad if grad is None else grad(node)] for key, node in keyed.items()},
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


#: Most memory a sweep's columns may take: refused before they are made (docs/sweeps.md).
MAX_SWEEP_BYTES = 1 << 30

#: Most points `--plot` draws: a plot is a few hundred columns wide, and the plotting
#: libraries take about 30 s and 400 MB for a million points.
MAX_PLOT_POINTS = 100_000


def parse_sweep(text: str) -> AxisSpec:
    """`NAME=START:STOP:COUNT` checked as text: a usage error naming the option, before any program runs."""
    from .at import parse_number

    name, equals, spec = text.partition("=")
    name = name.strip()
    parts = spec.split(":")
    if not equals or not name or len(parts) != 3:
        raise UsageError(f"--sweep {text}: write it as NAME=START:STOP:COUNT, as in --sweep x=-1:1:21")
    option = f"--sweep {name}"
    start, stop = parse_number(option, parts[0]), parse_number(option, parts[1])
    count_text = parts[2].strip()
    if not (count_text.isascii() and count_text.isdigit()) or not count_text.strip("0"):
        raise UsageError(f"{option}: COUNT must be a whole number of points, at least 1 (not '{count_text[:40]}')")
    digits = count_text.lstrip("0")
    if len(digits) > 15:  # read no further: it is far past any cap (and int() refuses 4,300 digits)
        raise UsageError(f"{option}: COUNT has {len(digits):,} digits: far more points than a sweep may have")
    return AxisSpec(name, start, stop, int(digits))


def sweep_bytes(counts: list[int], inputs: int, widest: int) -> int:
    """What a sweep of these axes keeps in memory at once, from its sizes alone.

    Each point holds 8 bytes in each column: the grid (one a swept input),
    the other inputs' values, the output's value and a gradient per input;
    a failed point keeps its row and the arguments of the step that failed
    (counted as if every point failed, `widest` being the most arguments a
    step takes).  A chunk's work on every node is bounded apart
    (sweep.CHUNK_BYTES), and so is a plot (MAX_PLOT_POINTS).
    """
    points = math.prod(counts)
    axes = len(counts)
    columns = axes + max(inputs - axes, 0) + 1 + inputs
    per_point = 8 * columns + 16 + 8 * widest + 8  # and the flags a few whole-sweep checks make (8 bytes)
    return 8 * sum(counts) + points * per_point


def check_sweep_size(counts: list[int], inputs: int, widest: int, plot: bool) -> None:
    """A usage error when the sweep would take more than MAX_SWEEP_BYTES (or --plot more than MAX_PLOT_POINTS)."""
    points = math.prod(counts)
    if plot and points > MAX_PLOT_POINTS:
        raise UsageError(
            f"--plot: {points:,} points is more than the {MAX_PLOT_POINTS:,} a plot draws (give the sweep fewer points)"
        )
    needed = sweep_bytes(counts, inputs, widest)
    if needed > MAX_SWEEP_BYTES:
        shown = f"{needed / 2**30:,.1f} GiB" if needed >= 2**30 else f"{needed / 2**20:,.0f} MiB"
        raise UsageError(
            f"--sweep: {points:,} points would take about {shown} of memory, more than the "
            f"{MAX_SWEEP_BYTES // 2**30} GiB a sweep may (give fewer points, or split the range over several runs)"
        )


def check_usage(options: Options) -> list[tuple[str, float]]:
    """Check --at, --sweep, --plot and --format csv|parquet before any work; return the --at pairs."""
    from .at import parse_assignment

    assignments = [parse_assignment(text) for text in options.at]
    if options.sweep:
        # Before the program runs, the least the sweep can take: one input a swept name, one argument a step.
        counts = [parse_sweep(text).points for text in options.sweep]
        check_sweep_size(counts, len(counts), 1, options.plot is not None)
    asked = [flag for name, flag in _ONE_POINT_VIEWS.items() if getattr(options, name, None)]
    if options.of is not None and "," in options.of and (options.sweep or options.format in _POINT_FORMATS):
        given = [f"--format {options.format}"] if options.format in _POINT_FORMATS else []
        if options.sweep:
            given.insert(0, "--sweep")
        follows = "follow" if len(given) > 1 else "follows"
        raise UsageError(f"{' and '.join(given)} {follows} one output: give --of one name, not {options.of}")
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
