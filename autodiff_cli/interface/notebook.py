"""The IPython extension: `%load_ext autodiff_cli`, then `%%autodiff [options]` or `%autodiff PROGRAM`.

Options are the command line's (`--of d --explain --format json ...`), parsed
by the same Click command into the same `Options`, and the program goes
through the same pipeline as `autodiff eval` (`runner.run_program`).  A
report that would be a table or a page is displayed (the page in Jupyter,
the table in a terminal); everything else (sweeps, `--emit`, other formats,
warnings) prints as on the command line.  A wrong program or option prints
the command line's message, never a traceback.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Any

import click

from ..base.errors import Source, UsageError
from ..render.output import OutputContext
from .cli import OPTIONAL_VALUES, combination_problem, eval_command, make_options, takes_optional_value
from .runner import report_writer, run_program

if TYPE_CHECKING:
    from ..report import Report


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

    `--` ends the options (for a program that starts with `-`).  `--plot` and
    `--compare` take the next word as their value only where the command line
    would (an image file, a list of mistakes), and never when an `=` follows
    it: `%autodiff --compare a = 1; b = a*a` compares every mistake.
    """
    known = _takes_value()
    options: list[str] = []
    rest = line.lstrip()
    while rest.startswith("-"):
        token, _, after = rest.partition(" ")
        if token == "--":
            return options, after.lstrip()
        rest = after.lstrip()
        if token in OPTIONAL_VALUES:
            word, _, after = rest.partition(" ")
            if word and not after.lstrip().startswith("=") and takes_optional_value(token, word):
                options += [token, word]
                rest = after.lstrip()
            else:
                options.append(f"{token}={OPTIONAL_VALUES[token]}")
            continue
        options.append(token)
        if known.get(token) and "=" not in token:
            value, _, after = rest.partition(" ")
            options.append(value)
            rest = after.lstrip()
    return options, rest


def run_magic(arguments: list[str], program: str, name: str = "<cell>") -> None:
    """Run `program` under the command line's `arguments`, through the command line's pipeline.

    Everything `autodiff eval` prints is printed the same way; only a report
    that would be a table or a page is displayed instead (the page in Jupyter,
    the table as text beside it).
    """
    try:
        context = eval_command.make_context("%autodiff", [*arguments, "-"])
    except click.ClickException as error:
        print(f"error: {error.format_message()}", file=sys.stderr)
        return
    options = make_options(context.params)
    problem = combination_problem(options, 1)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return
    try:
        from ..render.preflight import check_outputs

        check_outputs(options, ())  # before the work, as on the command line
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return
    out = OutputContext(sys.stdout, sys.stderr, plain=True)
    run_program(lambda: Source(name, program), options, out, write=_show)


def _show(report: Report, out: OutputContext) -> None:
    """Display a table or page report; anything else (a sweep, a descent, code, JSON, ...) is written as on the command line."""
    options = report.options
    written = options.emit is not None or report.sweep is not None or (report.descent is not None and options.format != "html")
    if options.format not in ("table", "html") or written:
        report_writer(options)(report, out)
        return
    from IPython.display import display

    display(report)


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
