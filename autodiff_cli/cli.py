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

FORMATS = ("table", "json", "dot", "tree", "html")

EXIT_OK, EXIT_PROGRAM, EXIT_USAGE = 0, 1, 2


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `eval` and `run` share, declared once so they cannot drift apart."""
    decorators = [
        click.option("--of", "of", metavar="NAME", help="Differentiate this named node instead of the last statement."),
        click.option(
            "--format", "-f", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
            help="table: values and gradients for people; json: the contract for scripts; html: a page to step through.",
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
            "--render", "render_file", metavar="FILE", type=click.Path(dir_okay=False),
            help="Draw the graph to FILE.svg, FILE.png (needs Graphviz) or FILE.html (the step-through page).",
        ),
    ]
    return functools.reduce(lambda f, decorate: decorate(f), reversed(decorators), command)


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


@cli.command("eval")
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


@cli.command("run")
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
    try:
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
            progress.stage("differentiating")
            result = graph.differentiate(of)
    except ProgramError as error:
        from .errors import format_error

        click.echo(format_error(error, source), err=True)
        return EXIT_PROGRAM
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    views = views or {}
    higher = _higher(result, views)
    _show(result, output_format, precision, source_field, show_all, higher)
    _warn_non_finite(result)
    if higher and output_format != "json":
        _show_higher(result, higher, precision)
    return _views(result, views, precision)


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
    if output_format == "html":
        from .render.html import write_html

        write_html(result, stdout, precision)
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
