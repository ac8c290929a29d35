"""The parser: Lark's tables run by parse.py's own loop, checked against Lark itself.

The reference is the way parse.py used to work: Lark's LALR parser with its
contextual lexer, the newline filter as a postlexer, and the same rule
callbacks as an inline transformer, driven by `parse_interactive().iter_parse()`.
Every program here must give the same statements, or the same error (message,
span, hint), both ways.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from autodiff_cli.base.errors import ParseError
from autodiff_cli.language import grammar_tables, tables
from autodiff_cli.language.parse import (
    _describe,
    _Emitter,
    _or_list,
    _shape_pattern,
    _Tables,
    _tables,
    _unexpected_character,
    grammar_checksum,
    grammar_text,
    parse,
)
from tests.support import ROOT

# ---------------------------------------------------------------- the reference


def _as_token(token: Token) -> tuple[str, int, int]:
    """A Lark token as the rule callbacks take one: (text, start, end)."""
    return (str(token), token.start_pos, token.end_pos)


def _forward(name: str):
    def callback(self, children):
        children = [_as_token(child) if isinstance(child, Token) else child for child in children]
        return getattr(self.emitter, name)(children)

    return callback


_CALLBACKS = [name for name in vars(_Emitter) if not name.startswith("_")]
_Forward = type("_Forward", (Transformer,), {name: _forward(name) for name in _CALLBACKS})


class _NewlinesInParentheses:
    always_accept = ("_SEP",)

    def process(self, stream):
        depth = 0
        for token in stream:
            if token.type in ("LPAR", "LSQB"):
                depth += 1
            elif token.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            elif token.type == "_SEP" and depth and token == "\n":
                continue
            yield token


_FORWARD = _Forward()
_LARK = Lark(
    grammar_text(),
    parser="lalr",
    lexer="contextual",
    postlex=_NewlinesInParentheses(),
    transformer=_FORWARD,
    maybe_placeholders=False,
)


# The same grammar without callbacks, to ask what may come next (feeding a
# terminal on trial runs reductions, which must not emit code).
_LARK_PLAIN = Lark(
    grammar_text(),
    parser="lalr",
    lexer="contextual",
    postlex=_NewlinesInParentheses(),
    maybe_placeholders=False,
)


def _reference_accepts(text: str, position: int) -> frozenset[str]:
    """What Lark's parser takes after `text[:position]`: `InteractiveParser.accepts()`.

    (`UnexpectedToken.expected` is only the failing state's table row, which
    LALR's merged states make too broad: ')' after `a = 1`.)
    """
    interactive = _LARK_PLAIN.parse_interactive(text[:position])
    for _token in interactive.iter_parse():
        pass
    return frozenset(interactive.accepts())


def _reference_error(error: UnexpectedInput, text: str) -> ParseError:
    if isinstance(error, UnexpectedCharacters):  # where it is: Lark's; how it reads: ours
        return _unexpected_character(error.pos_in_stream, text)
    assert isinstance(error, UnexpectedToken)
    token = error.token
    at_end = token.type == "$END"
    accepts = _reference_accepts(text, len(text) if at_end else token.start_pos)
    expected = sorted(_describe(kind) for kind in accepts)
    if at_end:
        start = len(text.rstrip())
        message = "the program ends in the middle of an expression"
        span = (max(0, start - 1), max(1, start))
    else:
        start = token.start_pos
        shown = "end of line" if token == "\n" else repr(str(token))
        message = f"unexpected {shown}"
        span = (start, start + max(1, len(token)))
    hint = "expected " + _or_list(expected) if expected else ""
    return ParseError(message, span, hint, at_end=at_end, expected=accepts)


def reference(text: str):
    """(statements, error) as Lark's own parser gives them."""
    emitter = _FORWARD.emitter = _Emitter()
    interactive = _LARK.parse_interactive(text)
    try:
        for _token in interactive.iter_parse():
            pass
        interactive.feed_eof()
    except UnexpectedInput as error:
        return emitter._statements, _outcome(_reference_error(error, text))
    return emitter._statements, None


def ours(text: str):
    statements = []
    try:
        for statement in parse(text):
            statements.append(statement)
    except ParseError as error:
        return statements, _outcome(error)
    return statements, None


def _outcome(error: ParseError):
    return (error.message, error.span, error.hint, error.at_end, error.expected)


