"""`--plot`: the output and its derivative along one swept input, in the terminal or as an image.

The terminal plot is drawn by plotext, the image by Matplotlib; each is
imported only here (`pip install 'autodiff-cli[plot]'`).  Failed points are
gaps in both curves, never zeros; where the derivative changes sign (or is 0)
the crossing is marked on the axis.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..base.errors import UsageError

if TYPE_CHECKING:
    from ..analyses.points import Sweep

IMAGE_SUFFIXES = (".svg", ".png")
_EXTRA = "pip install 'autodiff-cli[plot]'"


#: The widest range an axis may span: the plotting libraries add margins to it, and
#: past about 1.8e308 (from -1e308 to 1e308) their arithmetic overflows and fails.
MAX_SPAN = 1e300


def curves(sweep: Sweep) -> tuple[str, list[float], list[float], list[float]]:
    """The swept input's key, its values, the output and d(output)/d(input) (nan at failed points).

    A usage error when an axis would span more than MAX_SPAN: no library
    draws it, and each fails in its own way (a singular matrix, a nan label).
    """
    (axis,) = sweep.axes
    xs = [float(x) for x in axis.values]
    values, derivative = [float(v) for v in sweep.value], [float(d) for d in sweep.grads[axis.key]]
    _check_span(axis.key, xs)
    _check_span(f"{sweep.output} and d/d{axis.key}", [0.0, *values, *derivative])
    return axis.key, xs, values, derivative


def _check_span(what: str, numbers: list[float]) -> None:
    finite = [x for x in numbers if math.isfinite(x)]
    if finite and not max(finite) - min(finite) <= MAX_SPAN:  # the difference itself may overflow
        raise UsageError(
            f"--plot: {what} range from {min(finite):.3g} to {max(finite):.3g}, too wide to draw "
            f"(at most {MAX_SPAN:g} apart): sweep a narrower range"
        )


def zero_crossings(xs: list[float], ds: list[float]) -> list[float]:
    """Where the derivative is 0 or changes sign between neighbouring points (linear interpolation)."""
    crossings: list[float] = []
    for i, (x, d) in enumerate(zip(xs, ds)):
        if d == 0.0 and (i == 0 or ds[i - 1] != 0.0):
            crossings.append(x)
        if i + 1 < len(xs):
            nxt = ds[i + 1]
            if math.isfinite(d) and math.isfinite(nxt) and d * nxt < 0.0:
                crossings.append(x + (xs[i + 1] - x) * d / (d - nxt))
    return crossings


def segments(xs: list[float], ys: list[float]) -> Iterator[tuple[list[float], list[float]]]:
    """Runs of consecutive finite points: a failed point breaks the curve."""
    run_x: list[float] = []
    run_y: list[float] = []
    for x, y in zip(xs, ys):
        if math.isfinite(y):
            run_x.append(x)
            run_y.append(y)
        elif run_x:
            yield run_x, run_y
            run_x, run_y = [], []
    if run_x:
        yield run_x, run_y


#: plotext and Matplotlib compute their ticks and scales in doubles: past about
#: 1e307 (or below 1e-307) a span or a ratio overflows.  An axis whose numbers reach beyond
#: these bounds is drawn in units of a power of ten, said in its label.
_PLAIN_RANGE = (1e-100, 1e100)


def _in_units(numbers: list[float]) -> tuple[list[float], str]:
    """`numbers` in units of a power of ten when they are too large or too small to draw as they are, and the unit's text."""
    largest = max((abs(x) for x in numbers if math.isfinite(x)), default=0.0)
    if largest == 0.0 or _PLAIN_RANGE[0] <= largest <= _PLAIN_RANGE[1]:
        return numbers, ""
    exponent = max(-307, min(307, math.floor(math.log10(largest))))
    unit = 10.0**exponent
    return [x / unit for x in numbers], f" (×1e{exponent:+d})"


