"""Text to statements, with Lark's LALR tables for grammar/autodiff.lark run by a loop of our own.

Lark turns the grammar into a lexer (terminals in the order it tries them)
and an LALR parse table; tables.py copies them out as plain data into
grammar_tables.py, so that parsing needs neither Lark's import nor its
grammar loader at start-up. The loop below is Lark's LALR loop
(lark/parsers/lalr_parser_state.py) fed by one compiled regex over the whole
text: it makes the same shifts, reductions and errors (tests/test_parse.py
checks them against Lark's own parser) at ~1.75 µs a token, against ~5.7 µs
for `parse_interactive().iter_parse()`, ~7 µs for Lark's one-shot `parse()`
with its basic lexer and ~4.6 µs with lark-cython (which also cannot take a
postlexer). Lark's contextual lexer gives the same tokens as the one regex
for this grammar; the tests check that too.

Each reduction calls the rule's callback, as Lark's inline transformer
would: the callbacks append postfix instructions to the statement being
read, so no tree is built and nothing here recurses, however deep the
nesting. Statements come out one at a time, as soon as each is complete.
"""

from __future__ import annotations

import functools
import operator
import os
import re
import zlib
from collections.abc import Callable, Iterator

from .errors import ParseError
from .typing_lite import Any, NamedTuple

# An instruction is a tuple whose first item says what it is:
#   ("number", text, start, end)        a literal; text may carry a leading "-"
#   ("name", name, start, end)          a name to look up
#   ("operator", name, start, end, operand_spans)
#   ("call", name, argument_count, start, end, operand_spans)
Instruction = tuple[Any, ...]
Span = tuple[int, int]


class Parameter(NamedTuple):
    """A parameter of a function definition: its name (None when it is not a plain name) and span."""

    name: str | None
    span: Span


class Statement(NamedTuple):
    """One statement: `target = code` (target None for a bare expression).

    A function definition `target(parameters) = code` has `parameters` (a
    tuple, maybe empty); any other statement has None.
    A NamedTuple, not a dataclass: `dataclasses` costs about 7 ms of start-up.
    """

    target: str | None
    target_span: Span | None
    code: list[Instruction]
    span: Span
    parameters: tuple[Parameter, ...] | None = None


def grammar_text() -> str:
    """The grammar, from the installed package or, in a checkout, from grammar/."""
    # os.path, not importlib.resources (~12 ms of start-up) nor pathlib (~3.5 ms).
    here = os.path.dirname(os.path.realpath(__file__))
    path = os.path.join(here, "autodiff.lark")
    if not os.path.isfile(path):
        path = os.path.join(os.path.dirname(here), "grammar", "autodiff.lark")
    with open(path, encoding="utf-8") as file:
        return file.read()


def grammar_checksum(grammar: str) -> int:
    """A fingerprint of the grammar text, to tell whether grammar_tables.py was made from it."""
    return zlib.crc32(grammar.encode("utf-8"))  # zlib, not hashlib: its import costs start-up time


# ---------------------------------------------------------------- callbacks


class _Emitter:
    """The rule callbacks: they emit postfix code and return spans.

    Named after the rules (or their `-> alias`) of the grammar, and called with
    a rule's children filtered as Lark's tree builder filters them. A token is
    the `re.Match` the lexer made. One emitter per parse.
    """

    def __init__(self) -> None:
        self._code: list[Instruction] = []
        self._statements: list[Statement] = []

    # -- statements
    def assign(self, children: list[Any]) -> None:
        name, span = children
        start = name.start()
        self._finish(name.group(), (start, name.end()), (start, span[1]))

    def bare(self, children: list[Any]) -> None:
        self._finish(None, None, children[0])

    def define(self, children: list[Any]) -> None:
        name, *arguments, _rpar, body = children
        spans = arguments[0] if arguments else []
        code = self._code
        # The parameters were read as a call's arguments: their code comes
        # first, one instruction for a plain name, more for anything else.
        parameters = []
        index = 0
        for start, end in spans:
            first = index
            while index < len(code) and _instruction_span(code[index])[0] >= start and _instruction_span(code[index])[1] <= end:
                index += 1
            plain = index - first == 1 and code[first][0] == "name"
            parameters.append(Parameter(code[first][1] if plain else None, (start, end)))
        self._code = code[index:]
        start = name.start()
        self._finish(name.group(), (start, name.end()), (start, body[1]), tuple(parameters))

    def _finish(
        self, target: str | None, target_span: Span | None, span: Span, parameters: tuple[Parameter, ...] | None = None
    ) -> None:
        self._statements.append(Statement(target, target_span, self._code, span, parameters))
        self._code = []

    # -- expressions: each returns its span
    def _binary(self, name: str, children: list[Any]) -> Span:
        left, right = children[0], children[-1]
        span = (left[0], right[1])
        self._code.append(("operator", name, span[0], span[1], (left, right)))
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
        span = (minus.start(), operand[1])
        code = self._code
        last = code[-1]
        if last[0] == "number" and (last[2], last[3]) == operand:
            # -2 is the literal -2, not an operation on the literal 2.
            text = last[1][1:] if last[1].startswith("-") else "-" + last[1]
            code[-1] = ("number", text, span[0], span[1])
        else:
            code.append(("operator", "neg", span[0], span[1], (operand,)))
        return span

    def pos(self, children: list[Any]) -> Span:
        plus, operand = children
        return (plus.start(), operand[1])

    def number(self, children: list[Any]) -> Span:
        (token,) = children
        start, end = token.span()
        self._code.append(("number", token.group(), start, end))
        return (start, end)

    def name(self, children: list[Any]) -> Span:
        (token,) = children
        start, end = token.span()
        self._code.append(("name", token.group(), start, end))
        return (start, end)

    def call(self, children: list[Any]) -> Span:
        name, *arguments, rpar = children
        spans = tuple(arguments[0]) if arguments else ()
        span = (name.start(), rpar.end())
        self._code.append(("call", name.group(), len(spans), span[0], span[1], spans))
        return span

    def arguments(self, children: list[Any]) -> list[Span]:
        return list(children)

    def group(self, children: list[Any]) -> Span:
        lpar, _, rpar = children
        return (lpar.start(), rpar.end())


