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
#: Characters of program text after which a line may break in `\texttt` (it breaks at spaces by itself).
_BREAK_AFTER = frozenset("*+-/,;(=^_")


def breakable_text(text: str) -> str:
    r"""`escape_text(text)` for `\texttt` that may also break after an operator, a comma or `(`.

    Typewriter text breaks only at spaces, and program text has few: a
    label like `x1*w1+x2*w2` would run off the page in one piece.
    """
    out = []
    for char in text:
        out.append(escape_text(char))
        if char in _BREAK_AFTER:
            out.append(r"\allowbreak{}")
    return "".join(out)


def breakable_lines(text: str) -> list[str]:
    r"""Program text (or any text laid out in columns) as typewriter lines that break rather than run off the page.

    For a `flushleft` environment: each line of `text` is one paragraph line,
    spaces kept as they are (runs of them too, so columns stay aligned),
    breaking at a space or after an operator, and a broken line goes on
    indented.  Nothing in the text can end the environment: it is all escaped.
    """
    lines = []
    for line in text.strip("\n").splitlines():
        line = "".join(char if " " <= char <= "~" else "?" for char in line.expandtabs(4))
        lead = len(line) - len(line.lstrip(" "))
        body = breakable_text(line.strip(" ")).replace("  ", r"\ \ ").replace(r"\  ", r"\ \ ")
        indent = rf"\hspace*{{{lead}\fontdimen2\font}}" if lead else ""
        lines.append(rf"\hangindent=4em\hangafter=1\texttt{{{indent}{body}}}\par" if body else r"\medskip")
    return lines


def math_width(text: str) -> int:
    r"""About how many characters wide LaTeX math is when typeset: for deciding where a long line breaks."""
    text = re.sub(r"\\[A-Za-z]+\{\}|\\[#%&$_{}^~]", "x", text)  # an escaped character, `\ldots{}`: one wide
    text = re.sub(r"\\(?:left|right|mathit|mathrm|operatorname|text|texttt|textbf|frac|sqrt)\b|\\[,;!]", "", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return len(text.replace("{", "").replace("}", "").replace("^", "").replace("_", "").replace("\\", ""))


#: Where a formula may break: before these operators, outside any braces.
_BREAK_BEFORE = frozenset({" + ", " - ", r" \cdot "})
_MATH_TOKENS = re.compile(r"( \+ | - | \\cdot |, )")


def break_math(formula: str, budget: int) -> list[str]:
    r"""A formula as lines no wider than about `budget` characters, where a line can be broken.

    A line breaks before a `+` or `-`, or after an argument's comma, and only
    where there is none of those, before a `\cdot`; never inside braces (a
    fraction, an exponent, a root).  Inside `\left( ... \right)` the open
    delimiters are closed with `\right.` at the end of the line and opened
    again with `\left.` on the next.  A formula with no such place stays one line.
    """
    if math_width(formula) <= budget:
        return [formula]
    formula = _open_fractions(formula, budget)
    lines: list[tuple[list[str], int]] = [([], 0)]  # each line's tokens, and the \left groups open at its start
    places: list[tuple[int, int, int]] = []  # in the last line: (token index, priority, \left groups open there)
    width = braces = opened = 0
    for token in _MATH_TOKENS.split(formula):
        if not token:
            continue
        current = lines[-1][0]
        if braces == 0 and current and token in _BREAK_BEFORE:
            places.append((len(current), 2 if token == r" \cdot " else 1, opened))
        current.append(token)
        width += math_width(token)
        braces += token.count("{") - token.count("}") - token.count(r"\{") + token.count(r"\}")
        opened += token.count(r"\left") - token.count(r"\right")
        if braces == 0 and token == ", ":
            places.append((len(current), 1, opened))
        if width > budget and places:
            best = min(places, key=lambda place: (place[1], -place[0]))  # the loosest operator, as late as it can be
            index, _, depth = best
            lines[-1] = (current[:index], lines[-1][1])
            lines.append((current[index:], depth))
            width = math_width("".join(current[index:]))
            places = []
    texts = []
    for index, (pieces, depth) in enumerate(lines):
        closing = lines[index + 1][1] if index + 1 < len(lines) else 0
        texts.append(r"\left." * depth + "".join(pieces) + r"\right." * closing)
    return texts


def _open_fractions(formula: str, budget: int) -> str:
    r"""`\frac{a}{b}` with a numerator or denominator wider than `budget` written `\left(a\right) / \left(b\right)`.

    Nothing breaks inside braces, so a fraction over a long sum would be one
    line however long; in parentheses it can break like any other group.
    """
    out: list[str] = []
    rest = formula
    while True:
        start = rest.find(r"\frac{")
        if start < 0:
            return "".join(out) + rest
        numerator_end = _closing_brace(rest, start + len(r"\frac{"))
        denominator_end = _closing_brace(rest, numerator_end + 2)
        numerator = rest[start + len(r"\frac{") : numerator_end]
        denominator = rest[numerator_end + 2 : denominator_end]
        if max(math_width(numerator), math_width(denominator)) <= budget:
            out.append(rest[: denominator_end + 1])
        else:
            bottom = denominator if _MATH_TOKENS.search(denominator) is None and " " not in denominator else (
                rf"\left({_open_fractions(denominator, budget)}\right)"
            )
            out.append(rest[:start] + rf"\left({_open_fractions(numerator, budget)}\right) / {bottom}")
        rest = rest[denominator_end + 1 :]


def _closing_brace(text: str, start: int) -> int:
    """The index of the `}` closing the group that starts at `start` (just after its `{`)."""
    depth = 1
    index = start
    while depth:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1
    return index - 1


def _word(word: str) -> str:
    if word in _GREEK:
        return "\\" + word
    if len(word) == 1:
        return word
    return r"\mathit{" + word + "}"


def name(text: str) -> str:
    """A program name in math mode: `x1` and `x_1` as x_{1}, `w_out` as w_{out}, `alpha` as α, `my_name` whole.

    A subscript is read where it is the convention: a number after any word
    (`x1`, `layer_2`), a word after one letter or a Greek letter's name
    (`x_max`, `alpha_out`).  A longer word before `_` is the name's own
    (`my_name`, `loss_total`): `\\mathit{my\\_name}`, not my with a subscript.
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
    if subscripted and (len(subscripted.group(1)) == 1 or subscripted.group(1) in _GREEK):
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
