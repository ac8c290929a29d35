"""The `autodiff` console script: the hot invocations answered without importing Click.

Importing Click costs more than evaluating a small program, so the two
commands people run in loops and scripts are read here first:

    autodiff --version                          (or -V)
    autodiff eval [--format FORMAT] [--of NAME] [PROGRAM | -]

Anything else, anything unusual about these (another option, a repeated
one, a value that looks like an option, `--help`, an extra argument, Click's
shell-completion variable), goes to `cli.main` untouched: Click stays the one
definition of the command line.  What this path recognises it runs through
the same `runner` and `process` functions the Click commands call, so its
output, its errors and its exit code are those of the Click path
(tests/interface/test_launch.py runs both on a corpus and compares them byte for byte).
"""

from __future__ import annotations

import os
import sys

from ..base.typing_lite import TYPE_CHECKING
from ..base.version import __version__
from .process import finish, open_streams

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..base.options import Options

#: eval's options this path reads, by every spelling Click accepts for them here.
_OPTIONS = {"--format": "format", "-f": "format", "--of": "of"}


def main() -> None:
    """Answer `--version` and a plain one-shot `eval` directly; hand anything else to Click."""
    # The command does no linear algebra: NumPy's OpenBLAS need not start a thread a core when
    # NumPy is imported (for a sweep), which doubles the import's CPU time on a busy machine.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    open_streams()
    args = sys.argv[1:]
    if not os.environ.get("_AUTODIFF_COMPLETE"):  # Click's shell completion asks through this variable
        if args in (["--version"], ["-V"]):
            finish(_print_version)
        request = one_shot_eval(args)
        if request is not None:
            from .runner import eval_program

            program, options = request
            finish(lambda: _inside_click_main(lambda: eval_program(program, options)))
    from .cli import main as click_main

    click_main()


def _inside_click_main(command: Callable[[], int]) -> int:
    """Run `command` as Click's `main` runs a command, so that an interrupted run ends the same.

    Click writes a blank line to stderr on Ctrl-C or EOFError (closing the
    terminal's `^C` echo) before `process.finish` reports "interrupted".  A
    closed pipe ends as `finish` ends it on both paths: quietly, exit 0.
    """
    try:
        return command()
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\n")
        sys.stderr.flush()
        raise KeyboardInterrupt from None


def _print_version() -> None:
    # Click's version option prints this line (cli.py: `version_option(..., message=...)`).
    sys.stdout.write(f"autodiff, version {__version__}\n")


def one_shot_eval(args: list[str]) -> tuple[str, Options] | None:
    """`eval [--format FORMAT] [--of NAME] [PROGRAM]` read as Click reads it: (program, options), or None.

    None is "not sure": Click will read the command line itself.  A program
    that starts with `-` must follow `--`, as with Click; a missing one is `-`,
    stdin.
    """
    if not args or args[0] != "eval":
        return None
    from ..base.options import Options
    from ..render import FORMATS

    program: str | None = None
    values: dict[str, Any] = {}  # Options' fields by name, as Click would give them
    rest = iter(args[1:])
    only_arguments = False
    for arg in rest:
        if only_arguments or arg == "-" or not arg.startswith("-"):
            if program is not None:  # Click: "Got unexpected extra argument"
                return None
            program = arg
            continue
        if arg == "--":
            only_arguments = True
            continue
        if arg.startswith("--") and "=" in arg:
            option, value = arg.split("=", 1)
        else:
            option, value = arg, next(rest, "")
        name = _OPTIONS.get(option)
        if name is None or name in values or not value or value.startswith("-"):
            return None
        if name == "format" and value not in FORMATS:  # the registry Click's choice is made from
            return None
        values[name] = value
    return ("-" if program is None else program), Options()._replace(**values)