def _instruction_span(instruction: Instruction) -> Span:
    if instruction[0] == "call":
        return instruction[3], instruction[4]
    return instruction[2], instruction[3]


class _Tree:
    """The value of a rule without a callback, as Lark's `Transformer.__default__` makes it."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data = data
        self.children = children


# ---------------------------------------------------------------- the tables

Reducer = Callable[[list[Any]], Any]


class _Tables:
    """The grammar's lexer and LALR tables, ready for the loop in `parse`."""

    def __init__(self, tables: Any) -> None:
        names = [name for name, _ in tables.TERMINALS]
        self.ignore = frozenset(tables.IGNORE)
        self.tokens = re.compile(_token_pattern(tables.TERMINALS, self.ignore)).finditer
        self.leading_spaces = re.compile(f"(?:{_spaces(tables.TERMINALS, self.ignore) or '(?!)'})?").match
        self.terminals = frozenset(names)
        self.states: list[dict[str, int]] = list(tables.STATES)
        self.rules: tuple[tuple[str, int, str, bool, Any], ...] = tables.RULES
        self.start_state: int = tables.START_STATE
        self.end_state: int = tables.END_STATE

    def reducers(self, emitter: _Emitter) -> list[tuple[str, int, Reducer | None]]:
        """Per rule: (the rule's name, how many symbols it pops, what makes its value).

        None for a rule that passes its one child through (`?sum: product`):
        the loop then only changes state.
        """
        result: list[tuple[str, int, Reducer | None]] = []
        for origin, size, callback_name, expand_single, include in self.rules:
            callback = getattr(emitter, callback_name, None)
            if callback is None:
                callback = functools.partial(_Tree, callback_name)
            if expand_single and size == 1 and include is None:
                result.append((origin, size, None))
            else:
                result.append((origin, size, _reducer(callback, expand_single, include)))
        return result


#: Terminals whose match also takes the spaces around them, so the loop sees
#: fewer tokens (a whitespace token is a whole turn of it). A match starts
#: with spaces only after a name, a number or ")" (every other terminal takes
#: the spaces after it, and `parse` starts after the text's leading ones), so
#: only operators that are binary there take spaces before them; an error
#: reads the terminal's own group. Names, numbers and ")" take none.
_SPACES_AROUND = frozenset({"STAR", "SLASH", "POW", "EQUAL", "COMMA", "PLUS", "MINUS"})
_SPACES_AFTER = frozenset({"LPAR", "_SEP"})


def _spaces(terminals: tuple[tuple[str, str], ...], ignore: frozenset[str]) -> str:
    """The ignored terminals that match a space, as one alternation ("" if none)."""
    return "|".join(pattern for name, pattern in terminals if name in ignore and re.fullmatch(pattern, " "))