def assert_same(text: str) -> None:
    expected_statements, expected_error = reference(text)
    statements, error = ours(text)
    assert error == expected_error
    if expected_error is None:
        assert statements == expected_statements
    else:  # ours may hand out the statement a bad token completes before raising
        assert statements[: len(expected_statements)] == expected_statements


# ---------------------------------------------------------------- cases

CASES = {
    "empty": "",
    "blank-lines-and-separators": "\n;;\n a = 1 ;; \n\n b = a ;\n",
    "assign-and-bare": "a = 1\na * 2",
    "precedence": "a = 2; b = -a**2 + 3*a/4 - +a ^ -1 ^ 2",
    "negative-literals": "x = -2; y = --2; z = -(2); w = - 2.5e-3; v = -x",
    "numbers": "a = 1. + .5 + 1e3 + 1.5E+2 + 007 + 2e-1",
    "calls": "a = 1; b = max(a, 2); c = exp(a); d = f(); e = g(a,\n b,\n c)",
    "newline-in-parentheses": "a = (1 +\n 2\n) * 3\nb = a",
    "comments": "# header\na = 1 # one\n# (\nb = a # )\n",
    "carriage-returns-and-tabs": "a\t=\t1\r\nb = a\r\n",
    "unclosed-parenthesis": "x = (1 + 2",
    "unclosed-call": "x = max(1,",
    "stray-close": "x = 1)",
    "bad-character": "x = 1 $ 2",
    "non-printable": "x = 1 \x01",
    "nul": "x = \x00",
    "unicode-letter": "é = 1",
    "arabic-indic-digit": "a = \u0663",
    "fullwidth-and-arabic-digits": "\uff11\u0663.5e\u0661",
    "digit-after-ascii-digits": "a = 1\u0663",
    "digit-in-a-name": "a\u0663 = 1",
    "dangling-operator": "x = 1 +",
    "double-equals": "x = = 1",
    "assign-to-expression": "1 = x",
    "semicolon-in-parentheses": "x = (1; 2)",
    "comma-outside-call": "x = 1, 2",
    "empty-parentheses": "x = ()",
    "operator-after-power": "x = 2 ** * 3",
    "star-star-star": "x = 2 *** 3",
    "trailing-dot": "x = 1..2",
    "number-then-name": "x = 1e",
    "name-then-parenthesis-call": "x = (a)(b)",
    "newline-after-equals": "x =\n1",
    "only-operator": "*",
    "only-comment": "# nothing",
    "error-after-statements": "a = 1\nb = 2\nc = (",
    "definition": "f(x, y) = x * y\nf(1, 2)",
    "definition-without-parameters": "f() = 1; f()",
    "definition-with-an-expression-parameter": "f(x + 1, -y, 2) = 2",
    "definition-unclosed": "f(x = 1",
    "definition-without-body": "f(x) =",
    "definition-of-a-call-result": "f(x)(y) = 1",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_same_as_lark(text: str) -> None:
    assert_same(text)


_LEXEMES = [
    "a", "b1", "_x", "max", "exp", "1", "2.5", ".5", "1e3", "1e", "1.", "0",
    "+", "-", "*", "/", "**", "^", "(", ")", "[", "]", ",", "=", ";", "\n", " ", "\t", "\r",
    "#c\n", "# (\n", "$", ".", "é", "\x00", "!", "\u0663", "\uff11",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LEXEMES), max_size=25))
def test_same_as_lark_on_token_soup(lexemes: list[str]) -> None:
    assert_same("".join(lexemes))


_expressions = st.recursive(
    st.sampled_from(["a", "b", "2", "0.5", "1e-3", "max(a, b)", "tanh(a)"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" + ", "-", " * ", "/", "**", " ^ "]), inner).map("".join),
        inner.map(lambda e: "-" + e),
        inner.map(lambda e: "+" + e),
        inner.map(lambda e: "(" + e + ")"),
        inner.map(lambda e: "(\n" + e + "\n)"),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["", "c = ", "a = "]), _expressions).map("".join), max_size=5),
    st.sampled_from(["\n", ";", "; \n"]),
)
def test_same_as_lark_on_programs(statements: list[str], separator: str) -> None:
    assert_same_under_every_threshold("a = 1; b = 2" + separator + separator.join(statements))


# ---------------------------------------------------------------- repeated shapes
#
# parse.py runs the tables once per shape of statement (the stack before it,
# the kinds of its tokens) and replays the callbacks for the next statements
# of that shape, reading those with one pattern per shape once it is met a
# few times. These programs repeat their statements, so most of them go the
# replayed way, under the thresholds parse.py uses and under others that
# make every way happen in a short program.

