"""Practice: ask each gradient in backward order, check answers, explain the wrong ones; grade a file of answers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..engine import CONSTANT, INPUT, Step, Value
from ..render.numbers import rounded

if TYPE_CHECKING:
    from ..report import Report

#: An answer is right when |answer - grad| <= tolerance * max(1, |grad|): by default (Options.quiz_tolerance,
#: 1e-3) a hand calculation rounded to 3 or 4 digits.
TOLERANCE = 1e-3

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_ANSWER = re.compile(rf"\s*({_NUMBER})\s*(?:/\s*({_NUMBER})\s*)?\Z")
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def parse_answer(text: str) -> float:
    """A number (`-3`, `0.5`, `1e-3`), a fraction (`-3/2`) or nan/inf; ValueError otherwise."""
    word = text.strip().lower()
    if word in _NON_FINITE:
        return _NON_FINITE[word]
    match = _ANSWER.match(text)
    if match is None:
        raise ValueError(f"'{text.strip()}' is not a number (write -3, 0.25 or a fraction like -3/2)")
    numerator, denominator = match.groups()
    if denominator is None:
        return float(numerator)
    if float(denominator) == 0.0:
        raise ValueError(f"'{text.strip()}' divides by zero")
    return float(numerator) / float(denominator)


def is_right(answer: float, grad: float, tolerance: float = TOLERANCE) -> bool:
    if math.isnan(grad) or math.isinf(grad):
        return answer == grad or (math.isnan(answer) and math.isnan(grad))
    return abs(answer - grad) <= tolerance * max(1.0, abs(grad))


class Question(NamedTuple):
    node: Value
    key: str  # how the node is named in a question and an answer file (unique)


def questions(report: Report) -> list[Question]:
    """Every node with a gradient, in backward order, but the output (its gradient is the 1 we start from).

    Inputs are asked by their keys (`a`, or `a@1` for one whose name was
    rebound); any other label two nodes share (the same text twice, a
    rebound name) gets the line it was made on, so every question has its own key.
    """
    result = report.result
    nodes = [node for node in reversed(result.order) if node.op is not CONSTANT and node is not result.output]
    labels = [report.label(node) for node in nodes]
    counts = Counter(labels)
    text = result.graph.source.text
    keys = []
    for node, label in zip(nodes, labels):
        if counts[label] > 1 and node.op is not INPUT:
            line = text.count("\n", 0, result.graph.span(node)[0]) + 1
            label = f"{label}@{line}"
        keys.append(label)
    return [Question(node, key) for node, key in zip(nodes, keys)]


def grad_of(key: str) -> str:
    """`a.grad`, `a@3.grad`, or `(x*w + 1).grad` for a key that is not a plain name."""
    return f"{key}.grad" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(@[0-9]+)?", key) else f"({key}).grad"


def _squeeze(label: str) -> str:
    """A key as an answer file may write it: spaces ignored, `a.grad` and `(x*w).grad` as `a` and `x*w`."""
    label = "".join(label.split())
    if label.endswith(".grad"):
        label = label[: -len(".grad")]
        if label.startswith("(") and label.endswith(")"):
            label = label[1:-1]
    return label


def forward_lines(report: Report) -> list[str]:
    """The forward values, one node a line, each after its inputs: `d = -6    (a*b)`."""
    from ..render.teaching import expression

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
    from ..render.heading import fold
    from ..render.teaching import why_lines

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


class AnswerFileError(ValueError):
    """A line of an answer file that is not `NAME = NUMBER`, or names no node with a gradient."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def read_answers(text: str, report: Report) -> dict[int, float]:
    """Answers by node id from lines `a = -3` (`a.grad = -3`, `-3/2`, blank lines and # comments too)."""
    items = questions(report)
    by_key = {_squeeze(key): node for node, key in items}
    by_key.setdefault(_squeeze(report.output_name), report.output)
    answers: dict[int, float] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, equals, value = line.rpartition("=")
        if not equals or not name.strip() or not value.strip():
            raise AnswerFileError(number, f"'{_cut(raw.strip())}' is not an answer: write NAME = NUMBER, as in a = -3")
        try:
            answer = parse_answer(value)
        except ValueError as error:
            raise AnswerFileError(number, str(error)) from None
        node = by_key.get(_squeeze(name))
        if node is None:
            known = ", ".join(key for _, key in items[:12]) + (", …" if len(items) > 12 else "")
            raise AnswerFileError(number, f"'{_cut(name.strip())}' is not a node with a gradient here (the nodes: {known})")
        if node.id in answers:
            raise AnswerFileError(number, f"a second answer for '{_cut(name.strip())}'")
        answers[node.id] = answer
    return answers


def _cut(text: str) -> str:
    return text if len(text) <= 60 else text[:60] + "…"


class Grade(NamedTuple):
    right: int
    total: int
    first_wrong: Question | None
    answer: float | None  # the first wrong node's answer (None: not answered)


def grade(report: Report, answers: dict[int, float]) -> Grade:
    """Every question checked against the answers; the first wrong (or missing) one in backward order."""
    tolerance = report.options.quiz_tolerance
    items = questions(report)
    if report.output.id in answers:
        items = [Question(report.output, report.output_name), *items]
    right = 0
    first: Question | None = None
    for item in items:
        answer = answers.get(item.node.id)
        grad = item.node.grad
        assert grad is not None
        if answer is not None and is_right(answer, grad, tolerance):
            right += 1
        elif first is None:
            first = item
    return Grade(right, len(items), first, answers.get(first.node.id) if first else None)
