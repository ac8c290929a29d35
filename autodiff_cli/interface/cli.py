"""The `autodiff` command: thin Click commands over one pipeline.

Each command reads its options and hands them to `runner.py`, which reads the
text, calls `Graph.run` and `Graph.differentiate`, hands the result to one
renderer, and turns the program's errors into messages and exit codes.  This
module is the one definition of the command line; `launch.py` answers a few
hot invocations without importing Click, exactly as this module would.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..base.version import __version__
from ..render.output import OutputContext
from .process import EXIT_OK, EXIT_USAGE, OutputClosed, finish, open_streams
from .runner import eval_program, run_program

if TYPE_CHECKING:
    from ..base.options import Options


class Tolerance(click.ParamType):
    """A finite number >= 0: nan would pass every check and fail none."""

    name = "TOL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not 0 <= number < float("inf"):
            self.fail(f"{value!r} is not a finite number >= 0", param, ctx)
        return number


RENDER_SUFFIXES = (".svg", ".png", ".html")


def _render_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--render FILE: a file name with a stem and a suffix a drawing can have."""
    if value is None:
        return None
    stem, suffix = os.path.splitext(os.path.basename(value))
    if not stem or suffix.lower() not in RENDER_SUFFIXES:
        raise click.BadParameter(
            f"cannot draw {value!r}: name a file ending in {' or '.join(RENDER_SUFFIXES)}", ctx, param
        )
    return value


def _mistakes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """--compare [MISTAKES]: `all` or a comma-separated list of the classic mistakes."""
    if value is None:
        return None
    from ..analyses.teaching.mistakes import parse_variants

    try:
        return parse_variants(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


class OutputCommand(click.Command):
    """A command whose `--compare` and `--plot` take an optional value.

    Click would take the next argument as the value: `--compare PROGRAM` means
    every mistake, and `--plot PROGRAM` the terminal (only FILE.svg or FILE.png
    is --plot's value).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        for index, arg in enumerate(args[:-1]):
            if arg == "--":
                break
            if arg in OPTIONAL_VALUES and not takes_optional_value(arg, args[index + 1]):
                args[index] = f"{arg}={OPTIONAL_VALUES[arg]}"
        return super().parse_args(ctx, args)


#: The options whose value may be left out, and the value they then take.
OPTIONAL_VALUES = {"--plot": "-", "--compare": "all"}


def takes_optional_value(option: str, word: str) -> bool:
    """Whether `word`, after `--plot` or `--compare`, is the option's value rather than the program or a file.

    --plot's value is an image file; --compare's is a list of mistakes, or a
    mistyped one (letters, commas, dashes), kept to be named in the error.
    """
    if option == "--plot":
        return word.lower().endswith((".svg", ".png"))
    from ..analyses.teaching.mistakes import parse_variants

    try:
        parse_variants(word)
    except ValueError:
        return word.replace(",", "").replace("-", "").isalpha()
    return True


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `eval` and `run` share, declared once so they cannot drift apart.

    Each lands in the command as one keyword argument; `make_options` turns
    them into the one `Options` object the pipeline takes.
    """
    from ..render import FORMATS

    decorators = [
        click.option(
            "--of", "of", metavar="NAME[,NAME...]",
            help="Differentiate this named node instead of the last statement; several names give the Jacobian.",
        ),
        click.option(
            "--format", "-f", "format", type=click.Choice(list(FORMATS)), default="table", show_default=True,
            help="How to show the result: " + ", ".join(FORMATS) + " (json: the documented contract for scripts).",
        ),
        click.option(
            "--precision", "-p", type=click.IntRange(1, 17), default=6, show_default=True,
            help="Significant digits in every text view (JSON always round-trips exactly).",
        ),
        click.option(
            "--all", "show_all", is_flag=True,
            help="Show every row of a big table (by default the middle of a table over 200 rows is elided).",
        ),
        click.option(
            "--explain", is_flag=True,
            help="Show the backward pass step by step, in backward order (with --mode forward: the forward passes).",
        ),
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
            help="Compare every input's gradient with a finite difference; exit 1 on disagreement.",
        ),
        click.option(
            "--tolerance", type=Tolerance(), default=1e-6, show_default=True,
            help="--check passes when |grad - fd| <= tol * (1 + max(|grad|, |fd|)), plus the difference's own error.",
        ),
        click.option(
            "--at", "at", metavar="NAME=VALUE", multiple=True,
            help="Give the input NAME the value VALUE instead of its literal (repeatable).",
        ),
        click.option(
            "--sweep", "sweep", metavar="NAME=START:STOP:COUNT", multiple=True,
            help="The output and its gradients at COUNT evenly spaced values of NAME; two make a grid (NumPy).",
        ),
        click.option(
            "--plot", "plot", metavar="[FILE]", is_flag=False, flag_value="-", default=None,
            help="With one --sweep: the output and its derivative drawn in the terminal, or to FILE.svg/.png.",
        ),
        click.option(
            "--compare", metavar="[MISTAKES]", is_flag=False, flag_value="all", default=None, callback=_mistakes,
            help="Also run the classic wrong backward passes (overwrite, no-sort, no-reset; comma-separated, "
            "default all) and show which gradients each gets wrong, and why.",
        ),
        click.option(
            "--why", metavar="NAME", multiple=True,
            help="Show NAME's gradient as the sum of its uses (repeatable); JSON gets every node's contributions.",
        ),
        click.option(
            "--mode", type=click.Choice(("reverse", "forward")), default=None,
            help="How derivatives are computed: reverse (the default: one backward pass per output) or forward "
            "(one forward pass per input). Without it a Jacobian takes whichever needs fewer passes.",
        ),
        click.option(
            "--taylor", metavar="NAME:K",
            help="Also give the first K derivatives of the output along input NAME, and its Taylor coefficients.",
        ),
        click.option(
            "--simplify", is_flag=True,
            help="With --symbolic (implied): simplify each formula with SymPy (needs autodiff-cli[sympy]).",
        ),
        click.option(
            "--simplify-timeout", type=Tolerance(), default=10.0, show_default=True, metavar="SECONDS",
            help="Time --simplify may take; formulas it has not reached stay unsimplified, with a note.",
        ),
        click.option(
            "--emit", type=click.Choice(("python", "c")),
            help="Print the value and gradient as code instead: a Python module or a C99 function.",
        ),
        click.option(
            "--descend", "descend", metavar="NAME[,NAME...]", multiple=True,
            help="Gradient descent on these inputs (a vector's name means its elements): the loss and the "
            "parameters at each step. Example: --descend w,b --lr 0.05 --steps 20",
        ),
        click.option("--lr", type=float, default=0.1, show_default=True, metavar="RATE", help="--descend's learning rate."),
        click.option("--steps", type=int, default=10, show_default=True, metavar="N", help="--descend's number of updates."),
        click.option("--standalone", is_flag=True, help="With --format latex: a complete document, not a fragment."),
        click.option(
            "--render", "render", metavar="FILE", type=click.Path(dir_okay=False), callback=_render_path,
            help="Also draw the graph to FILE.svg, FILE.png (needs Graphviz) or FILE.html (the step-through page).",
        ),
    ]
    return functools.reduce(lambda f, decorate: decorate(f), reversed(decorators), command)


