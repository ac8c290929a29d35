"""The IPython extension: `%load_ext autodiff_cli`, then `%%autodiff [options]` or `%autodiff PROGRAM`.

Options are the command line's (`--of d --explain --format json ...`), parsed
by the same Click command into the same `Options`, and the program goes
through the same pipeline as `autodiff eval`.  With `--format table` or
`html` the report is displayed (the page in Jupyter, the table in a
terminal); other formats print as on the command line.  A wrong program or
option prints the command line's message, never a traceback.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from .cli import eval_command, make_options, run_program
from .errors import ProgramError, Source, UsageError, format_error
from .output import OutputContext


def _takes_value() -> dict[str, bool]:
    """Each option of `autodiff eval` and whether a value follows it."""
    known: dict[str, bool] = {}
    for param in eval_command.params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                known[name] = not (param.is_flag or param.count)
    return known


def split_line(line: str) -> tuple[list[str], str]:
    """`--of d a = 1; d = a * 2` -> (["--of", "d"], "a = 1; d = a * 2"): options first, then the program verbatim.

    `--` ends the options (for a program that starts with `-`).
    """
    known = _takes_value()
    options: list[str] = []
    rest = line.lstrip()
    while rest.startswith("-"):
        token, _, after = rest.partition(" ")
        if token == "--":
            return options, after.lstrip()
        options.append(token)
        rest = after.lstrip()
        if known.get(token) and "=" not in token:
            value, _, after = rest.partition(" ")
            options.append(value)
            rest = after.lstrip()
    return options, rest


def run_magic(arguments: list[str], program: str, name: str = "<cell>") -> None:
    """Run `program` under the command line's `arguments`: display the report, or print as the command line does."""
    try:
        context = eval_command.make_context("%autodiff", [*arguments, "-"])
    except click.ClickException as error:
        print(f"error: {error.format_message()}", file=sys.stderr)
        return
    options = make_options(context.params)
    try:
        from .render.files import check_outputs

        check_outputs(options, ())  # before the work, as on the command line
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return
    out = OutputContext(sys.stdout, sys.stderr, plain=True)
    if options.format not in ("table", "html"):
        run_program(lambda: Source(name, program), options, out)
        return
    source = Source(name, program)
    try:
        from .evaluate import Graph
        from .parse import parse
        from .report import build_report

        graph = Graph(source)
        graph.run(parse(program))
        report = build_report(graph.differentiate(options.of), options)
    except ProgramError as error:
        print(format_error(error, source), file=sys.stderr)
        return
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return
    from IPython.display import display

    display(report)
    if options.render:
        from .render.dot import RenderError, render_file

        try:
            for note in render_file(report, options.render):
                print(f"note: {note}", file=sys.stderr)
        except RenderError as error:
            print(f"error: {error}", file=sys.stderr)
    if report.failed:
        print("error: gradient check failed", file=sys.stderr)


def autodiff(line: str, cell: str | None = None) -> Any:
    """`%autodiff [options] PROGRAM` on one line, or `%%autodiff [options]` over a cell."""
    if cell is None:
        options, program = split_line(line)
        run_magic(options, program, "<line>")
    else:
        run_magic(shlex.split(line), cell)
    return None


def load_ipython_extension(ipython: Any) -> None:
    """Register `%autodiff` and `%%autodiff`."""
    ipython.register_magic_function(autodiff, "line_cell", "autodiff")