def plotext(width: int, height: int, color: bool) -> Any:
    """plotext with a clear figure of `width` x `height` characters; UsageError naming the extra without it."""
    try:
        import plotext as plt  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError(f"--plot needs plotext, which is not installed: {_EXTRA}") from None
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("pro" if color else "clear")
    return plt


def drawn(plt: Any, color: bool) -> str:
    """plotext's figure as text, its lines' trailing spaces cut (and its colours, unless `color`)."""
    text: str = plt.build()
    plt.clear_figure()
    if not color:
        text = plt.uncolorize(text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def terminal_plot(sweep: Sweep, width: int, height: int, color: bool, ascii_only: bool = False) -> str:
    """The plot as text (with ANSI colour when `color`), `width` x `height` characters.

    `ascii_only`: for a stream that cannot show Braille dots, the curves are drawn with `*`.
    """
    plt = plotext(width, height, color)
    key, xs, values, derivative = curves(sweep)
    xs, x_unit = _in_units(xs)
    both, y_unit = _in_units(values + derivative)
    values, derivative = both[: len(values)], both[len(values) :]
    curves_drawn = ((sweep.output + y_unit, values, "blue"), (f"d/d{key}" + y_unit, derivative, "red"))
    for index, (name, ys, line_color) in enumerate(curves_drawn):
        for number, (run_x, run_y) in enumerate(segments(xs, ys)):
            marker = "*" if ascii_only else "braille"
            plt.plot(run_x, run_y, label=name if number == 0 else "", color=line_color, marker=marker)
        if index == 1:
            crossings = zero_crossings(xs, derivative)
            if crossings:
                plt.scatter(crossings, [0.0] * len(crossings), label=f"d/d{key} = 0", marker="x", color="green")
    plt.hline(0.0, "gray")
    plt.xlabel(key + x_unit)
    plt.title(f"{sweep.output} and d/d{key} over {key}")
    return drawn(plt, color)


def require_matplotlib(path: str) -> None:
    """UsageError naming the extra when Matplotlib cannot be found (without importing it: that takes a while)."""
    import importlib.util

    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise UsageError(f"--plot {path} needs Matplotlib, which is not installed: {_EXTRA}")


def write_image(sweep: Sweep, path: str) -> None:
    """The same plot as an SVG or PNG file, drawn with Matplotlib (no display needed), through `files.replacing`.

    UsageError for a name it cannot write; OSError when the writing fails (the old file is kept).
    """
    from .files import check_output, replacing

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in IMAGE_SUFFIXES:
        raise UsageError(f"--plot {path}: the file must end in .svg or .png")
    check_output("--plot", path)  # the command line checked it before the work; this is for library callers
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise UsageError(f"--plot {path} needs Matplotlib, which is not installed: {_EXTRA}") from None
    key, xs, values, derivative = curves(sweep)
    xs, x_unit = _in_units(xs)  # Matplotlib's limits and ticks overflow near 1e308 too
    both, y_unit = _in_units(values + derivative)
    values, derivative = both[: len(values)], both[len(values) :]
    figure, axes = pyplot.subplots(figsize=(8, 5))
    try:
        # nan is a gap in a Matplotlib line: failed points are never drawn as zeros.
        axes.plot(xs, values, label=sweep.output + y_unit, color="tab:blue")
        axes.plot(xs, derivative, label=f"d/d{key}" + y_unit, color="tab:red")
        crossings = zero_crossings(xs, derivative)
        if crossings:
            axes.plot(crossings, [0.0] * len(crossings), "x", color="tab:green", label=f"d/d{key} = 0")
        axes.axhline(0.0, color="gray", linewidth=0.8)
        axes.set_xlabel(key + x_unit)
        axes.set_title(f"{sweep.output} and d/d{key} over {key}")
        axes.legend()
        axes.grid(True, alpha=0.3)
        with replacing(path) as temp:
            figure.savefig(temp, format=suffix[1:])
    finally:
        pyplot.close(figure)
