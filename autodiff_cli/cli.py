"""The `autodiff` command: thin Click commands over one pipeline.

Each command reads text, calls `Graph.run` and `Graph.differentiate`, and
hands the result to one renderer.  Errors of the program and of the command
line are turned into messages and exit codes here, in one place.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

import click

from . import __version__
from .errors import ProgramError, Source, UsageError

FORMATS = ("table", "json", "dot", "tree", "csv")

EXIT_OK, EXIT_PROGRAM, EXIT_USAGE = 0, 1, 2


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `eval` and `run` share, declared once so they cannot drift apart."""
    decorators = [
        click.option("--of", "of", metavar="NAME", help="Differentiate this named node instead of the last statement."),
        click.option(
            "--format", "-f", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
            help="table: values and gradients for people; json: the documented contract for scripts; "
            "csv: one row per point (with --sweep).",
        ),
        click.option(
            "--precision", "-p", type=click.IntRange(1, 17), default=6, show_default=True,
            help="Significant digits in the table (JSON always round-trips exactly).",
        ),
        click.option(
            "--all", "show_all", is_flag=True,
            help="Show every row of a big table (by default the middle of a table over 200 rows is elided).",
        ),
        click.option("--explain", is_flag=True, help="Print the backward pass step by step, in backward order."),
        click.option(
            "--hessian", is_flag=True,
            help="Also give the matrix of second derivatives of the output over its inputs.",
        ),
        click.option(
            "--symbolic", is_flag=True,
            help="Also give d(output)/d(input) for each input as a formula in the language.",
        ),
        click.option(
            "--check", is_flag=True,
            help="Compare every input's gradient with a central finite difference; exit 1 on disagreement.",
        ),
        click.option(
            "--tolerance", type=click.FloatRange(min=0), default=1e-6, show_default=True,
            help="--check passes when |grad - fd| <= tol + tol * max(|grad|, |fd|), plus the difference's own rounding error.",
        ),
        click.option(
            "--at", "at", metavar="NAME=VALUE", multiple=True,
            help="Give the input NAME the value VALUE instead of its literal (repeatable).",
        ),
        click.option(
            "--sweep", "sweep", metavar="NAME=START:STOP:COUNT", multiple=True,
            help="The output and its gradient at COUNT evenly spaced values of NAME; two make a grid (needs NumPy).",
        ),
        click.option(
            "--plot", "plot", metavar="[FILE]", is_flag=False, flag_value="-", default=None,
            help="With one --sweep: plot the output and its derivative in the terminal, or to FILE.svg / FILE.png.",
        ),
        click.option(
            "--render", "render_file", metavar="FILE", type=click.Path(dir_okay=False),
            help="Draw the graph to FILE.svg or FILE.png with Graphviz's dot.",
        ),
    ]
    return functools.reduce(lambda f, decorate: decorate(f), reversed(decorators), command)


class PointsCommand(click.Command):
    """A command whose bare `--plot` means the terminal, even when a program or file follows it.

    Click would take the next argument as --plot's value; only an image name
    (FILE.svg, FILE.png) is one.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        for index, arg in enumerate(args[:-1]):
            if arg == "--":
                break
            if arg == "--plot" and not args[index + 1].lower().endswith((".svg", ".png")):
                args[index] = "--plot=-"
        return super().parse_args(ctx, args)


_GROUP_OPTIONS = ("-h", "--help", "-V", "--version")


class AutodiffGroup(click.Group):
    """A group that, called with no command, runs the REPL on a terminal or stdin otherwise."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not sys.stdin.isatty() and (not args or (args[0].startswith("-") and args[0] not in _GROUP_OPTIONS)):
            # Like `python`: piped stdin with no command (perhaps with options) is a program.
            args = ["eval", *args, "-"]
        return super().parse_args(ctx, args)


