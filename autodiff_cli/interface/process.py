"""How the command's process begins and ends: closed streams, a closed or full stdout, signals, child processes.

Shared by the Click command line (`cli.py`) and the fast path (`launch.py`),
and light enough for `autodiff --version`: it imports nothing of the engine.
"""

from __future__ import annotations

import os
import sys

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, NoReturn

EXIT_OK, EXIT_PROGRAM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def open_streams() -> None:
    """Before anything runs: the three standard streams made safe to use, whatever state they came in.

    A closed descriptor (`<&-`, `>&-`, `2>&-`) is given /dev/null, so no file
    opened later takes its number (a file opened on a closed 1 would receive
    the output); `sys.stdin` stays None, for the commands that read it to
    say so.  A closed stderr is written to /dev/null: errors have nowhere to
    go, but the run may succeed.  A closed stdout is a usage error.  Program
    text is UTF-8 whatever the locale says (as files are read), and what
    stdout or stderr cannot encode is written in ASCII spellings.
    """
    for fd in (0, 1, 2):
        _reserve(fd)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 -- lives as long as the process
    from ..render.output import spell_unencodable

    spell_unencodable(sys.stderr)
    if sys.stdout is None:
        sys.stderr.write("error: standard output is closed: nowhere to write the result\n")
        sys.exit(EXIT_USAGE)
    spell_unencodable(sys.stdout)
    reconfigure = getattr(sys.stdin, "reconfigure", None)
    if reconfigure is not None:
        import contextlib

        with contextlib.suppress(ValueError, OSError):
            reconfigure(encoding="utf-8", errors="surrogateescape")  # a bad byte is a bad character of the line


def keep_freed_memory() -> None:
    """Ask the C library's allocator to keep memory that is freed, for a command that makes and frees big arrays.

    A sweep makes and frees tens of MB of NumPy arrays a chunk, and its
    writers ten MB of text a block.  glibc, by default, maps every block of
    128 KiB or more anew and returns the free top of its heap to the system
    at once, so each chunk faulted its pages in again: about a third of a
    million-point sweep's time (benchmarks/RESULTS.md).  Kept, they are reused.
    The process ends with the command; another C library (or none) is left as it is.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)  # its largest: smaller blocks come from the heap
    mallopt(m_trim_threshold, 256 << 20)


def _reserve(fd: int) -> None:
    """Open /dev/null on `fd` if it is closed."""
    try:
        os.fstat(fd)
    except OSError:
        spare = os.open(os.devnull, os.O_RDWR)
        if spare != fd:
            os.dup2(spare, fd)
            os.close(spare)


class OutputClosed(Exception):
    """The reader of stdout has gone (`| head`): raised instead of BrokenPipeError inside Click.

    Click's `main` turns a broken pipe into exit 1 itself; this exception
    passes through it, so a closed pipe ends in `finish` whichever way the
    command line was read.
    """


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
    """SIGTERM and SIGHUP raise `Terminated` instead of ending the process on the spot (unless ignored, as by nohup).

    Through `_signal`, the C module `signal` wraps: `signal` itself builds its
    enums on import (half a millisecond of every one-shot start), and these
    four names are the same functions and numbers.
    """
    import _signal  # type: ignore[import-not-found]  # no stubs: typeshed describes `signal`

    for signum in (_signal.SIGTERM, _signal.SIGHUP):
        if _signal.getsignal(signum) == _signal.SIG_DFL:
            _signal.signal(signum, _terminated)


def finish(command: Callable[[], Any]) -> NoReturn:
    """Run a command and exit with the code it returns; streams and signals end in one line and an exit code.

    A closed stdout (`| head`) ends quietly with 0, as the output the reader
    wanted was written; a full one (`> /dev/full`) is one line on stderr and
    1; Ctrl-C is "interrupted" and 130; SIGTERM is "terminated" and 143
    (SIGHUP: "hangup", 129), after the same clean-up.  Never a traceback.
    """
    catch_termination()
    try:
        code = command()
        sys.stdout.flush()
    except (BrokenPipeError, OutputClosed):
        _quiet_stdout(EXIT_OK)
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
        _quiet_stdout(EXIT_PROGRAM, f"error: cannot write the output: {error.strerror or error}")
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _quiet_stdout(code: int, message: str = "") -> NoReturn:
    # Point stdout at /dev/null so the interpreter's final flush does not raise again.
    import contextlib

    if message:
        with contextlib.suppress(OSError):
            sys.stderr.write(message + "\n")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(code)