_THRESHOLDS = {
    "as-shipped": {},
    # a pattern for a shape met twice, at once
    "eager": {"_HOT_AFTER": 2, "_SEGMENTS_PER_PATTERN": 0, "_MOST_TRIED": 2},
    # give up on shapes after three segments and read the rest in one pass (`_Run.stream`)
    "sparing": {"_TRIAL": 3, "_WORTH": 0, "_MOST_REMEMBERED": 4, "_LONGEST_REMEMBERED": 9},
}


def assert_same_under_every_threshold(text: str) -> None:
    from contextlib import nullcontext
    from unittest import mock

    from autodiff_cli.language import parse as parse_module

    for name, values in _THRESHOLDS.items():
        with mock.patch.multiple(parse_module, **values) if values else nullcontext():
            try:
                assert_same(text)
            except AssertionError as error:
                raise AssertionError(f"with the {name} thresholds") from error


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["", "c = ", "a = ", "f(x) = "]), _expressions).map("".join), min_size=1, max_size=4),
    st.integers(min_value=2, max_value=6),
    st.sampled_from(["\n", ";", "; \n", "\n\n", " # note\n"]),
    st.sampled_from(["", "\n", "x = (", "y = 1 +", "z = $", "w = 1)", "a = (1\n;2)"]),
)
def test_same_as_lark_on_repeated_statements(statements: list[str], times: int, separator: str, tail: str) -> None:
    assert_same_under_every_threshold("a = 1; b = 2" + separator + separator.join(statements * times) + separator + tail)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_LEXEMES), min_size=1, max_size=12), st.integers(min_value=3, max_value=5))
def test_same_as_lark_on_repeated_token_soup(lexemes: list[str], times: int) -> None:
    soup = "".join(lexemes)
    assert_same_under_every_threshold(";".join([soup] * times) + "\n" + "\n".join([soup] * times))


@pytest.mark.parametrize("shape", ["chain", "wide", "dag"])
def test_same_as_lark_on_benchmark_programs(shape: str) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    text = generate.program_text(shape, 400)
    assert_same_under_every_threshold(text)
    assert_same_under_every_threshold(text.replace("\n", ";", 200))


_KINDS = [kind for kind, _ in grammar_tables.TERMINALS if kind not in grammar_tables.IGNORE]


def _lexed(text: str) -> list[tuple[str | None, int, int]]:
    """The lexer's tokens, ignored ones included: (kind, start, end)."""
    return [(match.lastgroup, match.start(), match.end()) for match in _tables().tokens(text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LEXEMES), min_size=1, max_size=12), st.lists(st.sampled_from(_KINDS), min_size=1, max_size=6))
def test_a_shape_pattern_matches_where_the_lexer_reads_that_shape(lexemes: list[str], other: list[str]) -> None:
    """A shape's pattern matches exactly where the lexer gives those kinds, end to end, and its tokens."""
    text = "".join(lexemes)
    tokens = _lexed(text)
    for kinds in (tuple(kind for kind, _, _ in tokens), tuple(other)):
        if None in kinds:
            continue
        match, groups = _shape_pattern(kinds)
        found = match(text, 0)
        lexed = tokens[: len(kinds)]
        if [kind for kind, _, _ in lexed] == list(kinds):
            assert found is not None
            assert [found.span(group) for group in groups] == [(start, end) for _, start, end in lexed]
        else:
            assert found is None


# ---------------------------------------------------------------- the tables


def test_generated_tables_match_the_grammar() -> None:
    """grammar_tables.py is what `python -m autodiff_cli.language.tables` makes from the grammar today."""
    assert tables.GENERATED.read_text(encoding="utf-8") == tables.render(grammar_text())
    assert grammar_checksum(grammar_text()) == grammar_tables.CHECKSUM


def test_tables_built_by_lark_parse_the_same() -> None:
    """The path taken when the grammar is newer than grammar_tables.py."""
    built = _Tables(tables.build(grammar_text()))
    committed = _Tables(grammar_tables)
    assert built.states == committed.states and built.rules == committed.rules