def _token_pattern(terminals: tuple[tuple[str, str], ...], ignore: frozenset[str]) -> str:
    """Lark's terminals, in the order its lexer tries them at each position, as one alternation.

    A last, unnamed alternative matches any other character, so a token with
    no name is an unexpected character. The operators that take spaces stand
    together, at the place of the first of them, behind one optional run of
    spaces (no two terminals of the grammar start with the same character,
    but for `**` before `*`, whose order stays); the ignored whitespace is
    tried last, where nothing else matches.
    """
    spaces = _spaces(terminals, ignore)
    if not spaces:
        return "|".join([*(f"(?P<{name}>{pattern})" for name, pattern in terminals), "(?s:.)"])
    around = f"(?:{spaces})?"
    alternatives: list[str] = []
    last: list[str] = []
    spaced: list[str] = []
    for name, pattern in terminals:
        if name in ignore and re.fullmatch(pattern, " "):
            last.append(f"(?P<{name}>{pattern})")
        elif name in _SPACES_AROUND:
            if not spaced:
                alternatives.append("")  # the operators' place, filled below
                spaced_at = len(alternatives) - 1
            spaced.append(f"(?P<{name}>{pattern})")
        elif name in _SPACES_AFTER:
            alternatives.append(f"(?P<{name}>{pattern}){around}")
        else:
            alternatives.append(f"(?P<{name}>{pattern})")
    if spaced:
        alternatives[spaced_at] = f"{around}(?:{'|'.join(spaced)}){around}"
    return "|".join([*alternatives, *last, "(?s:.)"])


def _reducer(callback: Reducer, expand_single: bool, include: Any) -> Reducer:
    """The callback behind Lark's child filter (lark/parse_tree_builder.py, LALR without placeholders)."""
    if include is None and not expand_single:
        return callback
    if include is not None and not expand_single and not any(splice for _, splice in include):
        indices = [index for index, _ in include]
        if len(indices) == 1:
            (index,) = indices
            return lambda children: callback([children[index]])
        if not isinstance(callback, functools.partial):  # a tuple is enough for our callbacks; a _Tree needs a list
            pick = operator.itemgetter(*indices)  # ~3x faster than a list comprehension here
            return lambda children: callback(pick(children))

    def reduce(children: list[Any]) -> Any:
        if include is None:
            kept = children
        else:
            kept = []
            for index, splice in include:
                if not splice:
                    kept.append(children[index])
                elif kept:
                    kept += children[index].children
                else:  # left recursion: reuse the list, as Lark does
                    kept = children[index].children
        if expand_single and len(kept) == 1:
            return kept[0]
        return callback(kept)

    return reduce


@functools.cache
def _tables() -> _Tables:
    from . import grammar_tables

    grammar = grammar_text()
    if grammar_checksum(grammar) == grammar_tables.CHECKSUM:
        return _Tables(grammar_tables)
    # The grammar changed since grammar_tables.py was generated: ask Lark.
    from .tables import build

    return _Tables(build(grammar))


# ---------------------------------------------------------------- the loop


def parse(text: str) -> Iterator[Statement]:
    """Yield the statements of `text` one by one; raise ParseError at the first bad token."""
    tables = _tables()
    emitter = _Emitter()
    # A reduce action is ~rule (-1 for rule 0, -2 for rule 1, ...): indexing
    # the reversed list with it finds the rule without computing ~action.
    rules = tables.reducers(emitter)[::-1]
    states = tables.states
    statements = emitter._statements
    state = tables.start_state
    stack = [state]
    values: list[Any] = []
    depth = 0  # open parentheses: a newline inside them continues the expression

    leading = tables.leading_spaces(text)  # matches always, perhaps nothing
    for token in tables.tokens(text, leading.end() if leading else 0):
        kind: str = token.lastgroup  # type: ignore[assignment]  # every terminal is a named group
        if depth and kind == "_SEP" and text[token.start()] == "\n":
            continue
        action = states[state].get(kind)
        if action is None:
            if kind in tables.ignore:
                continue
            raise _unexpected(tables, token, text)
        while action < 0:  # reduce
            origin, size, reduce = rules[action]
            if reduce is None:
                state = stack[-1] = states[stack[-2]][origin]
            else:
                if size:
                    children = values[-size:]
                    del values[-size:]
                    del stack[-size:]
                else:
                    children = []
                values.append(reduce(children))
                state = states[stack[-1]][origin]
                stack.append(state)
            action = states[state].get(kind)
            if action is None:
                raise _unexpected(tables, token, text)
        state = action
        stack.append(state)
        values.append(token)
        if kind == "LPAR":
            depth += 1
        elif kind == "RPAR":
            depth = max(0, depth - 1)
        if statements:
            yield from statements
            statements.clear()

    # The end of the text: reduce until the start rule is complete.
    end_state = tables.end_state
    while state != end_state:
        action = states[state].get("$END")
        if action is None:
            raise _unexpected(tables, None, text)
        origin, size, reduce = rules[action]
        if reduce is None:
            state = stack[-1] = states[stack[-2]][origin]
        else:
            if size:
                children = values[-size:]
                del values[-size:]
                del stack[-size:]
            else:
                children = []
            values.append(reduce(children))
            state = states[stack[-1]][origin]
            stack.append(state)
        if statements:
            yield from statements
            statements.clear()


