"""Text to statements, with Lark's LALR parser and the grammar in grammar/autodiff.lark.

The parser runs with an inline transformer: each reduction appends one
postfix instruction to the statement being read, so no tree is built and
nothing here (or in Lark's LALR loop) recurses, however deep the nesting.
Statements come out one at a time, as soon as each is complete.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Lark, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import ParseError

# An instruction is a tuple whose first item says what it is:
#   ("number", text, start, end)        a literal; text may carry a leading "-"
#   ("name", name, start, end)          a name to look up
#   ("operator", name, start, end, operand_spans)
#   ("call", name, argument_count, start, end, operand_spans)
Instruction = tuple[Any, ...]
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: `target = code` (target None for a bare expression)."""

    target: str | None
    target_span: Span | None
    code: list[Instruction]
    span: Span


def grammar_text() -> str:
    """The grammar, from the installed package or, in a checkout, from grammar/."""
    # A plain path, not importlib.resources: that import alone costs ~12 ms of start-up.
    here = Path(__file__).resolve().parent
    packaged = here / "autodiff.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (here.parent / "grammar" / "autodiff.lark").read_text(encoding="utf-8")


class _Emitter(Transformer):  # type: ignore[type-arg]
    """The inline transformer: rule callbacks that emit postfix code and return spans.

    One instance serves the one cached parser; `reset` starts a new text.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        self.code: list[Instruction] = []
        self.statements: deque[Statement] = deque()

    # -- statements
    def assign(self, children: list[Any]) -> None:
        name, span = children
        self._finish(str(name), (name.start_pos, name.end_pos), (name.start_pos, span[1]))

    def bare(self, children: list[Any]) -> None:
        self._finish(None, None, children[0])

    def _finish(self, target: str | None, target_span: Span | None, span: Span) -> None:
        self.statements.append(Statement(target, target_span, self.code, span))
        self.code = []

    # -- expressions: each returns its span
    def _binary(self, name: str, children: list[Any]) -> Span:
        left, right = children[0], children[-1]
        span = (left[0], right[1])
        self.code.append(("operator", name, span[0], span[1], (left, right)))
        return span

    def add(self, children: list[Any]) -> Span:
        return self._binary("add", children)

    def sub(self, children: list[Any]) -> Span:
        return self._binary("sub", children)

    def mul(self, children: list[Any]) -> Span:
        return self._binary("mul", children)

    def div(self, children: list[Any]) -> Span:
        return self._binary("div", children)

    def pow(self, children: list[Any]) -> Span:
        return self._binary("pow", children)

    def neg(self, children: list[Any]) -> Span:
        minus, operand = children
        span = (minus.start_pos, operand[1])
        last = self.code[-1]
        if last[0] == "number" and (last[2], last[3]) == operand:
            # -2 is the literal -2, not an operation on the literal 2.
            text = last[1][1:] if last[1].startswith("-") else "-" + last[1]
            self.code[-1] = ("number", text, span[0], span[1])
        else:
            self.code.append(("operator", "neg", span[0], span[1], (operand,)))
        return span

    def pos(self, children: list[Any]) -> Span:
        plus, operand = children
        return (plus.start_pos, operand[1])

    def number(self, children: list[Any]) -> Span:
        (token,) = children
        self.code.append(("number", str(token), token.start_pos, token.end_pos))
        return (token.start_pos, token.end_pos)

    def name(self, children: list[Any]) -> Span:
        (token,) = children
        self.code.append(("name", str(token), token.start_pos, token.end_pos))
        return (token.start_pos, token.end_pos)

    def call(self, children: list[Any]) -> Span:
        name, *arguments, rpar = children
        spans = tuple(arguments[0]) if arguments else ()
        span = (name.start_pos, rpar.end_pos)
        self.code.append(("call", str(name), len(spans), span[0], span[1], spans))
        return span

    def arguments(self, children: list[Any]) -> list[Span]:
        return list(children)

    def group(self, children: list[Any]) -> Span:
        lpar, _, rpar = children
        return (lpar.start_pos, rpar.end_pos)


class _NewlinesInParentheses:
    """A postlexer: a newline inside parentheses continues the expression."""

    always_accept = ("_SEP",)

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        depth = 0
        for token in stream:
            kind = token.type
            if kind == "LPAR":
                depth += 1
            elif kind == "RPAR":
                depth = max(0, depth - 1)
            elif kind == "_SEP" and depth and token == "\n":
                continue
            yield token


_EMITTER = _Emitter()


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        postlex=_NewlinesInParentheses(),
        transformer=_EMITTER,
        maybe_placeholders=False,
        cache=True,
    )


def parse(text: str) -> Iterator[Statement]:
    """Yield the statements of `text` one by one; raise ParseError at the first bad token.

    Not re-entrant: finish (or drop) one parse before starting the next.
    """
    emitter = _EMITTER
    emitter.reset()
    interactive = _parser().parse_interactive(text)
    statements = emitter.statements
    try:
        for _token in interactive.iter_parse():
            while statements:
                yield statements.popleft()
        interactive.feed_eof()
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    while statements:
        yield statements.popleft()


_TOKEN_TEXT = {
    "NUMBER": "a number",
    "NAME": "a name",
    "POW": "'**'",
    "MINUS": "'-'",
    "PLUS": "'+'",
    "LPAR": "'('",
    "RPAR": "')'",
    "_SEP": "the end of the statement",
    "$END": "the end of the program",
    "EQUAL": "'='",
    "STAR": "'*'",
    "SLASH": "'/'",
    "COMMA": "','",
}


def _describe(kind: str) -> str:
    return _TOKEN_TEXT.get(kind, kind)


def _syntax_error(error: Any, text: str) -> ParseError:
    if isinstance(error, UnexpectedCharacters):
        start = error.pos_in_stream
        char = text[start] if start < len(text) else ""
        shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}" if char else "end"
        return ParseError(f"unexpected character {shown}", (start, start + 1))
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = sorted(_describe(kind) for kind in (error.accepts or error.expected))
        if token.type == "$END":
            start = len(text.rstrip())
            message = "the program ends in the middle of an expression"
            span = (max(0, start - 1), max(1, start))
        else:
            start = token.start_pos
            shown = "a newline" if token == "\n" else repr(str(token))
            message = f"unexpected {shown}"
            span = (start, start + max(1, len(token)))
        hint = "expected " + _or_list(expected) if expected else ""
        parse_error = ParseError(message, span, hint)
        parse_error.at_end = token.type == "$END"  # type: ignore[attr-defined]
        return parse_error
    return ParseError(str(error))


def _or_list(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " or " + unique[-1]