def test_one_lexer_gives_the_tokens_of_lark_contextual_lexer() -> None:
    """The loop lexes with one regex where Lark lexes with one per parser state.

    That is the same as long as no state's lexer would pick a shorter
    terminal than the full lexer (`*` where `**` is meant): check every
    state Lark lexes in, on text that starts with each kind of token.
    """
    from lark.lexer import LexerState, TextSlice

    lexer = _LARK.parser.lexer.lexer  # under the postlexer connector
    table = _LARK.parser.parser.parser.parse_table
    # Lark lexes the next token in the state the last shift of a token led to
    # (never in one a rule's reduction led to) or in the start state.
    lexing_states = set(table.start_states.values())
    for actions in table.states.values():
        lexing_states |= {state for symbol, (action, state) in actions.items() if symbol.isupper() and action.name == "Shift"}
    samples = [lexeme for lexeme in _LEXEMES if lexeme.strip()] + ["**2", "^-", "1e5x", "12.5.3", "ab(c"]
    for sample in samples:
        root = _first_token(lexer.root_lexer, sample, LexerState, TextSlice)
        for state in lexing_states:
            state_lexer = lexer.lexers[state]
            token = _first_token(state_lexer, sample, LexerState, TextSlice)
            assert token is None or token == root, (sample, token, root)


def _first_token(lexer, text, LexerState, TextSlice):
    try:
        token = lexer.next_token(LexerState(TextSlice.cast_from(text)))
    except Exception:  # no terminal of this state matches here
        return None
    return (token.type, str(token))


# ---------------------------------------------------------------- the loop


def test_statements_stream_before_a_later_syntax_error() -> None:
    statements = parse("a = 1\nb = 2\nc = (")
    assert next(statements).target == "a"
    assert next(statements).target == "b"
    with pytest.raises(ParseError, match="ends in the middle"):
        next(statements)


def test_two_parses_at_once() -> None:
    first, second = parse("a = 1\nb = a"), parse("x = 2\ny = x * x")
    assert [next(first).target, next(second).target, next(first).target, next(second).target] == ["a", "x", "b", "y"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x = " + "(" * 100_000 + "1" + ")" * 100_000, id="nested-parentheses"),
        pytest.param("x = " + "(\n" * 100_000 + "1" + "\n)" * 100_000, id="nested-parentheses-over-lines"),
        pytest.param("x = " + "-" * 100_001 + "1", id="unary-minus"),
        pytest.param("x = 1" + " + 1" * 100_000, id="long-sum"),
        pytest.param("x = 2" + " ** 1" * 100_000, id="right-associative-power"),
    ],
)
def test_deep_programs_do_not_recurse(text: str) -> None:
    (statement,) = parse(text)
    assert statement.span == (0, len(text.rstrip()))


def test_spans_point_at_the_source() -> None:
    text = "a = 1\nb = max(a, 2) * -a"
    (_, statement) = parse(text)
    for instruction in statement.code:
        start, end = instruction[3:5] if instruction[0] == "call" else instruction[2:4]
        assert text[start:end] in {"a", "2", "max(a, 2)", "-a", "max(a, 2) * -a"}
    assert text[slice(*statement.span)] == "b = max(a, 2) * -a"
    assert text[slice(*statement.target_span)] == "b"


# ---------------------------------------------------------------- hints

# A text for each terminal a hint may name, to put where the error was.
_SAMPLE = {
    "NUMBER": "1", "NAME": "a", "POW": "**", "MINUS": "-", "PLUS": "+", "STAR": "*", "SLASH": "/",
    "LPAR": "(", "RPAR": ")", "LSQB": "[", "RSQB": "]", "COMMA": ",", "EQUAL": "=", "_SEP": ";",
}  # fmt: skip


def _first_error(text: str) -> ParseError | None:
    try:
        for _statement in parse(text):
            pass
    except ParseError as error:
        return error
    return None


def test_every_terminal_has_a_sample() -> None:
    assert set(_SAMPLE) == set(_Tables(grammar_tables).terminals) - set(grammar_tables.IGNORE)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LEXEMES), max_size=25))
def test_every_hinted_token_gets_the_parse_past_the_error(lexemes: list[str]) -> None:
    """Whatever a hint offers, put at the error's place, is taken: the parse fails later or not at all."""
    text = "".join(lexemes)
    error = _first_error(text)
    if error is None or error.span is None or not error.expected:
        return
    place = len(text) if error.at_end else error.span[0]
    for kind in error.expected:
        if kind == "$END":
            assert _first_error(text[:place]) is None, (text[:place], error.hint)
            continue
        patched = text[:place] + " " + _SAMPLE[kind] + " " + text[place:]
        later = _first_error(patched)
        # No error, or one after the inserted token (the end of the text counts as after it).
        assert later is None or later.at_end or later.span[0] > place + 1, (patched, kind, later.message)