def make_options(values: dict[str, Any]) -> Options:
    """The one options object, from the keyword arguments `output_options` declared."""
    from ..base.options import Options

    return Options(**{name: values[name] for name in Options._fields if name in values})


def refuse_combination(options: Options, files: int) -> None:
    """Options that cannot go together: a usage error (exit 2) before any program is read."""
    problem = combination_problem(options, files)
    if problem is not None:
        click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)


def combination_problem(options: Options, files: int) -> str | None:
    """Why `options` cannot go together for `files` programs, or None (shared with the notebook magic)."""
    problem = None
    if options.emit is not None:
        asked = ("explain", "check", "hessian", "symbolic", "simplify", "compare", "why", "mode", "taylor")
        views = [f"--{name}" for name in asked if getattr(options, name)]
        if options.of is not None and "," in options.of:
            views.append("--of with several outputs")
        if options.format != "table":
            views.insert(0, f"--format {options.format}")
        if options.render is not None:
            views.append("--render")
        if views:
            problem = f"--emit prints only code; it cannot go with {', '.join(views)}"
    if options.standalone and options.format != "latex":
        problem = f"--standalone makes a complete LaTeX document: it goes with --format latex, not --format {options.format}"
    if files > 1 and (options.emit is not None or options.standalone or options.format == "parquet"):
        option = "--emit" if options.emit is not None else "--standalone" if options.standalone else "--format parquet"
        problem = f"{option} writes one program's code or document: give one FILE"
    if files > 1 and options.plot not in (None, "-"):
        problem = "--plot FILE draws one program's sweep: give one FILE, or run each file on its own"
    return problem


def refuse_outputs(options: Options, inputs: tuple[str, ...]) -> None:
    """Every file the run would write can be written and is not an input: else exit 2 before any work."""
    from ..base.errors import UsageError
    from ..render.preflight import check_outputs

    try:
        check_outputs(options, inputs)
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)


_GROUP_OPTIONS = ("-h", "--help", "-V", "--version")


class AutodiffGroup(click.Group):
    """A group that, called with no command, runs the REPL on a terminal or stdin otherwise."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a closed stdout leaves Click as `OutputClosed`, for `process.finish` to end quietly."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        bare = not args or (args[0].startswith("-") and args[0] not in _GROUP_OPTIONS)
        if bare and not ctx.resilient_parsing and not stdin_is_terminal():
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

    With piped stdin and no command, `autodiff [OPTIONS]` is
    `autodiff eval [OPTIONS] -`: every option of eval is accepted.

    \b
    Examples:
      autodiff eval "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
      autodiff eval --format json "a = 3; b = a + a"
      printf 'a = 3\\nb = a * a\\n' | autodiff
      autodiff -f json < examples/seed.ad
    """
    if ctx.invoked_subcommand is None:
        if stdin_is_terminal():
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


