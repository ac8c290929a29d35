"""The interactive session: a `Session` core over any stream, and a prompt_toolkit front end.

The loop only reads a line, calls the same pipeline as the one-shot commands
(`parse`, `Graph.run`, `Graph.differentiate`) and prints.  prompt_toolkit is
imported only when the terminal front end starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..base.errors import ParseError, ProgramError, ProgramWarning, Source, UsageError, format_error
from ..base.numbers import rounded
from ..base.options import Options
from ..core.ops import CONSTANTS
from ..language.evaluate import BUILTINS, Graph, Result
from ..language.parse import Statement, parse
from ..render.output import OutputContext, spells

if TYPE_CHECKING:
    from prompt_toolkit.completion import CompleteEvent, Completer
    from prompt_toolkit.history import History

    from ..report import Report

PROMPT = "autodiff> "
CONTINUATION = "     ...> "


@dataclass
class Command:
    """A meta-command: its usage and help, its handler, and what Tab offers for its argument."""

    name: str
    usage: str
    help: str
    handler: Callable[[Session, str], None]
    #: What the argument's next word may be, given the words before it: from the session's live state, or
    #: the table the handler reads.
    choices: Callable[[Session, list[str]], Iterable[str]] | None = None
    #: Characters between several words of the argument ("" takes one word).
    separators: str = ""
    #: Text after a chosen word (`:at x=`).
    suffix: str = ""

    @property
    def takes_argument(self) -> bool:
        return " " in self.usage


class Session:
    """The names and graph of one session; `feed` takes one line at a time."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.options = Options()
        self.done = False
        # Where :quiz reads its answers: the next line of the stream, or the terminal's prompt.
        self.ask: Callable[[str], str | None] = lambda prompt: None
        self.reset()

    # -- state
    def reset(self) -> None:
        self.text = ""
        self.graph = Graph(Source("<repl>", ""))

    @property
    def names(self) -> list[str]:
        return [*self.graph.names, *self.graph.vectors]

    @property
    def width(self) -> int | None:
        """The terminal's width when the session writes to one (headings fold to it); None on a pipe."""
        try:
            if not self.out.isatty():
                return None
        except (AttributeError, ValueError, OSError):  # a closed or odd stream
            return None
        return shutil.get_terminal_size().columns

    def heading(self, *phrases: str) -> None:
        """A heading, folded between its phrases to the terminal's width."""
        from ..render.heading import fold

        for line in fold(phrases, self.width):
            self._print(line)

    def num(self, x: float | None) -> str:
        """A number as every view of the tool writes it, at the session's precision."""
        return rounded(x, self.options.precision)

    def _print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _error(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def _report(self, problem: ProgramError | ProgramWarning, source: Source | None) -> None:
        """A program's error or warning with its caret, spelled as the error stream will show it."""
        self._error(format_error(problem, source, ascii_only=spells(self.err)))

    # -- input
    def needs_more(self, text: str) -> bool:
        """True when `text` is a statement cut short (an unclosed parenthesis)."""
        if text.lstrip().startswith(":") or not text.strip():
            return False
        try:
            list(parse(text))
        except ParseError as error:
            return bool(getattr(error, "at_end", False)) and text.count("(") > text.count(")")
        except ProgramError:
            return False
        return False

    def feed(self, line: str) -> None:
        """Run one line: a command (`:name ...`) or statements."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return
        if stripped.startswith(":"):
            self.command(stripped)
            return
        self.run_text(line.rstrip("\n"), "<repl>")

    def run_text(self, text: str, name: str, quiet: bool = False) -> list[Statement] | None:
        """Run `text` as one unit: all of it, or (on an error or Ctrl-C) none of it.

        Returns the statements run, or None when they failed and the session
        was rolled back to what it was before.
        """
        checkpoint, session_text = self.graph.checkpoint(), self.text
        offset = len(self.text)
        run_error = False
        try:
            self.text += text + "\n"
            self.graph.source = Source("<repl>", self.text)
            warned = len(self.graph.warnings)
            try:
                statements = list(parse(text))  # spans relative to this line
                run_error = True
                self.graph.run(statements, offset=offset)  # spans relative to the session text
            except ProgramError as error:
                self._warn(self.graph.warnings[warned:], offset, Source(name, text))
                if error.span is not None and run_error:
                    error.span = (error.span[0] - offset, error.span[1] - offset)
                self._report(error, Source(name, text))
            except (RecursionError, MemoryError, OverflowError, ValueError) as error:
                self._error(f"error: {error}")
            else:
                self._warn(self.graph.warnings[warned:], offset, Source(name, text))
                self._show_statements(statements, quiet)
                return statements
        except BaseException:  # Ctrl-C (KeyboardInterrupt) mid-way: undo, then let the caller say so
            self.graph.rollback(checkpoint)
            self.text = session_text
            raise
        self.graph.rollback(checkpoint)
        self.text = session_text
        return None

    def _show_statements(self, statements: list[Statement], quiet: bool) -> None:
        if quiet or not statements:
            return
        if statements[-1].target is not None:
            for statement in statements:
                if statement.parameters is not None:
                    self._print(f"defined {self.graph.functions[statement.target].signature()}")  # type: ignore[index]
                elif statement.target in self.graph.vectors:
                    elements = self.graph.vectors[statement.target]
                    self._print(f"{statement.target} = [{', '.join(self.num(node.data) for node in elements)}]")
                elif statement.target is not None:
                    self._print(f"{statement.target} = {self.num(self.graph.names[statement.target].data)}")
        else:
            self._show_expression()

    def _warn(self, warnings: list[ProgramWarning], offset: int, source: Source) -> None:
        limit = 10  # as the one-shot commands: more are counted in one line
        for warning in warnings[:limit]:
            span = None if warning.span is None else (warning.span[0] - offset, warning.span[1] - offset)
            self._report(warning._replace(span=span), source)
        if len(warnings) > limit:
            self._error(f"warning: {len(warnings) - limit} more like these")

    def _show_expression(self) -> None:
        from ..language.vectors import Vector

        if isinstance(self.graph.last, Vector):  # a vector's elements; nothing to differentiate
            self._print(f"[{', '.join(self.num(node.data) for node in self.graph.last)}]")
            return
        try:
            result = self.graph.differentiate(None)
        except (ProgramError, UsageError) as error:
            self._error(f"error: {getattr(error, 'message', error)}")
            return
        self._print(self.num(result.value))
        self._print_gradients(result)

    def _print_gradients(self, result: Result) -> None:
        """`∂/∂a = …` for every input bound to a name, as the session's mode shows it (:mode)."""
        from ..analyses.subject import Subject

        inputs = {id(node) for node in result.inputs()}
        grads = [(name, node) for name, node in self.graph.names.items() if id(node) in inputs]
        if grads:
            grad = Subject(result, self.options).grad
            self._print("  " + "  ".join(f"∂/∂{name} = {self.num(grad(node))}" for name, node in grads))

    def _result(self, of: str | None):
        if self.graph.last is None:
            self._error("nothing to differentiate yet: type a statement, e.g. a = 3")
            return None
        try:
            return self.graph.differentiate(of)
        except (ProgramError, UsageError) as error:
            self._error(f"error: {getattr(error, 'message', error)}")
            return None

    # -- commands
    def command(self, text: str) -> None:
        name, _, argument = text[1:].partition(" ")
        command = COMMANDS.get(name)
        if command is None:
            self._error(f"error: unknown command ':{name}' (type :help for the list)")
            return
        argument = argument.strip()
        if argument and not command.takes_argument:
            self._error(f"usage: {command.usage} (it takes no argument, not {argument!r})")
            return
        command.handler(self, argument)

    def run_stream(self, stream: Iterable[str]) -> int:
        """Run lines from any stream (a pipe, a list); continues unclosed parentheses."""
        pending = ""
        lines = iter(stream)

        def ask(prompt: str) -> str | None:
            self.out.write(prompt)
            line = next(lines, None)
            self._print("" if line is None else line.rstrip("\n"))
            return None if line is None else line.rstrip("\n")

        self.ask = ask
        for line in lines:
            pending += line.rstrip("\n")
            if self.needs_more(pending):
                pending += "\n"
                continue
            self.feed(pending)
            pending = ""
            if self.done:
                return 0
        if pending.strip():
            self.feed(pending)
        return 0


def _help(session: Session, argument: str) -> None:
    session.heading("Type statements", "(a = 3, b = a * a, tanh(b))", "or a command:")
    for line in help_lines(session.width):
        session._print(line)


#: The narrowest column :help folds its texts into beside the commands; narrower, they go under them.
HELP_COLUMN = 24


def help_lines(width: int | None) -> list[str]:
    """One line per command, its usage then its help; on a narrow terminal the help folds at words.

    Beside the commands while that leaves HELP_COLUMN characters for the
    help, else each help indented under its command.
    """
    import textwrap

    usage_width = max(len(command.usage) for command in COMMANDS.values())
    beside = width is None or width - usage_width - 4 >= HELP_COLUMN
    lines = []
    for command in COMMANDS.values():
        if width is None:
            lines.append(f"  {command.usage:<{usage_width}}  {command.help}")
        elif beside:
            indent = " " * (usage_width + 4)
            folded = textwrap.wrap(command.help, width - len(indent), break_on_hyphens=False)
            lines.append(f"  {command.usage:<{usage_width}}  {folded[0]}")
            lines += [indent + part for part in folded[1:]]
        else:
            lines.append(f"  {command.usage}")
            lines += textwrap.wrap(command.help, width, initial_indent="      ", subsequent_indent="      ")
    return lines


def _vars(session: Session, argument: str) -> None:
    if not session.graph.names and not session.graph.functions:
        session._print("no names yet")
    for name, node in session.graph.names.items():
        session._print(f"{name} = {session.num(node.data)}")
    for function in session.graph.functions.values():
        body = session.graph.source.text[slice(*function.span)].split("=", 1)[1]
        session._print(f"{function.signature()} = {' '.join(body.split())}")


def _write(session: Session, options: Options, format: str = "table") -> None:
    """The session's graph through the one pipeline: a report, then a writer of the format registry."""
    result = session._result(options.of)
    if result is None:
        return
    from ..render import writer
    from ..report import build_report

    writer(format)(build_report(result, options), OutputContext(session.out, session.err))
    session.out.flush()


def _table(session: Session, argument: str) -> None:
    _write(session, session.options)


def _grad(session: Session, argument: str) -> None:
    if not argument:
        session._error("usage: :grad NAME")
        return
    result = session._result(session.options.of)
    if result is None:
        return
    node = session.graph.names.get(argument)
    if node is None:
        session._error(f"error: {_not_a_name(argument)}")
        return
    from ..analyses.subject import Subject

    session._print(f"∂{result.output_name}/∂{argument} = {session.num(Subject(result, session.options).grad(node))}")


def _not_a_name(name: str) -> str:
    """Why `name` has no node of its own in the session."""
    if name in CONSTANTS:
        return f"'{name}' is a constant: it has no gradient (bind it to a name, as in c = {name}, to get one)"
    if name in BUILTINS:
        return f"'{name}' is a function, not a value"
    return f"unknown name '{name}'"


def _of(session: Session, argument: str) -> None:
    if not argument:
        session.options = session.options._replace(of=None)
        session._print("differentiating the last statement")
    elif argument not in session.graph.names:
        session._error(f"error: {_not_a_name(argument)}")
    else:
        session.options = session.options._replace(of=argument)
        session._print(f"differentiating {argument}")


def _explain(session: Session, argument: str) -> None:
    result = session._result(session.options.of)
    if result is None:
        return
    from ..render.modes import forward_lines
    from ..render.sections import explain_lines
    from ..report import build_report

    report = build_report(result, session.options._replace(explain=True))
    if report.forward is not None:
        lines = forward_lines(report, session.width)
        lines = lines[lines.index("") + 1 :]  # the passes, without the line :mode already said
    else:
        lines = explain_lines(report)
    for line in lines:
        session._print(line)


def _report(session: Session, options: Options) -> Report | None:
    """The session's graph as a report under `options`; None (the error shown) when it cannot be made."""
    result = session._result(options.of)
    if result is None:
        return None
    from ..report import build_report

    try:
        return build_report(result, options)
    except UsageError as error:
        session._error(f"error: {str(error).replace('--why', ':why')}")
        return None


def _compare(session: Session, argument: str) -> None:
    from ..analyses.teaching.mistakes import parse_variants

    try:
        variants = parse_variants(argument or "all")
    except ValueError as error:
        session._error(f"error: {error}")
        return
    report = _report(session, session.options._replace(compare=variants))
    if report is not None:
        from ..render.teaching import compare_lines

        assert report.compare is not None
        for line in compare_lines(report.compare, session.width):
            session._print(line)


def _why(session: Session, argument: str) -> None:
    if not argument:
        session._error("usage: :why NAME")
        return
    report = _report(session, session.options._replace(why=tuple(argument.split())))
    if report is not None:
        from ..render.teaching import write_why

        write_why(report, OutputContext(session.out, session.err, plain=True))


def _quiz(session: Session, argument: str) -> None:
    report = _report(session, session.options)
    if report is None:
        return
    from ..analyses.teaching.contributions import contributions
    from ..render.quiz import run_quiz

    try:
        run_quiz(report, session.ask, session._print, contributions(report.result), session.width)
    except KeyboardInterrupt:
        session._print("")
        session._print("quiz stopped")


#: The ways :mode computes gradients (the first is the default).
MODES = ("reverse", "forward")


def _mode(session: Session, argument: str) -> None:
    if argument and argument not in MODES:
        session._error("usage: :mode forward|reverse")
        return
    if argument:
        session.options = session.options._replace(mode=None if argument == MODES[0] else argument)
    session._print(f"{session.options.mode or MODES[0]} mode")


def _taylor(session: Session, argument: str) -> None:
    name, _, count = argument.partition(" ")
    if not name or not count.strip():
        session._error("usage: :taylor NAME K   (the first K derivatives of the output along input NAME)")
        return
    result = session._result(session.options.of)
    if result is None:
        return
    from ..render.modes import write_taylor
    from ..report import build_report

    option = f"{name}:{count.strip()}"
    try:
        report = build_report(result, session.options._replace(taylor=option, mode=None))
    except (ProgramError, UsageError) as error:
        message = str(getattr(error, "message", error))
        session._error("error: " + message.replace(f"--taylor {option}", ":taylor").replace("--taylor:", ":taylor:"))
        return
    write_taylor(report, OutputContext(session.out, session.err))
    session.out.flush()


def _load(session: Session, argument: str) -> None:
    if not argument:
        session._error("usage: :load FILE")
        return
    from .sources import read_file

    try:
        source = read_file(os.path.expanduser(argument))
    except (UsageError, ProgramError, OSError) as error:
        session._error(f"error: {getattr(error, 'message', error)}")
        return
    if len(source.text) >= BIG_LOAD:
        session._error(f"loading {source.name} ({len(source.text):,} characters; Ctrl-C cancels)")
    statements = session.run_text(source.text.rstrip("\n"), source.name, quiet=True)
    if statements is None:
        session._error(f"{source.name} not loaded: the session is as it was")
        return
    names = list(dict.fromkeys(s.target for s in statements if s.target is not None))
    session._print(f"loaded {source.name}: {len(names)} name{'' if len(names) == 1 else 's'}")
    for name in names[:LOAD_LISTING]:
        session._print(f"{name} = {session.num(session.graph.names[name].data)}")
    if len(names) > LOAD_LISTING:
        session._print(f"... and {len(names) - LOAD_LISTING} more (:vars lists them all)")


#: A :load of this many characters says it has started, and how to cancel it.
BIG_LOAD = 1_000_000

#: Names a :load lists after its count (a generated file may bind 100,000).
LOAD_LISTING = 20


#: The significant digits :precision takes (as the command line's --precision).
PRECISIONS = range(1, 18)


def _precision(session: Session, argument: str) -> None:
    if not argument:
        session._print(f"precision: {session.options.precision} significant digits")
        return
    if not (argument.isascii() and argument.isdigit() and int(argument) in PRECISIONS):
        session._error(f"usage: :precision N (N a whole number from 1 to 17, not {argument!r})")
        return
    session.options = session.options._replace(precision=int(argument))
    session._print(f"precision: {argument} significant digits")


def _at(session: Session, argument: str) -> None:
    """`:at x=2 y=3`: the session's inputs at new values, then the output and its gradients there."""
    from ..analyses.at import apply, overrides_for, parse_assignment

    if not argument:
        session._error("usage: :at NAME=VALUE ...")
        return
    try:
        overrides = overrides_for(session.graph, [parse_assignment(item, ":at") for item in argument.split()], ":at")
        if session.graph.formulas:
            raise UsageError(":at cannot re-run a session that used grad() (its derivative nodes took their branches)")
        apply(session.graph, overrides)
    except UsageError as error:
        session._error(f"error: {error}")
        return
    except ProgramError as error:
        session._report(error, session.graph.source)
        return
    if session.options.of is None:
        session._show_expression()
    else:
        _grad_all(session)


def _descend(session: Session, argument: str) -> None:
    """`:descend w,b 0.05 20`: gradient descent on those inputs; the session keeps the trained values."""
    import io

    from ..analyses.descend import check_usage, descend
    from ..render.descent import write_table

    words = argument.split()
    usage = "usage: :descend NAME[,NAME...] [RATE [STEPS]] (as in :descend w,b 0.05 20)"
    if not 1 <= len(words) <= 3:
        session._error(usage)
        return
    try:
        rate = float(words[1]) if len(words) > 1 else 0.1
        steps = int(words[2]) if len(words) > 2 else 10
    except ValueError:
        session._error(usage)
        return
    options = session.options._replace(descend=(words[0],), lr=rate, steps=steps, format="table")
    try:
        check_usage(options)
        if session.graph.formulas:
            raise UsageError(":descend cannot re-run a session that used grad() (its derivative nodes took their branches)")
        result = session._result(options.of)
        if result is None:
            return
        descent = descend(result, options)
    except UsageError as error:
        session._error(f"error: {error}")
        return
    except ProgramError as error:
        session._error(format_error(error, session.graph.source))
        return
    text = io.StringIO()
    write_table(descent, text, session.options.precision)
    for line in text.getvalue().rstrip("\n").split("\n"):
        session._print(line)


def _grad_all(session: Session) -> None:
    result = session._result(session.options.of)
    if result is None:
        return
    session._print(f"{result.output_name} = {session.num(result.value)}")
    session._print_gradients(result)


def _reset(session: Session, argument: str) -> None:
    session.reset()
    session.options = session.options._replace(of=None)
    session._print("session cleared")


def _quit(session: Session, argument: str) -> None:
    session.done = True


def _names(session: Session, given: list[str]) -> list[str]:
    return session.names


def _input_keys(session: Session, given: list[str]) -> list[str]:
    """The session's inputs as :at and :taylor name them (an input rebound since is `name@LINE`)."""
    from ..analyses.at import inputs_by_key

    return list(inputs_by_key(session.graph))


def _mistake_names(session: Session, given: list[str]) -> list[str]:
    """The mistakes `parse_variants` reads; `all` only on its own."""
    from ..analyses.teaching.mistakes import VARIANTS

    return [*VARIANTS, *([] if given else ["all"])]


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in [
        Command("help", ":help", "this list", _help),
        Command("vars", ":vars", "the names of the session and their values", _vars),
        Command("table", ":table", "the full table of values and gradients", _table),
        Command("grad", ":grad NAME", "the gradient of the output with respect to NAME", _grad, _names),
        Command(
            "of", ":of NAME", "differentiate NAME instead of the last statement (no NAME: back to the last)", _of, _names
        ),
        Command("explain", ":explain", "the backward pass step by step (the forward passes in forward mode)", _explain),
        Command(
            "mode", ":mode MODE", "compute gradients by reverse (the default) or forward mode", _mode, lambda *_: MODES
        ),
        Command(
            "taylor", ":taylor NAME K", "the first K derivatives of the output along input NAME", _taylor, _input_keys
        ),
        Command(
            "at", ":at NAME=VALUE", "give inputs new values (the statements run again), then the output", _at,
            _input_keys, separators=" ", suffix="=",
        ),
        Command(
            "descend", ":descend NAMES [RATE [STEPS]]",
            "gradient descent on those inputs (default rate 0.1, 10 steps); they keep the values it reaches", _descend,
            _input_keys, separators=" ,",
        ),
        Command("why", ":why NAME", "NAME's gradient as the sum of its uses", _why, _names, separators=" "),
        Command(
            "compare", ":compare [MISTAKES]",
            "the gradients under the classic mistakes: overwrite, no-sort, no-reset (default: all)", _compare,
            _mistake_names, separators=", ",
        ),
        Command("quiz", ":quiz", "find each gradient yourself, in backward order (Ctrl-D stops)", _quiz),
        Command("load", ":load FILE", "run a program file into the session (all of it or, on an error, none)", _load),
        Command(
            "precision", ":precision N", "significant digits of every number shown (1 to 17; no N: show it)", _precision,
            lambda *_: [str(digits) for digits in PRECISIONS],
        ),
        Command("reset", ":reset", "forget every name", _reset),
        Command("quit", ":quit", "leave (Ctrl-D too)", _quit),
    ]
}