_TOKEN_TEXT = {
    "NUMBER": "a number",
    "NAME": "a name",
    "POW": "'**'",
    "MINUS": "'-'",
    "PLUS": "'+'",
    "LPAR": "'('",
    "RPAR": "')'",
    # Wherever a program may end, a statement may end too (the grammar's start
    # rule): one phrase for both.
    "_SEP": "the end of the statement",
    "$END": "the end of the statement",
    "EQUAL": "'='",
    "STAR": "'*'",
    "SLASH": "'/'",
    "COMMA": "','",
}


def _describe(kind: str) -> str:
    return _TOKEN_TEXT.get(kind, kind)


def _unexpected_character(start: int, text: str) -> ParseError:
    char = text[start] if start < len(text) else ""
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}" if char else "end"
    hint = ""
    if char.isdecimal():  # any script's digit but 0-9, which would have been a number
        hint = "numbers are written with the digits 0-9"
    elif char.isalpha():
        hint = "names are written with the letters A-Z and a-z, the digits 0-9 and '_'"
    return ParseError(f"unexpected character {shown}", (start, start + 1), hint)


def _unexpected(tables: _Tables, token: re.Match[str] | None, text: str) -> ParseError:
    """A token the parser cannot take (None: the end of the text), with what it could take there."""
    if token is not None and token.lastgroup is None:
        return _unexpected_character(token.start(), text)
    position = len(text) if token is None else token.start()
    expected = accepted(tables, _stack_at(tables, text, position))
    if token is None:
        start = len(text.rstrip())
        message = "the program ends in the middle of an expression"
        span = (max(0, start - 1), max(1, start))
    else:
        kind: str = token.lastgroup  # type: ignore[assignment]  # a named terminal: checked above
        value = token.group(kind)  # the terminal alone, without the spaces its match took
        start = token.start(kind)
        message = "unexpected end of line" if value == "\n" else f"unexpected {value!r}"
        span = (start, start + max(1, len(value)))
    described = sorted(_describe(kind) for kind in expected)
    hint = "expected " + _or_list(described) if described else ""
    return ParseError(message, span, hint, at_end=token is None, expected=expected)


# ---------------------------------------------------------------- what may come next
#
# The parse table alone overstates what may come next: LALR merges states
# whose items agree, so after `a = 1` the state still lists ')' and ',' from
# the same state inside a call, and only the reductions that follow find out
# that no bracket is open.  `accepted` runs those reductions (on a copy of the
# stack, for each terminal), as Lark's `InteractiveParser.accepts()` does.
# Only an error pays for it: the loop above never builds the stack twice.


def _feed(tables: _Tables, stack: list[int], kind: str) -> bool:
    """Feed one terminal to a stack of states: reduce as the table says, then shift; False if refused.

    `$END` is taken when the reductions reach the end state.
    """
    states, rules = tables.states, tables.rules
    end_state = tables.end_state
    while True:
        state = stack[-1]
        if kind == "$END" and state == end_state:
            return True
        action = states[state].get(kind)
        if action is None:
            return False
        if action >= 0:
            stack.append(action)
            return True
        origin, size = rules[~action][:2]
        if size:
            del stack[-size:]
        stack.append(states[stack[-1]][origin])


def _stack_at(tables: _Tables, text: str, position: int) -> list[int]:
    """The parser's stack of states just before the token at `position`, by parsing `text` again up to it.

    The loop in `parse` has already run the reductions the bad token asked
    for when it finds the token refused, and those cannot be undone; parsing
    again is deterministic and costs only a failing parse, about as much
    again as the parse itself (the loop of `parse`, without callbacks).
    """
    states = tables.states
    sizes = [(origin, size) for origin, size, *_ in tables.rules]
    ignore = tables.ignore
    stack = [tables.start_state]
    depth = 0
    leading = tables.leading_spaces(text)  # start where `parse` starts, so tokens begin at the same places
    for token in tables.tokens(text, leading.end() if leading else 0):
        if token.start() >= position:
            break
        kind = token.lastgroup
        if kind is None or kind in ignore or (depth and kind == "_SEP" and text[token.start()] == "\n"):
            continue
        action = states[stack[-1]].get(kind)
        while action is not None and action < 0:
            origin, size = sizes[~action]
            if size:
                del stack[-size:]
            stack.append(states[stack[-1]][origin])
            action = states[stack[-1]].get(kind)
        if action is None:  # cannot happen before the first error; stop rather than guess
            break
        stack.append(action)
        if kind == "LPAR":
            depth += 1
        elif kind == "RPAR":
            depth = max(0, depth - 1)
    return stack


def accepted(tables: _Tables, stack: list[int]) -> frozenset[str]:
    """The terminals (and `$END`) the parser would take next from `stack`: exactly those."""
    candidates = (tables.terminals - tables.ignore) | {"$END"}
    return frozenset(kind for kind in candidates if _feed(tables, stack.copy(), kind))


def _or_list(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " or " + unique[-1]
