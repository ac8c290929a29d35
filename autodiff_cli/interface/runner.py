"""Running one program: read it, evaluate and differentiate it, write its report, return the exit code.

The Click commands (`cli.py`) and the fast path for the hot invocations
(`launch.py`) both run programs through these functions, so a program's
output, its error messages and warnings, and the exit code come from one
place whichever way the command line was read.  No Click here.
"""

from __future__ import annotations

from ..base.errors import ProgramError, Source, UsageError
from ..base.typing_lite import TYPE_CHECKING
from ..render.output import OutputContext
from .process import EXIT_OK, EXIT_PROGRAM, EXIT_USAGE

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..base.options import Options
    from ..language.evaluate import Graph
    from ..report import Report

#: Warnings of one program shown with their place; more are counted in one line.
MAX_WARNINGS = 10


def eval_program(program: str, options: Options) -> int:
    """`autodiff eval PROGRAM`: the program's text, or stdin when it is `-`; return the exit code."""

    def load() -> Source:
        if program == "-":
            from .sources import read_file

            return read_file("-")
        from .sources import argument_text

        return Source("<eval>", argument_text(program))

    return run_program(load, options, OutputContext())


def run_program(
    load: Callable[[], Source],
    options: Options,
    out: OutputContext,
    source_field: str | None = None,
    name_source: bool = False,
    write: Callable[[Report, OutputContext], None] | None = None,
) -> int:
    """Load, evaluate and differentiate one program, build its report, write it; return the exit code.

    Everything a run shows goes through `out`.  A library's own Python warning
    (NumPy's or Matplotlib's "overflow encountered in multiply", which the
    sweep reports in its own words) would be written to stderr around it, with
    a file name and a line of the library's source: it is not shown.

    `write` shows the report instead of the format's writer (the notebook
    magic displays it); what comes after, warnings to exit code, is the same.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run_program(load, options, out, source_field, name_source, write)


def _run_program(
    load: Callable[[], Source],
    options: Options,
    out: OutputContext,
    source_field: str | None,
    name_source: bool,
    write: Callable[[Report, OutputContext], None] | None,
) -> int:
    source = None
    graph = None
    try:
        assignments = _points_usage(options)
        if options.sweep:
            from .process import keep_freed_memory

            keep_freed_memory()
        if options.format == "parquet":
            from ..render.parquet import check_output

            check_output(out)
        source = load()
        from ..language.evaluate import Graph
        from ..language.parse import parse
        from ..report import build_report
        from .progress import RunProgress

        graph = Graph(source)
        with RunProgress(len(source.text)) as progress:
            statements = progress.track(parse(source.text))
            if assignments or options.sweep:
                from ..analyses.at import run_moving

                graph = run_moving(graph, statements)
            else:
                graph.run(statements)
            if graph.last is None and options.of is None:
                return _no_output(graph, options, assignments, out, source_field)
            if assignments and not options.sweep:  # a sweep fixes the --at inputs at each of its points
                from ..analyses.at import apply, overrides_for

                graph = apply(graph, overrides_for(graph, assignments))
            progress.stage("differentiating")
            of = options.of
            if of is not None and "," in of:  # a Jacobian: the main view is the first output's
                from ..analyses.modes import first_output

                of = first_output(of)
            result = graph.differentiate(of)
            report = build_report(result, options, source_field)
    except ProgramError as error:
        _warn_program(graph, out)
        # --at on a program with grad() runs its edited text: the error points there.
        out.error(error, getattr(error, "edited_source", None) or source)
        return EXIT_PROGRAM
    except UsageError as error:
        _warn_program(graph, out)
        place = f"{source.name}: " if name_source and source is not None else ""
        out.warn(f"error: {place}{error}")
        return EXIT_USAGE
    _warn_program(graph, out)
    try:
        (write or report_writer(options))(report, out)
    except UsageError as error:  # what a view needs and cannot have: a plotting library, a drawable range
        out.warn(f"error: {error}")
        return EXIT_USAGE
    if report.descent is not None and options.format != "html":  # the page shows the descent itself
        if options.plot not in (None, "-"):
            from ..render.descent import write_image

            try:
                write_image(report.descent, options.plot)
            except UsageError as error:
                out.warn(f"error: {error}")
                return EXIT_USAGE
        return EXIT_OK
    out.stdout.flush()
    for note in report.notes:
        out.warn(f"note: {note}")
    if report.sweep is not None and options.sweep:
        return _finish_sweep(report, out)
    _warn_non_finite(report, out)
    code = EXIT_OK
    if options.render:
        from ..render.dot import RenderError, render_file

        try:
            for note in render_file(report, options.render):
                out.warn(f"note: {note}")
        except RenderError as error:
            out.warn(f"error: {error}")
            code = EXIT_PROGRAM
    if report.failed:
        out.warn("error: gradient check failed")
        code = EXIT_PROGRAM
    return code


def report_writer(options: Options) -> Callable[[Report, OutputContext], None]:
    """The writer of the format registry that `options` ask for: --emit's code, --descend's steps, or --format's."""
    if options.descend and options.format != "html":  # the page draws the descent itself
        from ..render.descent import write

        return write
    from ..render import writer

    return writer("code" if options.emit is not None else options.format)