def history_path() -> Path:
    """The history file (made private on first use); OSError when it cannot be made or written."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    path = Path(state) / "autodiff" / "history"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    with open(path, "a", encoding="utf-8"):  # fail now, not at the first line typed
        pass
    return path


def _history() -> History:
    """File history, or in-memory history after one warning when the file cannot be written."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        return FileHistory(str(history_path()))
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(
            f"warning: cannot write the history file{where} ({error.strerror or error}): "
            "this session's history is kept in memory only",
            file=sys.stderr,
            flush=True,
        )
        return InMemoryHistory()


def argument_completions(session: Session, before: str) -> tuple[list[str], str] | None:
    """What Tab offers in a command's argument, given the line before the cursor: (choices, the word they replace).

    None when the line is not in a command's argument (statements and
    command names are completed elsewhere).  A word already given is not
    offered again, nor is a word that is already all there is.
    """
    name, space, argument = before.lstrip()[1:].partition(" ")
    command = COMMANDS.get(name)
    if not before.lstrip().startswith(":") or not space or command is None:
        return None
    argument = argument.lstrip()
    if command.choices is None or (not command.separators and " " in argument):
        return [], ""
    cut = max((argument.rfind(separator) for separator in command.separators), default=-1)
    given, word = argument[: cut + 1], argument[cut + 1 :]
    if command.suffix and command.suffix in word:
        return [], ""  # a value, not a name
    words = [part for part in re.split("[" + re.escape(command.separators) + "]", given) if part] if given else []
    taken = {part.partition(command.suffix)[0] if command.suffix else part for part in words}
    candidates = [choice + command.suffix for choice in command.choices(session, words) if choice not in taken]
    offered = [choice for choice in candidates if choice.startswith(word)]
    return ([] if offered == [word] else offered), word


