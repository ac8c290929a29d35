"""`--descend`: the loss and the parameters at each step, as a table, CSV, JSON Lines or a loss curve.

One row a step: step 0 is the program as written, step N has taken N
updates. Text rounds to `--precision`; CSV and JSON round-trip.
"""

from __future__ import annotations

import csv
import math
import os
from typing import TYPE_CHECKING, TextIO

from ..base.errors import UsageError
from ..base.numbers import json_number, rounded
from .plot import IMAGE_SUFFIXES, drawn, plotext

if TYPE_CHECKING:
    from ..analyses.descend import Descent
    from ..report import Report
    from .output import OutputContext

try:
    from _json import encode_basestring_ascii as quote
except ImportError:  # pragma: no cover - CPython always has _json
    from json.encoder import encode_basestring_ascii as quote  # type: ignore[attr-defined]


def write(report: Report, out: OutputContext) -> None:
    """The descent in the report's format (table, csv, json); `--plot -` draws the loss instead of the table."""
    descent = report.descent
    assert descent is not None
    options = report.options
    if options.format == "csv":
        write_csv(descent, out.stdout)
    elif options.format == "json":
        write_json_lines(descent, out.stdout, report.source_field)
    elif options.plot == "-":
        import shutil

        size = shutil.get_terminal_size()  # COLUMNS and LINES on a pipe, else 80 x 24
        out.stdout.write(terminal_plot(descent, out.width or size.columns, max(12, min(30, size.lines - 4)), out.color))
    else:
        write_table(descent, out.stdout, options.precision)
    out.stdout.flush()


def write_table(descent: Descent, out: TextIO, precision: int) -> None:
    """Columns: step, loss, each parameter; right-aligned, plain text."""
    header = ["step", descent.output, *descent.keys]
    rows = [
        [str(step.step), rounded(step.loss, precision), *(rounded(value, precision) for value in step.values)]
        for step in descent.steps
    ]
    widths = [max(len(header[column]), *(len(row[column]) for row in rows)) for column in range(len(header))]
    out.write("  ".join(cell.rjust(width) for cell, width in zip(header, widths)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) + "\n")
    first, last = (rounded(step.loss, precision) for step in (descent.steps[0], descent.steps[-1]))
    out.write(f"\nlearning rate {rounded(descent.rate, precision)}: {descent.output} {first} → {last}\n")


def write_csv(descent: Descent, out: TextIO) -> None:
    """step, loss, each parameter, then d(loss)/d(each parameter); numbers round-trip."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["step", descent.output, *descent.keys, *(f"d/d{key}" for key in descent.keys)])
    for step in descent.steps:
        writer.writerow([step.step, repr(step.loss), *map(repr, step.values), *map(repr, step.grads)])


def write_json_lines(descent: Descent, out: TextIO, source: str | None = None) -> None:
    """One object a step: {"step", "output", "value", "parameters": {key: value}, "grad": {key: d/dkey}}."""
    head = (f'{{"source": {quote(source)}, ' if source is not None else "{") + f'"output": {quote(descent.output)}, '
    keys = [quote(key) for key in descent.keys]
    for step in descent.steps:
        values = ", ".join(f"{key}: {json_number(value)}" for key, value in zip(keys, step.values))
        grads = ", ".join(f"{key}: {json_number(grad)}" for key, grad in zip(keys, step.grads))
        value = json_number(step.loss)
        out.write(f'{head}"step": {step.step}, "value": {value}, "parameters": {{{values}}}, "grad": {{{grads}}}}}\n')


def terminal_plot(descent: Descent, width: int, height: int, color: bool) -> str:
    """The loss over the steps, drawn by plotext."""
    plt = plotext(width, height, color)
    plt.plot([step.step for step in descent.steps], [step.loss for step in descent.steps], label=descent.output, marker="braille")
    plt.xlabel("step")
    plt.title(f"{descent.output} over {len(descent.steps) - 1} steps of gradient descent (rate {descent.rate:g})")
    return drawn(plt, color)


def write_image(descent: Descent, path: str) -> None:
    """The loss curve as an SVG or PNG file (Matplotlib)."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in IMAGE_SUFFIXES:
        raise UsageError(f"--plot {path}: the file must end in .svg or .png")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--plot {path}: no directory {directory}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise UsageError(f"--plot {path} needs Matplotlib, which is not installed: pip install 'autodiff-cli[plot]'") from None
    figure, axes = pyplot.subplots(figsize=(8, 5))
    try:
        losses = [step.loss for step in descent.steps]
        axes.plot([step.step for step in descent.steps], losses, label=descent.output, color="tab:blue")
        if all(loss > 0 for loss in losses) and max(losses) / min(losses) > 100 and math.isfinite(max(losses)):
            axes.set_yscale("log")
        axes.set_xlabel("step")
        axes.set_title(f"{descent.output} over {len(descent.steps) - 1} steps of gradient descent (rate {descent.rate:g})")
        axes.legend()
        axes.grid(True, alpha=0.3)
        figure.savefig(path, format=suffix[1:])
    except OSError as error:
        raise UsageError(f"--plot {path}: {error.strerror or error}") from None
    finally:
        pyplot.close(figure)
