"""How the command's process begins and ends: closed streams, a closed or full stdout, signals, child processes.

Shared by the Click command line (`cli.py`) and the fast path (`launch.py`),
and light enough for `autodiff --version`: it imports nothing of the engine.
"""

from __future__ import annotations

import os
import sys

from .typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, NoReturn

EXIT_OK, EXIT_PROGRAM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def open_streams() -> None:
    """Before anything runs: a closed stderr is replaced by /dev/null, a closed stdout is a usage error."""
    if sys.stderr is None:  # `2>&-`: errors have nowhere to go, but the run may still succeed
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 -- lives as long as the process
    if sys.stdout is None:
        sys.stderr.write("error: standard output is closed: nowhere to write the result\n")
        sys.exit(EXIT_USAGE)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: raised where the program is, so it unwinds as Ctrl-C does.

    Every `finally` on the way out runs: a temporary file is removed, a child
    process is killed.  A BaseException, like KeyboardInterrupt, so that no
    `except Exception` stops it; not a KeyboardInterrupt, so that the REPL
    (which takes Ctrl-C as "drop this line") still ends.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminated(signum: int, frame: FrameType | None) -> None:
    import signal

    for other in (signal.SIGTERM, signal.SIGHUP):  # a second one must not cut the clean-up short
        signal.signal(other, signal.SIG_IGN)
    raise Terminated(signum)


def catch_termination() -> None:
    """SIGTERM and SIGHUP raise `Terminated` instead of ending the process on the spot (unless ignored, as by nohup)."""
    import signal

    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminated)


def finish(command: Callable[[], Any]) -> NoReturn:
    """Run a command and exit with the code it returns; streams and signals end in one line and an exit code.

    A closed stdout (`| head`) ends quietly; a full one (`> /dev/full`) is one
    line on stderr; Ctrl-C is "interrupted" and 130; SIGTERM is "terminated"
    and 143 (SIGHUP: "hangup", 129), after the same clean-up.  Never a traceback.
    """
    catch_termination()
    try:
        code = command()
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        sys.exit(EXIT_INTERRUPTED)
    except Terminated as stop:
        import contextlib
        import signal

        with contextlib.suppress(OSError, ValueError):  # after a hangup there may be no terminal to write to
            sys.stderr.write(f"{(signal.strsignal(stop.signum) or 'terminated').lower()}\n")
            sys.stderr.flush()
        sys.exit(128 + stop.signum)
    except OSError as error:  # a full disk or device under stdout
        _quiet_broken_pipe(f"error: cannot write the output: {error.strerror or error}")
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _quiet_broken_pipe(message: str = "") -> NoReturn:
    # Point stdout at /dev/null so the interpreter's final flush does not raise again.
    import contextlib

    if message:
        with contextlib.suppress(OSError):
            sys.stderr.write(message + "\n")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_PROGRAM)

