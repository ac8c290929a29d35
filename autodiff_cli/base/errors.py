"""One family of errors, each with a message and a span, and one way to show them."""

from __future__ import annotations

from .spellings import spell
from .typing_lite import NamedTuple


class Source(NamedTuple):
    """Program text and the name it is shown under (a file name, `<eval>`, `<stdin>`).

    A NamedTuple, not a dataclass: `dataclasses` costs 9 ms of start-up.
    """

    name: str
    text: str

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column


class ProgramError(Exception):
    """The program is wrong (exit code 1); `span` is (start, end) offsets, or None.

    `source` is the text the span points into, where the raiser knows it (a
    library call sets it), so `render()` can show the caret on its own.
    """

    exit_code = 1
    source: Source | None = None

    def __init__(self, message: str, span: tuple[int, int] | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def render(self, source: Source | None = None) -> str:
        """The error as the command line prints it: message, `--> place`, the line and a caret."""
        return format_error(self, source or self.source)


class ParseError(ProgramError):
    """The text is not a program of the language.

    `at_end`: the text ended too early (a REPL reads another line);
    `expected`: the grammar's terminals that could have come next (`$END` for the end).
    """

    def __init__(
        self,
        message: str,
        span: tuple[int, int] | None = None,
        hint: str = "",
        at_end: bool = False,
        expected: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(message, span, hint)
        self.at_end = at_end
        self.expected = expected


class NameError_(ProgramError):
    """A name that is not bound, or a function name used wrongly."""


class EvaluationError(ProgramError):
    """The forward pass left an operation's domain: division by zero, log(0), overflow."""


class LimitError(ProgramError):
    """The program would build more than a documented cap allows (docs/security.md, "Caps")."""


class ProgramWarning(NamedTuple):
    """Something the program does that is allowed but probably not meant (a literal that underflowed)."""

    message: str
    span: tuple[int, int] | None = None
    hint: str = ""


class UsageError(Exception):
    """The command line is wrong (exit code 2): a missing file, an unknown --of name."""

    exit_code = 2


_MAX_SHOWN_LINE = 120


def printable(text: str) -> str:
    """Text from a user (a file name, a label, a message quoting them) as a terminal can show it.

    Every character that cannot be printed but a line end becomes U+FFFD, so
    no escape sequence in a program or a file name reaches the terminal.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else "\N{REPLACEMENT CHARACTER}" for ch in text)


def format_error(error: ProgramError | ProgramWarning, source: Source | None, ascii_only: bool = False) -> str:
    """The error (or warning) as the user sees it: message, `--> place`, the line and a caret.

    `ascii_only`: for a stream that cannot encode more than ASCII, where each
    other character of the line is written in its spelling (spellings.py) and
    the caret moves with it.
    """
    kind = "warning" if isinstance(error, ProgramWarning) else "error"
    lines = [f"{kind}: {printable(error.message)}"]
    if source is not None and error.span is not None:
        start, end = error.span
        line_number, column = source.line_and_column(start)
        lines.append(f" --> {printable(source.name)}:{line_number}:{column}")
        line_start = start - (column - 1)
        line_end = source.text.find("\n", line_start)
        if line_end == -1:
            line_end = len(source.text)
        text = source.text[line_start:line_end].rstrip("\r")
        caret_start = column - 1
        caret_width = max(1, min(end, line_start + len(text)) - start)
        text, caret_start, caret_width = _window(text, caret_start, caret_width)
        text, caret_start, caret_width = _printable(text, caret_start, caret_width, ascii_only)
        gutter = " " * len(str(line_number))
        lines.append(f"{gutter} |")
        lines.append(f"{line_number} | {text}")
        lines.append(f"{gutter} | {' ' * caret_start}{'^' * caret_width}")
    elif source is not None:
        lines.append(f" --> {printable(source.name)}")
    if error.hint:
        lines.append(f"  = help: {error.hint}")
    shown = "\n".join(lines)
    return spell(shown) if ascii_only else shown


_TAB_STOP = 4


def _printable(text: str, caret_start: int, caret_width: int, ascii_only: bool = False) -> tuple[str, int, int]:
    """The line as a terminal can show it, and the caret moved to stay under the same characters.

    A tab becomes spaces to the next stop and a carriage return one space:
    both are blanks to the lexer (`1\rb` is two tokens), and a terminal would
    jump with them. Any other character that cannot be printed becomes
    U+FFFD, one column wide.
    """
    shown: list[str] = []
    columns = []  # the column each character of `text` starts at, and one past the end
    column = 0
    for ch in text:
        columns.append(column)
        if ch == "\t":
            piece = " " * (_TAB_STOP - column % _TAB_STOP)
        elif ch == "\r":
            piece = " "
        elif not ch.isprintable():
            piece = "?" if ascii_only else "\N{REPLACEMENT CHARACTER}"
        elif ascii_only and not ch.isascii():
            piece = spell(ch)
        else:
            piece = ch
        shown.append(piece)
        column += len(piece)
    columns.append(column)
    start = columns[min(caret_start, len(text))]
    end = columns[min(caret_start + caret_width, len(text))]
    return "".join(shown), start, max(1, end - start)


def _window(text: str, caret_start: int, caret_width: int) -> tuple[str, int, int]:
    """Cut a long line down to the part around the caret, marking cuts with '…'."""
    if len(text) <= _MAX_SHOWN_LINE:
        return text, caret_start, caret_width
    caret_width = min(caret_width, _MAX_SHOWN_LINE // 2)
    left = max(0, caret_start - _MAX_SHOWN_LINE // 3)
    right = min(len(text), left + _MAX_SHOWN_LINE)
    window = text[left:right]
    shift = left
    if left > 0:
        window = "…" + window
        shift -= 1
    if right < len(text):
        window = window + "…"
    return window, caret_start - shift, caret_width