def _completer(session: Session) -> Completer:
    """Commands after `:`, each command's argument (file names after `:load `), otherwise names and functions."""
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    paths = PathCompleter(expanduser=True)

    class _Completer(Completer):
        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
            before = document.text_before_cursor
            stripped = before.lstrip()
            if stripped.startswith(":load "):
                argument = stripped[len(":load ") :].lstrip()
                yield from paths.get_completions(Document(argument, len(argument)), complete_event)
                return
            if stripped.startswith(":") and " " not in stripped:
                for name in COMMANDS:
                    if (":" + name).startswith(stripped):
                        yield Completion(":" + name, start_position=-len(stripped))
                return
            in_argument = argument_completions(session, before)
            if in_argument is not None:
                choices, word = in_argument
                for choice in choices:
                    yield Completion(choice, start_position=-len(word))
                return
            word = document.get_word_before_cursor()
            if not word:
                return
            candidates = [*session.names, *session.graph.functions, *sorted(BUILTINS)]
            for name in candidates:
                if name.startswith(word) and name != word:
                    yield Completion(name, start_position=-len(word))

    return _Completer()


def interactive(session: Session) -> int:
    """The terminal front end: line editing, history, completion, continuation."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    prompt: PromptSession[str] = PromptSession(history=_history(), completer=_completer(session), complete_while_typing=False)

    # A prompt of its own for quiz answers: they are not program lines (no file history, no completion).
    answers: PromptSession[str] = PromptSession(history=InMemoryHistory())

    def ask(text: str) -> str | None:
        try:
            return answers.prompt(text)
        except EOFError:
            return None

    session.ask = ask
    session.heading("autodiff REPL:", "type :help for commands,", "Ctrl-D to leave")
    while not session.done:
        pending = ""
        try:
            while True:
                line = prompt.prompt(CONTINUATION if pending else PROMPT)
                pending += line
                if session.needs_more(pending):
                    pending += "\n"
                    continue
                break
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            session.feed(pending)
        except KeyboardInterrupt:  # Ctrl-C while a line or a :load runs: it was rolled back
            print("interrupted: the session is as it was before that line", file=sys.stderr, flush=True)
        except Exception as error:  # nothing a user types may end the session
            print(f"internal error: {error!r}", file=sys.stderr, flush=True)
    return 0


def main() -> int:
    """`autodiff repl`: the terminal front end, or the lines of piped stdin; 2 when stdin is closed."""
    if sys.stdin is None:  # `<&-`
        print("error: standard input is closed: the REPL reads its lines from it", file=sys.stderr, flush=True)
        return 2
    session = Session()
    if sys.stdin.isatty() and sys.stdout.isatty():
        return interactive(session)
    try:
        return session.run_stream(_lines(sys.stdin))
    except _Unreadable as error:
        print(f"error: standard input cannot be read ({error})", file=sys.stderr, flush=True)
        return 2


class _Unreadable(Exception):
    """Reading stdin failed: not a line that went wrong, so not the session's to report."""


def _lines(stream: TextIO) -> Iterator[str]:
    """The stream's lines; a failure to read (`0>FILE`: open for writing only) is _Unreadable."""
    while True:
        try:
            line = stream.readline()
        except OSError as error:
            raise _Unreadable(error.strerror or str(error)) from None
        if not line:
            return
        yield line
