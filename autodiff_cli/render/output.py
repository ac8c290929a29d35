"""Where output goes and how it looks: every terminal decision, made once per command.

Writers never ask `isatty()` or read `COLUMNS` themselves: they take an
`OutputContext`.  On a pipe, output is plain text that is never cut, wrapped
or coloured, whatever the width says.  On a stream that cannot encode `→`
(`PYTHONIOENCODING=ascii`, `LC_ALL=C`), every character it cannot encode is
written in its ASCII spelling (spellings.py): `->`, `-`, `d`.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys

from ..base.spellings import can_encode, spell
from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, TextIO

    from ..base.errors import ProgramError, ProgramWarning, Source

#: The codec error handler that writes an unencodable character's ASCII spelling.
SPELL_ERRORS = "autodiff-spell"


def _spell_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return spell(error.object[error.start : error.end]), error.end


codecs.register_error(SPELL_ERRORS, _spell_unencodable)


def spell_unencodable(stream: Any) -> None:
    """Make a text stream write what it cannot encode in ASCII spellings, instead of raising.

    Set on stdout and stderr once, before anything is written, so no writer
    (a table, the REPL's banner, Click's help) needs to know.  A stream that
    cannot be reconfigured (a notebook's, a test's StringIO) is left alone.
    """
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or getattr(stream, "errors", None) == SPELL_ERRORS:
        return
    with contextlib.suppress(ValueError, OSError):  # closed or detached
        reconfigure(errors=SPELL_ERRORS)


def spells(stream: Any) -> bool:
    """Whether text written to `stream` is spelled in ASCII (it cannot encode the tool's characters)."""
    return not can_encode(getattr(stream, "encoding", None))


#: The width of output on a pipe: no line reaches it, so nothing is cut or wrapped.
PIPE_WIDTH = 1_000_000


class OutputContext:
    """stdout and stderr, whether stdout is a terminal, its colour and width."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None, plain: bool | None = None) -> None:
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        spell_unencodable(self.stdout)
        spell_unencodable(self.stderr)
        self.plain = (not _is_terminal(self.stdout)) if plain is None else plain
        self.color = not self.plain and "NO_COLOR" not in os.environ
        self._console: Any = None

    @property
    def width(self) -> int | None:
        """The terminal's width; None on a pipe, where nothing is ever cut to a width."""
        return None if self.plain else self.console().width

    def console(self) -> Any:
        """A Rich console for stdout (Rich is imported only here, on first use)."""
        if self._console is None:
            # On a pipe: a width no line reaches.
            self._console = self._new_console(PIPE_WIDTH if self.plain else None)
        return self._console

    def _new_console(self, width: int | None) -> Any:
        from rich.console import Console

        # No markup or emoji codes: cells are program text and numbers, shown
        # as they are (and Rich's emoji table alone costs 10 ms to import).
        return Console(
            file=self.stdout,
            soft_wrap=False,
            highlight=False,
            markup=False,
            emoji=False,
            no_color=not self.color or None,
            force_terminal=not self.plain,
            width=width,
        )

    def write(self, text: str) -> None:
        self.stdout.write(text)

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def print(self, renderable: Any) -> None:
        """A Rich renderable: drawn for the terminal, or as plain text on a pipe.

        A number is never cut.  Tables fold their labels to fit the terminal
        and keep their numeric columns whole; a terminal narrower than that
        (than the numbers and a few characters of label) gets the renderable
        at the width it needs, uncropped, and wraps its long lines itself.
        """
        console = self.console()
        if self.plain:
            console.print(renderable, crop=False)
            return
        from rich.measure import Measurement

        needed = Measurement.get(console, console.options.update_width(PIPE_WIDTH), renderable).minimum
        if needed <= console.width:
            console.print(renderable, crop=True)
        else:
            self._new_console(needed).print(renderable, crop=False)

    def warn(self, text: str) -> None:
        """A message on stderr, with any character a terminal would act on (ESC, ...) made visible."""
        from ..base.errors import printable

        self.stderr.write(printable(text) + "\n")
        self.stderr.flush()

    def error(self, problem: ProgramError | ProgramWarning, source: Source | None) -> None:
        """A program's error or warning with its caret, the line under it spelled as stderr will show it."""
        from ..base.errors import format_error

        self.warn(format_error(problem, source, ascii_only=spells(self.stderr)))


def _is_terminal(stream: TextIO) -> bool:
    """A terminal as Rich decides it (FORCE_COLOR, TTY_COMPATIBLE), without importing Rich."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or odd stream
        return False
