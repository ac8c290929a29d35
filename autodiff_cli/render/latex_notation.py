"""Nodes, names and numbers written as LaTeX (amsmath): the notation of `--format latex`.

An operation's LaTeX is its row's `latex` notation (ops.Notation), made a
template of text pieces and operand positions, as in formula.py, and the same
piece-joining walk builds whole formulas, so a deep formula costs linear time
and nothing recurses.  Parentheses follow the meaning, not the grammar:
`\\frac` and exponents group by themselves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..core.formula import Template
from ..core.ops import ATOM, CALL, INFIX, POWER, POWER_OF, PREFIX, PRODUCT, UNARY, WRAP, Operation
from .escape import latex_text as escape_text

_GREEK_WORDS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi psi "
    "omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_GREEK = frozenset(_GREEK_WORDS.split())
_INDEXED = re.compile(r"([A-Za-z]+)_?([0-9]+)\Z")
_SUBSCRIPTED = re.compile(r"([A-Za-z]+)_([A-Za-z][A-Za-z0-9]*)\Z")
def _word(word: str) -> str:
    if word in _GREEK:
        return "\\" + word
    if len(word) == 1:
        return word
    return r"\mathit{" + word + "}"


def name(text: str) -> str:
    """A program name in math mode: `x1` and `x_1` as x_{1}, `w_out` as w_{out}, `alpha` as α.

    A key of a rebound input, `a@3`, keeps its line: a\\,@3.
    """
    text, at, line = text.partition("@")
    suffix = r"\,\text{@" + escape_text(line) + "}" if at else ""
    return _plain_name(text) + suffix


def _plain_name(text: str) -> str:
    indexed = _INDEXED.match(text)
    if indexed:
        return f"{_word(indexed.group(1))}_{{{indexed.group(2)}}}"
    subscripted = _SUBSCRIPTED.match(text)
    if subscripted:
        sub = subscripted.group(2)
        sub = _word(sub) if len(sub) == 1 or sub in _GREEK else r"\mathrm{" + sub + "}"
        return f"{_word(subscripted.group(1))}_{{{sub}}}"
    if "_" in text or not text.isalpha():
        return r"\mathit{" + escape_text(text) + "}"
    return _word(text)


def number(x: float) -> tuple[str, int]:
    """A literal in math mode and its level: `1e-07` as 10^{-7}, pi as \\pi, inf as \\infty."""
    if math.isnan(x):
        return r"\mathrm{NaN}", ATOM
    if math.isinf(x):
        return (r"\infty", ATOM) if x > 0 else (r"-\infty", UNARY)
    if x == math.pi:
        return r"\pi", ATOM
    text = repr(float(x))
    if text.endswith(".0"):
        text = text[:-2]
    return number_text(text), UNARY if text.startswith("-") else (PRODUCT if "e" in text else ATOM)


def number_text(text: str) -> str:
    """A number as autodiff prints it (`-1.5e-07`, `nan`, `inf`, `—`) as LaTeX math."""
    if text in ("nan", "-nan"):
        return r"\mathrm{NaN}"
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "—":
        return r"\text{---}"
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    exponent = str(int(exponent))
    if mantissa.lstrip("-") == "1":
        return f"{mantissa[:-1]}10^{{{exponent}}}"
    return rf"{mantissa} \times 10^{{{exponent}}}"


def _group(index: int, parenthesize: bool) -> Template:
    return [r"\left(", index, r"\right)"] if parenthesize else [index]


def _chain(levels: Sequence[int], symbol: str, level: int) -> Template:
    """Left-associative operands joined by `symbol`; a right operand at the same level or unary is grouped."""
    pieces: Template = _group(0, levels[0] < level)
    for index in range(1, len(levels)):
        pieces += [symbol, *_group(index, levels[index] <= level or levels[index] == UNARY)]
    return pieces


def template(op: Operation, levels: Sequence[int]) -> tuple[Template, int]:
    """How `op` is written in LaTeX around its operands, given each operand's level."""
    assert op.latex is not None, f"the row {op.name} has no LaTeX"
    form, text, level = op.latex
    if form == INFIX:
        return _chain(levels, text, level), level
    if form == POWER_OF:
        return [*_group(0, levels[0] < ATOM), text + "{", 1, "}"], level
    if form == PREFIX:
        return [text, *_group(0, levels[0] < POWER)], level
    if form == WRAP:
        pieces = _OPERAND_MARK.split(text)  # text, position, text, ...
        return [int(piece) if index % 2 else piece for index, piece in enumerate(pieces) if piece], level
    assert form == CALL, form
    call: Template = [text + r"\left("]
    for index in range(len(levels)):
        call += [", ", index] if index else [index]
    return [*call, r"\right)"], ATOM


_OPERAND_MARK = re.compile(r"#([0-9]+)")
