"""The IPython extension: `%load_ext autodiff_cli`, then `%%autodiff [options]` or `%autodiff PROGRAM`.

Options are the command line's (`--of d --explain --format json ...`), parsed
by the same Click command, so the two cannot drift apart.  The program runs
through the same pipeline as `autodiff eval`; the main view is displayed (the
page in Jupyter, the table in a terminal), the other views print under it.
A wrong program or option prints the message the command line would, never a
traceback.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from .cli import _higher, _show, _show_higher, _views, _warn_non_finite, eval_command
from .display import Shown
from .errors import ProgramError, Source, UsageError, format_error


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


def run_magic(options: list[str], program: str, name: str = "<cell>") -> Any:
    """Run `program` with command-line `options`; return what to display (None when all is printed)."""
    try:
        context = eval_command.make_context("%autodiff", [*options, "-"])
    except click.ClickException as error:
        print(f"error: {error.format_message()}", file=sys.stderr)
        return None
    params = dict(context.params)
    output_format = params.pop("output_format")
    precision = params.pop("precision")
    show_all = params.pop("show_all")
    of = params.pop("of")
    params.pop("program", None)
    source = Source(name, program)
    try:
        from .evaluate import Graph
        from .parse import parse

        graph = Graph(source)
        graph.run(parse(program))
        result = graph.differentiate(of)
    except ProgramError as error:
        print(format_error(error, source), file=sys.stderr)
        return None
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    higher = _higher(result, params)
    if output_format in ("table", "html"):
        from IPython.display import display

        display(Shown(result, precision))
    else:
        _show(result, output_format, precision, None, show_all, higher)
    sys.stdout.flush()
    _warn_non_finite(result)
    if higher and output_format != "json":
        _show_higher(result, higher, precision)
    _views(result, params, precision)
    return None


def autodiff(line: str, cell: str | None = None) -> Any:
    """`%autodiff [options] PROGRAM` on one line, or `%%autodiff [options]` over a cell."""
    if cell is None:
        options, program = split_line(line)
        return run_magic(options, program, "<line>")
    return run_magic(shlex.split(line), cell)


def load_ipython_extension(ipython: Any) -> None:
    """Register `%autodiff` and `%%autodiff`."""
    ipython.register_magic_function(autodiff, "line_cell", "autodiff")