@cli.command("eval", cls=OutputCommand)
@click.argument("program", required=False, default="-")
@output_options
def eval_command(program: str, **values: Any) -> None:
    """Evaluate and differentiate PROGRAM (`-` or nothing: read stdin).

    \b
    Example:
      autodiff eval "x = 0.5; y = tanh(2*x) * x"
      autodiff eval --of d "a = -2; b = 3; d = a*b; f = d*d"
      autodiff eval --sweep x=-2:2:9 --plot "x = 0; y = x**3 - 3*x"
    """
    options = make_options(values)
    refuse_combination(options, 1)
    refuse_outputs(options, ("-",) if program == "-" else ())
    sys.exit(eval_program(program, options))


@cli.command("run", cls=OutputCommand)
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(allow_dash=True))
@output_options
def run_command(files: tuple[str, ...], **values: Any) -> None:
    """Evaluate each FILE as its own program (`-` is stdin).

    With several files each result is headed by its file name; with
    `--format json` each is one line of JSON with a "source" field.

    \b
    Example:
      autodiff run examples/seed.ad
      autodiff run --format json examples/*.ad > results.jsonl
    """
    from .sources import read_file

    options = make_options(values)
    refuse_combination(options, len(files))
    if options.render is not None and len(files) > 1:
        raise click.UsageError("--render draws one graph: give one FILE with it, or run each file on its own")
    refuse_outputs(options, files)
    out = OutputContext()
    headed = len(files) > 1 and options.format != "json"
    worst = EXIT_OK
    for index, path in enumerate(files):
        if headed:
            out.line(("\n" if index else "") + _heading(path, options.format))
        code = run_program(
            functools.partial(read_file, path), options, out,
            source_field=path if (len(files) > 1 or options.format == "json") else None,
            name_source=len(files) > 1,
        )
        worst = max(worst, code)
    sys.exit(worst)


def _heading(path: str, format_name: str) -> str:
    """`==> PATH <==` above each file's output, escaped for the format: a comment in LaTeX and DOT,
    so the heading stays out of the document and no file name can leave the comment."""
    from ..base.errors import printable
    from ..render.escape import dot_comment, html_text, latex_comment

    if format_name == "latex":
        return f"% ==> {latex_comment(path)} <=="
    if format_name == "dot":
        return f"// ==> {dot_comment(path)} <=="
    if format_name == "html":
        return f"==> {html_text(path)} <=="
    return f"==> {printable(path)} <=="


@cli.command("quiz")
@click.argument("program", metavar="PROGRAM|FILE")
@click.option("--of", "of", metavar="NAME", help="Ask about the gradients of this named node instead of the last statement.")
@click.option(
    "--answers", metavar="FILE", help="Grade FILE's answers (`a = -3` a line) instead of asking: exit 0 all right, 1 otherwise."
)
@click.option(
    "--worksheet", type=click.Choice(["md", "tex"]), default=None,
    help="Write a worksheet instead (program, forward values, blank gradients) as Markdown or LaTeX, on stdout.",
)
@click.option("--answer-key", is_flag=True, help="Write the worksheet's answer key: gradients and where each comes from.")
@click.option("--precision", "-p", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits shown.")
@click.option(
    "--tolerance", type=Tolerance(), default=1e-3, show_default=True,
    help="An answer is right when |answer - grad| <= tol * max(1, |grad|).",
)
def quiz_command(
    program: str, of: str | None, answers: str | None, worksheet: str | None, answer_key: bool, precision: int,
    tolerance: float,
) -> None:
    """Practise backpropagation: find each gradient of PROGRAM (text or a file), in backward order.

    On a terminal it asks, checks each answer (a number or a fraction like
    -3/2) and explains a wrong one. --answers grades a file instead;
    --worksheet writes a handout to fill in (--answer-key: its key).

    \b
    Example:
      autodiff quiz "a = -2; b = 3; d = a*b; e = a+b; f = d*e"
      autodiff quiz examples/teaching/seed.ad --answers alice.txt
      autodiff quiz examples/teaching/seed.ad --worksheet tex --answer-key > key.tex
    """
    from ..base.options import Options
    from .practice import quiz_main

    options = Options(of=of, precision=precision, quiz_tolerance=tolerance)
    sys.exit(quiz_main(program, options, OutputContext(), answers, worksheet, answer_key))


def main() -> None:
    """The command line read by Click: every invocation the fast path (`launch.main`) leaves to it.

    Streams that are closed from the start (`>&-`, `<&-`), a closed or full
    stdout and Ctrl-C end as `process.finish` ends every run: one line on
    stderr and an exit code, never a traceback.
    """
    open_streams()
    finish(_run_group)


def _run_group() -> Any:
    """The group, its exceptions handled here: Click's standalone mode would turn Ctrl-C into "Aborted!" and exit 1."""
    try:
        return cli.main(prog_name="autodiff", standalone_mode=False)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as error:
        error.show()
        return error.exit_code


def stdin_is_terminal() -> bool:
    """Whether stdin is a terminal; False when it is closed (`<&-`)."""
    return sys.stdin is not None and sys.stdin.isatty()