@click.group(cls=AutodiffGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="autodiff", message="%(prog)s, version %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Differentiate a small program of scalar assignments.

    Every node's value and its gradient with respect to the output, in the
    order backpropagation visits them.  A node used more than once gets the
    sum of the gradients of all its uses.

    \b
    Examples:
      autodiff eval "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
      autodiff eval --format json "a = 3; b = a + a"
      printf 'a = 3\\nb = a * a\\n' | autodiff
    """
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty():
            from .repl import main as repl_main

            sys.exit(repl_main())
        click.echo(ctx.get_help())


@cli.command("repl")
def repl_command() -> None:
    """The interactive session (piped input: run it line by line).

    \b
    Example:
      autodiff repl
      printf 'a = 3\\nb = a * a\\n' | autodiff repl
    """
    from .repl import main as repl_main

    sys.exit(repl_main())


@cli.command("eval", cls=PointsCommand)
@click.argument("program", required=False, default="-")
@output_options
def eval_command(
    program: str, of: str | None, output_format: str, precision: int, show_all: bool, **views: Any
) -> None:
    """Evaluate and differentiate PROGRAM (`-` or nothing: read stdin).

    \b
    Example:
      autodiff eval "x = 0.5; y = tanh(2*x) * x"
      autodiff eval --of d "a = -2; b = 3; d = a*b; f = d*d"
    """
    from .sources import read_file

    def load() -> Source:
        return read_file("-") if program == "-" else Source("<eval>", program)

    sys.exit(_run_one(load, of, output_format, precision, show_all=show_all, views=views))


@cli.command("run", cls=PointsCommand)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@output_options
def run_command(
    files: tuple[str, ...], of: str | None, output_format: str, precision: int, show_all: bool, **views: Any
) -> None:
    """Evaluate each FILE as its own program (`-` is stdin).

    With several files each result is headed by its file name; with
    `--format json` each is one line of JSON with a "source" field.

    \b
    Example:
      autodiff run examples/seed.ad
      autodiff run --format json a.ad b.ad > results.jsonl
    """
    from .sources import read_file

    worst = EXIT_OK
    for path in files:
        if len(files) > 1 and output_format == "table":
            click.echo(f"==> {path} <==")
        code = _run_one(
            functools.partial(read_file, path), of, output_format, precision,
            source_field=path if (len(files) > 1 or output_format == "json") else None,
            show_all=show_all, views=views,
        )
        worst = max(worst, code)
        if len(files) > 1 and output_format == "table":
            click.echo()
    sys.exit(worst)


def _run_one(
    load: Callable[[], Source],
    of: str | None,
    output_format: str,
    precision: int,
    source_field: str | None = None,
    show_all: bool = False,
    views: dict[str, Any] | None = None,
) -> int:
    """Load, evaluate, differentiate and render one program; return its exit code."""
    source = None
    views = views or {}
    try:
        assignments = _points_usage(output_format, views)
        source = load()
        from .evaluate import Graph
        from .parse import parse
        from .progress import RunProgress

        graph = Graph(source)
        with RunProgress(len(source.text)) as progress:
            graph.run(progress.track(parse(source.text)))
            if graph.last is None and of is None:
                click.echo(f"{source.name}: nothing to differentiate (the program has no statements)", err=True)
                return EXIT_OK
            overrides: dict[int, float] = {}
            if assignments:
                from .at import apply, overrides_for

                overrides = overrides_for(graph, assignments)
                graph = apply(graph, overrides)
            progress.stage("differentiating")
            result = graph.differentiate(of)
        if views.get("sweep") or output_format == "csv" or views.get("plot"):
            return _run_points(result, overrides, output_format, precision, source_field, show_all, views)
    except ProgramError as error:
        from .errors import format_error

        click.echo(format_error(error, getattr(error, "edited_source", None) or source), err=True)
        return EXIT_PROGRAM
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    higher = _higher(result, views)
    _show(result, output_format, precision, source_field, show_all, higher)
    _warn_non_finite(result)
    if higher and output_format != "json":
        _show_higher(result, higher, precision)
    return _views(result, views, precision)


_NOT_WITH_SWEEP = {"explain": "--explain", "check": "--check", "hessian": "--hessian", "symbolic": "--symbolic",
                   "render_file": "--render"}


def _points_usage(output_format: str, views: dict[str, Any]) -> list[tuple[str, float]]:
    """Check --at, --sweep and --plot before any work; return the --at pairs."""
    from .at import parse_assignment

    assignments = [parse_assignment(text) for text in views.get("at") or ()]
    sweeps, plot = views.get("sweep") or (), views.get("plot")
    if sweeps:
        if output_format in ("dot", "tree"):
            raise UsageError(f"--sweep gives table, json (JSON Lines) or csv, not --format {output_format}")
        for name, flag in _NOT_WITH_SWEEP.items():
            if views.get(name):
                raise UsageError(f"{flag} shows one point: it cannot be combined with --sweep")
    elif output_format == "csv" and any(views.get(name) for name in _NOT_WITH_SWEEP):
        raise UsageError("--format csv holds values and gradients only: drop --explain, --check, --hessian, --symbolic, --render")
    if plot is not None:
        if len(sweeps) != 1:
            raise UsageError(f"--plot draws along one input: give exactly one --sweep (given {len(sweeps)})")
        if plot != "-" and not plot.lower().endswith((".svg", ".png")):
            raise UsageError(
                f"--plot {plot}: the file must end in .svg or .png "
                "(for the terminal, put --plot last or before another option)"
            )
    return assignments


def _run_points(
    result: Any,
    overrides: dict[int, float],
    output_format: str,
    precision: int,
    source_field: str | None,
    show_all: bool,
    views: dict[str, Any],
) -> int:
    """--sweep (and --format csv, a sweep of one point): every point's value and gradients."""
    from .points import one_point

    sweeps, plot = views.get("sweep") or (), views.get("plot")
    if sweeps:
        from .sweep import parse_axis, sweep

        data = sweep(result, [parse_axis(result.graph, text) for text in sweeps], overrides)
    else:
        data = one_point(result)
    stdout: TextIO = sys.stdout
    if plot is not None and plot != "-":
        from .render.plot import write_image

        write_image(data, plot)
    if plot == "-":
        import shutil

        from .render.plot import terminal_plot

        size = shutil.get_terminal_size()
        color = not _plain() and "NO_COLOR" not in os.environ
        stdout.write(terminal_plot(data, size.columns, max(12, min(30, size.lines - 4)), color))
    elif output_format == "json":
        from .render.sweep import write_json_lines

        write_json_lines(data, stdout, source_field)
    elif output_format == "csv":
        from .render.csv import write_csv

        write_csv(data, stdout)
    else:
        from .render.sweep import ROW_LIMIT, write_table

        write_table(data, stdout, precision, None if show_all else ROW_LIMIT)
    stdout.flush()
    if sweeps:
        _warn_non_finite_points(data)
    else:
        _warn_non_finite(result)
    return _report_failures(data)


def _warn_non_finite_points(data: Any) -> None:
    """As eval warns of a non-finite gradient: once, counting the points (failed ones aside) that have one."""
    import numpy as np

    ok = np.ones(len(data.value), dtype=bool)
    ok[list(data.errors)] = False
    bad = {key: ok & ~np.isfinite(data.grads[key]) for key in data.keys}
    keys = [key for key, rows in bad.items() if rows.any()]
    if keys:
        count = int(np.logical_or.reduce([bad[key] for key in keys]).sum())
        click.echo(
            f"warning: non-finite gradient at {count} point{'s' if count != 1 else ''} "
            f"(d/d{', d/d'.join(keys)}: a pole or kink of a derivative; see README)",
            err=True,
        )


def _report_failures(data: Any) -> int:
    """A sweep with failed points exits 1, naming how many and showing the first as eval would."""
    if not data.errors:
        return EXIT_OK
    from .errors import format_error

    first = min(data.errors)
    where = ", ".join(f"{axis.key}={float(data.inputs[axis.key][first])!r}" for axis in data.axes)
    error = data.errors[first].error
    click.echo(
        f"error: {len(data.errors)} of {data.size} points failed; the first, at {where}:",
        err=True,
    )
    click.echo(format_error(error, getattr(error, "edited_source", None) or data.source), err=True)
    return EXIT_PROGRAM


def _higher(result: Any, views: dict[str, Any]) -> dict[str, Any]:
    """--hessian and --symbolic, by input name, computed before anything is printed."""
    higher: dict[str, Any] = {}
    if views.get("hessian"):
        inputs, rows = result.hessian()
        higher["hessian"] = ([result.label(node) for node in inputs], rows)
    if views.get("symbolic"):
        higher["formulas"] = [(result.label(node), lines) for node, lines in result.formulas()]
    return higher


def _show_higher(result: Any, higher: dict[str, Any], precision: int) -> None:
    from .render.higher import render_formulas, render_hessian

    if "hessian" in higher:
        console = _console()
        console.print()
        console.print(render_hessian(result.output_name, *higher["hessian"], precision, plain=not console.is_terminal))
    if "formulas" in higher:
        click.echo()
        click.echo(render_formulas(result.output_name, higher["formulas"]))


def _views(result: Any, views: dict[str, Any], precision: int) -> int:
    """--explain, --render and --check after the main output; return the exit code."""
    code = EXIT_OK
    if views.get("explain"):
        from .render.explain import render_explain

        click.echo(render_explain(result))
    if views.get("render_file"):
        from .render.dot import RenderError, render_file

        try:
            render_file(result, views["render_file"])
        except RenderError as error:
            click.echo(f"error: {error}", err=True)
            code = EXIT_PROGRAM
    if views.get("check"):
        from .check import DEFAULT_TOLERANCE, gradient_check, render_check

        tolerance = views.get("tolerance")
        rows = gradient_check(result, DEFAULT_TOLERANCE if tolerance is None else tolerance)
        console = _console()
        console.print(render_check(rows, precision, plain=not console.is_terminal))
        if any(row.status == "FAIL" for row in rows):
            click.echo("error: gradient check failed", err=True)
            code = EXIT_PROGRAM
    return code


def _show(
    result: Any,
    output_format: str,
    precision: int,
    source_field: str | None,
    show_all: bool = False,
    higher: dict[str, Any] | None = None,
) -> None:
    stdout: TextIO = sys.stdout
    if output_format == "json":
        from .render.json import write_json

        write_json(result, stdout, source_field, **(higher or {}))
        stdout.flush()
        return
    if output_format == "dot":
        from .render.dot import render_dot

        stdout.write(render_dot(result))
        stdout.flush()
        return
    if output_format == "tree":
        from .render.tree import render_tree

        if _plain():
            # No wrapping on a pipe: a deep tree keeps one node a line.
            _console(width=1_000_000).print(render_tree(result, precision), crop=False)
            return
        console = _console()
        # Four columns a level: keep the deepest label on the screen.
        console.print(render_tree(result, precision, depth_limit=max(4, (console.width - 30) // 4)))
        return
    from .render.table import ROW_LIMIT, plain_table, render_table

    limit = None if show_all else ROW_LIMIT
    if _plain():
        click.echo(plain_table(result, precision, limit))
        return
    _console().print(render_table(result, precision, limit))


def _plain() -> bool:
    """Whether stdout wants plain text: not a terminal, as Rich decides, without importing Rich."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return False
    return not sys.stdout.isatty()


def _console(width: int | None = None) -> Any:
    from rich.console import Console

    # No markup or emoji codes: cells are program text and numbers, shown as
    # they are (and Rich's emoji table alone costs 10 ms to import).
    return Console(
        soft_wrap=False, highlight=False, markup=False, emoji=False, no_color="NO_COLOR" in os.environ or None,
        width=width,
    )


def _warn_non_finite(result: Any) -> None:
    bad = result.non_finite()
    if bad:
        labels = ", ".join(result.label(node) for node in bad[:10])
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        click.echo(
            f"warning: non-finite gradient at {labels}{more} (a pole or kink of a derivative; see README)",
            err=True,
        )


def main() -> None:
    """The console script: run the group; a closed stdout (`| head`) ends quietly, Ctrl-C exits 130.

    Click's standalone mode would turn Ctrl-C into "Aborted!" and exit 1, so
    its exceptions are handled here instead.
    """
    try:
        code = cli.main(prog_name="autodiff", standalone_mode=False)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _quiet_broken_pipe() -> None:
    # Point stdout at /dev/null so the interpreter's final flush does not raise again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_PROGRAM)
