"""`autodiff quiz`: where the program and the answers come from, and the exit codes; the quiz itself is quiz.py."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from ..errors import ProgramError, Source, UsageError, format_error

EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def load_program(argument: str) -> Source:
    """PROGRAM|FILE: an existing file (or `-`, stdin) is read; a path-like word that names none is an error; else text."""
    from ..sources import read_file

    if argument == "-" or os.path.isfile(argument):
        return read_file(argument)
    if not any(mark in argument for mark in "=;\n") and ("/" in argument or argument.endswith((".ad", ".txt"))):
        raise UsageError(f"{argument}: no such file")
    return Source("<quiz>", argument)


def quiz_main(
    argument: str,
    of: str | None,
    answers: str | None,
    worksheet: str | None,
    answer_key: bool,
    precision: int,
    tolerance: float,
) -> int:
    """Run the quiz, grade an answer file or write a worksheet; return the exit code."""
    from ..evaluate import Graph
    from ..parse import parse
    from .contributions import contributions

    source = None
    try:
        if answer_key and worksheet is None:
            worksheet = "md"
        if argument == "-" and answers is None and worksheet is None:
            raise UsageError("the quiz reads your answers from the terminal: give the program as an argument or a file")
        source = load_program(argument)
        graph = Graph(source)
        graph.run(parse(source.text))
        result = graph.differentiate(of)
        steps = contributions(result)
        if worksheet is not None:
            from . import worksheet as sheets

            write = sheets.latex if worksheet == "tex" else sheets.markdown
            click.echo(write(result, steps, answer_key, precision), nl=False)
            return EXIT_OK
        if answers is not None:
            return _grade(result, steps, answers, precision, tolerance)
        return _ask(result, steps, precision, tolerance)
    except ProgramError as error:
        click.echo(format_error(error, source), err=True)
        return EXIT_WRONG
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USAGE


def _grade(result, steps, path: str, precision: int, tolerance: float) -> int:  # type: ignore[no-untyped-def]
    from ..render.numbers import rounded
    from ..render.teaching import render_why
    from ..sources import read_file
    from .quiz import AnswerFileError, grad_of, grade, read_answers

    text = read_file(path).text
    try:
        given = read_answers(text, result)
    except AnswerFileError as error:
        raise UsageError(f"{path}:{error.line}: {error}") from None
    outcome = grade(result, given, tolerance)
    click.echo(f"{path}: {outcome.right}/{outcome.total} right")
    if outcome.first_wrong is None:
        return EXIT_OK
    node, key = outcome.first_wrong
    answered = "no answer" if outcome.answer is None else f"answered {rounded(outcome.answer, precision)}"
    click.echo(f"first wrong, in backward order: {grad_of(key)} ({answered}; it is {rounded(node.grad, precision)})")
    click.echo(render_why(result, node, steps.get(node.id, []), precision))
    return EXIT_WRONG


def _ask(result, steps, precision: int, tolerance: float) -> int:  # type: ignore[no-untyped-def]
    from .quiz import run_quiz

    def ask(prompt: str) -> str | None:
        try:
            return input(prompt)
        except EOFError:
            return None

    def say(line: str) -> None:
        click.echo(line)

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing for input() on a terminal)
    try:
        score = run_quiz(result, ask, say, steps, precision, tolerance)
    except KeyboardInterrupt:
        click.echo("")
        click.echo("interrupted", err=True)
        sys.stdout.flush()
        return EXIT_INTERRUPTED
    return EXIT_OK if score.right == score.total else EXIT_WRONG
