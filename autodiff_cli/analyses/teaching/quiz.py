"""Practice: ask each gradient in backward order, check answers, explain the wrong ones; grade a file of answers."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from ...core.engine import CONSTANT, INPUT, Value

if TYPE_CHECKING:
    from ..subject import Subject

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


def questions(report: Subject) -> list[Question]:
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


class AnswerFileError(ValueError):
    """A line of an answer file that is not `NAME = NUMBER`, or names no node with a gradient."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def read_answers(text: str, report: Subject) -> dict[int, float]:
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


def grade(report: Subject, answers: dict[int, float]) -> Grade:
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
