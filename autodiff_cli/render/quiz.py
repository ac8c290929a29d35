"""The quiz as a conversation: the forward values, then each gradient asked in backward order and explained when wrong.

The grading itself (questions, answers, tolerance) is data in analyses/teaching/quiz.py;
this module only words it, through callbacks, so the REPL and `autodiff quiz` share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..analyses.teaching.quiz import grad_of, is_right, parse_answer, questions
from ..base.numbers import rounded
from ..core.engine import CONSTANT, INPUT, Step
from .heading import fold
from .teaching import expression, why_lines

if TYPE_CHECKING:
    from ..report import Report


def forward_lines(report: Report) -> list[str]:
    """The forward values, one node a line, each after its inputs: `d = -6    (a*b)`."""
    precision = report.options.precision
    rows = []
    for node in report.result.order:
        if node.op is CONSTANT:
            continue
        how = expression(report, node)
        label = report.label(node)
        how = "" if node.op is INPUT else how.split(" = ", 1)[1] if how.startswith(label + " = ") else ""
        rows.append((label, rounded(node.data, precision), how))
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    return [
        (f"{label.ljust(width)} = {value.ljust(value_width)}" + (f"   ({how})" if how else "")).rstrip()
        for label, value, how in rows
    ]


class Score(NamedTuple):
    right: int
    asked: int
    total: int

    def line(self) -> str:
        stopped = f" (stopped after {self.asked} of {self.total})" if self.asked < self.total else ""
        return f"score: {self.right}/{self.total}{stopped}"


def run_quiz(
    report: Report,
    ask: Callable[[str], str | None],
    say: Callable[[str], None],
    steps: dict[int, list[Step]],
    width: int | None = None,
) -> Score:
    """The quiz: `ask(prompt)` returns a line, or None at the end of input (Ctrl-D); `say` prints.

    Its headings fold between phrases to `width`, a terminal's (None: one line each).

    Ctrl-C (KeyboardInterrupt) is left to the caller: the one-shot command
    exits 130, the REPL goes back to its prompt.
    """

    def heading(*phrases: str) -> None:
        for line in fold(phrases, width):
            say(line)
    precision, tolerance = report.options.precision, report.options.quiz_tolerance
    output = report.output_name
    items = questions(report)
    say("The program:")
    for line in report.result.graph.source.text.strip("\n").splitlines():
        say(f"  {line}")
    say("")
    heading("Forward pass", "(each value after its inputs):")
    for line in forward_lines(report):
        say(f"  {line}")
    say("")
    if not items:
        heading("Nothing to ask:", f"{output} depends on no other node.")
        return Score(0, 0, 0)
    heading("Now backward:", f"the gradient of {output}", "with respect to each node,", "in backward order.")
    heading(f"{output}.grad = 1 (the output).", "Answer with a number", "or a fraction like -3/2;", "Ctrl-D stops.")
    right = 0
    for index, (node, key) in enumerate(items):
        while True:
            reply = ask(f"{grad_of(key)} = ? ")
            if reply is None:
                say("")
                score = Score(right, index, len(items))
                say(score.line())
                return score
            if not reply.strip():
                continue
            try:
                answer = parse_answer(reply)
            except ValueError as error:
                say(f"  {error}; try again")
                continue
            break
        assert node.grad is not None
        if is_right(answer, node.grad, tolerance):
            right += 1
            say("  right")
        else:
            say(f"  not quite: {grad_of(key)} = {rounded(node.grad, precision)}. Where it comes from:")
            for line in why_lines(report, node, steps.get(node.id, [])):
                say(f"    {line}")
    score = Score(right, len(items), len(items))
    say("")
    say(score.line())
    return score