def _no_output(
    graph: Graph, options: Options, assignments: list[tuple[str, float]], out: OutputContext, source_field: str | None
) -> int:
    """A program with nothing to differentiate: a warning, and with --format json its one (empty) document.

    An option that names an input or a node of it is a usage error, as for
    any program that lacks the name.
    """
    if assignments:
        from ..analyses.at import overrides_for

        overrides_for(graph, assignments)
    for text in options.sweep:
        from ..analyses.at import resolve
        from ..analyses.points import parse_sweep

        resolve(graph, parse_sweep(text).name, "--sweep")
    for name in [*options.why, *([options.taylor.partition(":")[0]] if options.taylor else [])]:
        option = f"--why {name}" if name in options.why else f"--taylor {options.taylor}"
        raise UsageError(f"{option}: the program binds no name '{name}'")
    what = "only defines functions" if graph.functions else "has no statements"
    out.warn(f"warning: {graph.source.name}: nothing to differentiate (the program {what})")
    if options.format == "json" and options.emit is None:
        from ..render.json import write_no_output

        write_no_output(out, source_field)
    return EXIT_OK


def _warn_program(graph: Any, out: OutputContext) -> None:
    """The program's own warnings (a literal that underflowed to 0), each with its place; more are counted."""
    if graph is not None and graph.warnings:
        for warning in graph.warnings[:MAX_WARNINGS]:
            out.error(warning, graph.source)
        if len(graph.warnings) > MAX_WARNINGS:
            out.warn(f"warning: {len(graph.warnings) - MAX_WARNINGS} more like these")


def _points_usage(options: Options) -> list[tuple[str, float]]:
    if options.descend:
        from ..analyses.at import parse_assignment
        from ..analyses.descend import check_usage as check_descent

        check_descent(options)
        return [parse_assignment(text) for text in options.at]
    if not (options.at or options.sweep or options.plot is not None or options.format in ("csv", "parquet")):
        return []
    from ..analyses.points import check_usage

    return check_usage(options)


def _finish_sweep(report: Report, out: OutputContext) -> int:
    """After a sweep's rows: its image, a warning of non-finite gradients, and the failed points (exit 1)."""
    from ..analyses.sweep import non_finite_gradients

    sweep = report.sweep
    assert sweep is not None
    if report.options.plot not in (None, "-"):
        from ..render.plot import write_image

        try:
            write_image(sweep, report.options.plot)
        except UsageError as error:
            out.warn(f"error: {error}")
            return EXIT_USAGE
        except OSError as error:  # checked before the work, so a full disk or the like: the old file is kept
            out.warn(f"error: --plot {report.options.plot}: cannot write it: {error.strerror or error}")
            return EXIT_PROGRAM
    count, keys = non_finite_gradients(sweep)
    if count:
        derivatives = ", ".join(f"d/d{key}" for key in keys)
        from ..language.evaluate import NUMERIC_POLICY

        out.warn(
            f"warning: non-finite gradient at {count} point{'s' if count != 1 else ''} "
            f"({derivatives}: a local derivative is infinite or undefined there, such as sqrt'(0), "
            f"or a gradient is too large for a double; see {NUMERIC_POLICY})"
        )
    if not sweep.errors:
        return EXIT_OK
    first = min(sweep.errors)
    where = ", ".join(f"{axis.key}={float(sweep.inputs[axis.key][first])!r}" for axis in sweep.axes)
    failure = sweep.errors[first].error
    out.warn(f"error: {len(sweep.errors)} of {sweep.size} points failed; the first, at {where}:")
    out.error(failure, getattr(failure, "edited_source", None) or sweep.source)
    return EXIT_PROGRAM


def _warn_non_finite(report: Report, out: OutputContext) -> None:
    bad = report.non_finite()
    if bad:
        labels = ", ".join(report.label(node) for node in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        from ..language.evaluate import NUMERIC_POLICY

        out.warn(f"warning: non-finite gradient at {labels}{more} ({report.result.non_finite_cause()}; see {NUMERIC_POLICY})")
