"""`autodiff quiz`: where the program and the answers come from, and the exit codes; the quiz itself is quiz.py."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

from ..base.errors import ProgramError, Source, UsageError

if TYPE_CHECKING:
    from ..base.options import Options
    from ..core.engine import Step
    from ..render.output import OutputContext
    from ..report import Report

EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def load_program(argument: str) -> Source:
    """PROGRAM|FILE: an existing file (or `-`, stdin) is read; a path-like word that names none is an error; else text."""
    from .sources import read_file

    if argument == "-" or os.path.isfile(argument):
        return read_file(argument)
    if not any(mark in argument for mark in "=;\n") and ("/" in argument or argument.endswith((".ad", ".txt"))):
        raise UsageError(f"{argument}: no such file")
    from .sources import argument_text

    return Source("<quiz>", argument_text(argument))


def quiz_main(
    argument: str,
    options: Options,
    out: OutputContext,
    answers: str | None = None,
    worksheet: str | None = None,
    answer_key: bool = False,
) -> int:
    """Run the quiz, grade an answer file or write a worksheet; return the exit code."""
    from ..analyses.teaching.contributions import contributions
    from ..language.evaluate import Graph
    from ..language.parse import parse
    from ..report import build_report

    source = None
    try:
        if answer_key and worksheet is None:
            worksheet = "md"
        if argument == "-" and answers is None and worksheet is None:
            raise UsageError("the quiz reads your answers from the terminal: give the program as an argument or a file")
        if sys.stdin is None and answers is None and worksheet is None:  # `<&-`
            raise UsageError("standard input is closed: the quiz reads your answers from it (or grade --answers FILE)")
        source = load_program(argument)
        graph = Graph(source)
        graph.run(parse(source.text))
        result = graph.differentiate(options.of)
        report = build_report(result, options)
        steps = contributions(result)
        if worksheet is not None:
            from ..render import worksheet as sheets

            out.write((sheets.latex if worksheet == "tex" else sheets.markdown)(report, steps, answer_key))
            return EXIT_OK
        if answers is not None:
            return _grade(report, steps, answers, out)
        return _ask(report, steps, out)
    except ProgramError as error:
        out.error(error, source)
        return EXIT_WRONG
    except UsageError as error:
        out.warn(f"error: {error}")
        return EXIT_USAGE


def _grade(report: Report, steps: dict[int, list[Step]], path: str, out: OutputContext) -> int:
    from ..analyses.teaching.quiz import AnswerFileError, grad_of, grade, read_answers
    from ..base.numbers import rounded
    from ..render.teaching import why_lines
    from .sources import read_file

    text = read_file(path).text
    try:
        given = read_answers(text, report)
    except AnswerFileError as error:
        raise UsageError(f"{path}:{error.line}: {error}") from None
    outcome = grade(report, given)
    out.line(f"{path}: {outcome.right}/{outcome.total} right")
    if outcome.first_wrong is None:
        return EXIT_OK
    node, key = outcome.first_wrong
    precision = report.options.precision
    answered = "no answer" if outcome.answer is None else f"answered {rounded(outcome.answer, precision)}"
    out.line(f"first wrong, in backward order: {grad_of(key)} ({answered}; it is {rounded(node.grad, precision)})")
    for line in why_lines(report, node, steps.get(node.id, [])):
        out.line(line)
    return EXIT_WRONG


def _ask(report: Report, steps: dict[int, list[Step]], out: OutputContext) -> int:
    from ..render.quiz import run_quiz

    def ask(prompt: str) -> str | None:
        out.stdout.flush()
        try:
            return input(prompt)
        except EOFError:
            return None
        except OSError as error:  # stdin open for writing only (`0>FILE`)
            raise UsageError(f"standard input cannot be read ({error.strerror or error})") from None

    def say(line: str) -> None:
        out.line(line)
        out.stdout.flush()

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing for input() on a terminal)
    try:
        score = run_quiz(report, ask, say, steps, out.width)
    except KeyboardInterrupt:
        say("")
        out.warn("interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK if score.right == score.total else EXIT_WRONG
