"""Text to statements, with Lark's LALR tables for grammar/autodiff.lark run by a loop of our own.

Lark turns the grammar into a lexer (terminals in the order it tries them)
and an LALR parse table; tables.py copies them out as plain data into
grammar_tables.py, so that parsing needs neither Lark's import nor its
grammar loader at start-up. The loop below is Lark's LALR loop
(lark/parsers/lalr_parser_state.py) fed by one compiled regex over the whole
text: it makes the same shifts, reductions and errors (tests/language/test_parse.py
checks them against Lark's own parser) at ~1.75 µs a token, against ~5.7 µs
for `parse_interactive().iter_parse()`, ~7 µs for Lark's one-shot `parse()`
with its basic lexer and ~4.6 µs with lark-cython (which also cannot take a
postlexer). Lark's contextual lexer gives the same tokens as the one regex
for this grammar; the tests check that too.

Each reduction calls the rule's callback, as Lark's inline transformer
would: the callbacks append postfix instructions to the statement being
read, so no tree is built and nothing here recurses, however deep the
nesting. Statements come out one at a time, as soon as each is complete.

Programs repeat a few shapes of statement over and over, so the loop runs
once per shape and later statements of that shape replay what it did (see
"the loop" below): on the benchmark programs that halves the time of
parsing. A program that hardly repeats itself is read in one pass once that
is clear (after 1,024 statements): 30,000 random expression trees parse in
about the time they took before shapes were replayed (0.9-1.45x, median 1.16x).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterator, Sequence

from ..base.errors import ParseError
from ..base.typing_lite import Any, NamedTuple
from .grammar import grammar_checksum, grammar_text

# An instruction is a tuple whose first item says what it is:
#   ("number", text, start, end)        a literal; text may carry a leading "-"
#   ("name", name, start, end)          a name to look up
#   ("operator", name, start, end, operand_spans)
#   ("call", name, argument_count, start, end, operand_spans)
#   ("vector", element_count, start, end, element_spans)   `[a, b]`: the elements' code comes first
#   ("index", digits, start, end, (operand_span, digits_span))  `v[0]`: after the operand's code
Instruction = tuple[Any, ...]
Span = tuple[int, int]
#: A token as the rule callbacks see it: (text, start, end).
Token = tuple[str, int, int]


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


# ---------------------------------------------------------------- callbacks


def _binary(name: str) -> Callable[[Any, Sequence[Any]], Span]:
    """The callback of a binary operator's rule: its instruction, after both operands' code.

    One function per operator, made here rather than a shared method that
    five would call: callbacks run once an operator, in parsing's hot loop.
    """

    def rule(self: Any, children: Sequence[Any]) -> Span:
        left, right = children[0], children[-1]
        self._code.append(("operator", name, left[0], right[1], (left, right)))
        return (left[0], right[1])

    rule.__name__ = rule.__qualname__ = name
    return rule


class _Emitter:
    """The rule callbacks: they emit postfix code and return spans.

    Named after the rules (or their `-> alias`) of the grammar, and called with
    a rule's children filtered as Lark's tree builder filters them. A token is
    a `Token`: its text (with any spaces the lexer let it take) and where it
    starts and ends. One emitter per parse.
    """

    def __init__(self) -> None:
        self._code: list[Instruction] = []
        self._statements: list[Statement] = []

    # -- statements
    def assign(self, children: Sequence[Any]) -> None:
        name, span = children
        self._statements.append(_statement((name[0], name[1:], self._code, (name[1], span[1]), None)))
        self._code = []

    def bare(self, children: Sequence[Any]) -> None:
        self._statements.append(_statement((None, None, self._code, children[0], None)))
        self._code = []

    def define(self, children: Sequence[Any]) -> None:
        (name, start, end), *arguments, _rpar, body = children
        spans = arguments[0] if arguments else []
        code = self._code
        # The parameters were read as a call's arguments: their code comes
        # first, one instruction for a plain name, more for anything else.
        parameters = []
        index = 0
        for first_start, last_end in spans:
            first = index
            while (
                index < len(code)
                and _instruction_span(code[index])[0] >= first_start
                and _instruction_span(code[index])[1] <= last_end
            ):
                index += 1
            plain = index - first == 1 and code[first][0] == "name"
            parameters.append(Parameter(code[first][1] if plain else None, (first_start, last_end)))
        self._statements.append(Statement(name, (start, end), code[index:], (start, body[1]), tuple(parameters)))
        self._code = []

    # -- expressions: each returns its span
    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    pow = _binary("pow")  # its children keep the operator token between the operands

    def neg(self, children: Sequence[Any]) -> Span:
        minus, operand = children
        span = (minus[1], operand[1])
        code = self._code
        last = code[-1]
        if last[0] == "number" and (last[2], last[3]) == operand:
            # -2 is the literal -2, not an operation on the literal 2.
            text = last[1][1:] if last[1].startswith("-") else "-" + last[1]
            code[-1] = ("number", text, span[0], span[1])
        else:
            code.append(("operator", "neg", span[0], span[1], (operand,)))
        return span

    def pos(self, children: Sequence[Any]) -> Span:
        plus, operand = children
        return (plus[1], operand[1])

    def number(self, children: Sequence[Any]) -> Span:
        token = children[0]
        self._code.append(("number",) + token)
        return token[1:]  # type: ignore[no-any-return]

    def name(self, children: Sequence[Any]) -> Span:
        token = children[0]
        self._code.append(("name",) + token)
        return token[1:]  # type: ignore[no-any-return]

    def call(self, children: Sequence[Any]) -> Span:
        name, *arguments, rpar = children
        spans = tuple(arguments[0]) if arguments else ()
        self._code.append(("call", name[0], len(spans), name[1], rpar[2], spans))
        return (name[1], rpar[2])

    def arguments(self, children: Sequence[Any]) -> list[Span]:
        return list(children)

    def vector(self, children: Sequence[Any]) -> Span:
        lsqb, elements, rsqb = children
        self._code.append(("vector", len(elements), lsqb[1], rsqb[2], tuple(elements)))
        return (lsqb[1], rsqb[2])

    def index(self, children: Sequence[Any]) -> Span:
        operand, _, number, rsqb = children
        self._code.append(("index", number[0].strip(), operand[0], rsqb[2], (operand, number[1:])))
        return (operand[0], rsqb[2])

    def group(self, children: Sequence[Any]) -> Span:
        lpar, _, rpar = children
        return (lpar[1], rpar[2])


#: Statement(*fields) without the Python-level `__new__` of a NamedTuple (the fields in order, all five).
_statement = functools.partial(tuple.__new__, Statement)


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

Reducer = Callable[[Sequence[Any]], Any]
Picker = Callable[[list[Any]], Sequence[Any]]
#: (what makes the value, what takes its children out of the rule's, their positions among the rule's)
Make = tuple[Reducer, Picker, tuple[int, ...]]
#: What a reduction does: see `_Tables.steps`.
Step = tuple[str, int, "Make | None"]
_DISCARD: Make = (lambda children: None, lambda children: (), ())  # told apart by identity


class _Tables:
    """The grammar's lexer and LALR tables, ready for the loop in `parse`."""

    def __init__(self, tables: Any) -> None:
        names = [name for name, _ in tables.TERMINALS]
        self.ignore = frozenset(tables.IGNORE)
        self.tokens = re.compile(_token_pattern(tables.TERMINALS, self.ignore)).finditer
        self.leading_spaces = re.compile(f"(?:{_spaces(tables.TERMINALS, self.ignore) or '(?!)'})?").match
        self.terminals = frozenset(names)
        self.terminals_in_order: tuple[tuple[str, str], ...] = tables.TERMINALS
        self.states: list[dict[str, int]] = list(tables.STATES)
        self.rules: tuple[tuple[str, int, str, bool, Any], ...] = tables.RULES
        self.start_state: int = tables.START_STATE
        self.end_state: int = tables.END_STATE

    def steps(self, emitter: _Emitter) -> list[Step]:
        """Per rule: (the rule's name, how many symbols it pops, what its reduction does to the values).

        The last item is None for a rule that passes its one child through
        (`?sum: product`): the loop then only changes state. It is `_DISCARD`
        for the start rule and the helper rules Lark made for it: their value
        would be the tree of the whole program, which nothing reads, and they
        are the only rules whose children reach back before the statement
        being read (see `_Run`). Otherwise it is a `Make`.
        """
        result: list[Step] = []
        for origin, size, callback_name, expand_single, include in self.rules:
            if origin == "start" or origin.startswith("__start_"):
                result.append((origin, size, _DISCARD))
                continue
            if expand_single and size == 1 and include is None:
                result.append((origin, size, None))
                continue
            callback = getattr(emitter, callback_name, None)
            if callback is not None and not expand_single and not (include and any(splice for _, splice in include)):
                # Our own callback, with the children Lark's filter keeps: no wrapper.
                kept = tuple(range(size)) if include is None else tuple(index for index, _ in include)
                result.append((origin, size, (callback, _picker(kept), kept)))
                continue
            if callback is None:
                callback = functools.partial(_Tree, callback_name)
            everything = tuple(range(size))
            result.append((origin, size, (_reducer(callback, expand_single, include), _picker(everything), everything)))
        return result


#: Terminals whose match also takes the spaces around them, so the loop sees
#: fewer tokens (a whitespace token is a whole turn of it). A match starts
#: with spaces only after a name, a number or ")" (every other terminal takes
#: the spaces after it, and `parse` starts after the text's leading ones), so
#: only operators that are binary there take spaces before them; an error
#: reads the terminal's own group. Names, numbers and ")" take none.
_SPACES_AROUND = frozenset({"STAR", "SLASH", "POW", "EQUAL", "COMMA", "PLUS", "MINUS"})
_SPACES_AFTER = frozenset({"LPAR", "LSQB", "_SEP"})


def _spaces(terminals: tuple[tuple[str, str], ...], ignore: frozenset[str]) -> str:
    """The ignored terminals that match a space, as one alternation ("" if none)."""
    return "|".join(pattern for name, pattern in terminals if name in ignore and re.fullmatch(pattern, " "))


def _token_pattern(terminals: tuple[tuple[str, str], ...], ignore: frozenset[str], only: tuple[str, str] | None = None) -> str:
    """Lark's terminals, in the order its lexer tries them at each position, as one alternation.

    A last, unnamed alternative matches any other character, so a token with
    no name is an unexpected character. The operators that take spaces stand
    together, at the place of the first of them, behind one optional run of
    spaces (no two terminals of the grammar start with the same character,
    but for `**` before `*`, whose order stays); the ignored whitespace is
    tried last, where nothing else matches. Each group is named after its
    terminal; given `only` (a terminal, a name), that terminal's group alone
    captures, under that name.
    """

    def group(name: str, pattern: str) -> str:
        if only is None:
            return f"(?P<{name}>{pattern})"
        return f"(?P<{only[1]}>{pattern})" if name == only[0] else f"(?:{pattern})"

    spaces = _spaces(terminals, ignore)
    if not spaces:
        return "|".join([*(group(name, pattern) for name, pattern in terminals), "(?s:.)"])
    around = f"(?:{spaces})?"
    alternatives: list[str] = []
    last: list[str] = []
    spaced: list[str] = []
    for name, pattern in terminals:
        if name in ignore and re.fullmatch(pattern, " "):
            last.append(group(name, pattern))
        elif name in _SPACES_AROUND:
            if not spaced:
                alternatives.append("")  # the operators' place, filled below
                spaced_at = len(alternatives) - 1
            spaced.append(group(name, pattern))
        elif name in _SPACES_AFTER:
            alternatives.append(group(name, pattern) + around)
        else:
            alternatives.append(group(name, pattern))
    if spaced:
        alternatives[spaced_at] = f"{around}(?:{'|'.join(spaced)}){around}"
    return "|".join([*alternatives, *last, "(?s:.)"])


def _reducer(callback: Reducer, expand_single: bool, include: Any) -> Reducer:
    """The callback behind Lark's child filter (lark/parse_tree_builder.py, LALR without placeholders).

    Only for the rules `_Tables.steps` cannot hand straight to a callback: the
    ones that splice a helper rule's children in (`arguments`), and the
    helper rules themselves, whose value is a `_Tree` holding a list.
    """

    def reduce(children: Sequence[Any]) -> Any:
        if include is None:
            kept = list(children)
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
#
# The text is read a segment at a time: the tokens up to a separator outside
# parentheses (which ends it), that is one statement or a blank one. The
# parser's stack between segments holds only the start rule's symbols, a
# few states. The LALR loop's choices read nothing but the states on the
# stack and the kinds of the tokens, so from the same stack the same kinds
# of token make it take the same steps and call the same callbacks on the
# tokens and values at the same places. `parse` runs the loop for the first
# segment of each shape (stack, kinds of token) only and remembers what it
# did (`_Shape`): which callbacks, on which of the segment's tokens and
# earlier values, and the stack it left. A later segment of that shape calls
# those callbacks on its own tokens, skipping the tables; the callbacks
# themselves run as always (`neg` still looks at what it negates). A shape
# met often also gets a regular expression that reads a whole segment of it
# in one match (`_shape_pattern`), so the lexer's per-token loop is skipped
# too. A segment of a new shape, and any error, goes through the loop, so
# errors come out as they always did.

#: A longer segment is parsed but not remembered (deep nesting is one of a kind).
_LONGEST_REMEMBERED = 256
#: At most this many shapes remembered per parse, to bound memory on a program that never repeats itself.
_MOST_REMEMBERED = 1024
#: A shape met this many times gets its pattern, if the parse has read `_SEGMENTS_PER_PATTERN` segments
#: for each pattern it has (compiling one costs as much as reading a few hundred segments the slow way,
#: so a program of many shapes, or a small one, gets few or none).
_HOT_AFTER = 16
_SEGMENTS_PER_PATTERN = 512
#: The longest segment given a pattern, and how many patterns are tried at a segment's start.
_LONGEST_PATTERN = 64
_MOST_TRIED = 6
#: After this many segments, a parse that has replayed fewer than one token in `_WORTH` reads the
#: rest of the text in one pass (`_Run.stream`): a program that hardly repeats itself (its short
#: statements may, its long ones do not) would pay for reading each statement twice (its segment,
#: then the loop) and gain little.
_TRIAL = 1024
_WORTH = 4

Op = tuple[Reducer, "Picker"]


class _Shape:
    """What the LALR loop did for one shape of segment, to do again on the next one."""

    __slots__ = ("kinds", "written", "program", "after", "seen", "pattern", "groups")

    def __init__(
        self, kinds: tuple[str | None, ...], written: list[tuple[Reducer, tuple[int | None, ...]]], after: tuple[int, ...]
    ) -> None:
        self.kinds = kinds
        self.written = written  # each callback and the registers it takes, as `_Run` wrote them down
        self.program: list[Op] | None = None  # the same, ready to run: made when first needed (most shapes never are)
        self.after = after  # the stack it leaves
        self.seen = 1
        self.pattern: Callable[[str, int], re.Match[str] | None] | None = None
        self.groups: tuple[int, ...] = ()  # the pattern's group of each token


def parse(text: str) -> Iterator[Statement]:
    """Yield the statements of `text` one by one; raise ParseError at the first bad token."""
    tables = _tables()
    emitter = _Emitter()
    # A reduce action is ~rule (-1 for rule 0, -2 for rule 1, ...): indexing
    # the reversed list with it finds the rule without computing ~action.
    steps = tables.steps(emitter)[::-1]
    statements = emitter._statements
    known: dict[tuple[tuple[int, ...], tuple[str | None, ...]], _Shape] = {}
    hot: dict[tuple[int, ...], list[_Shape]] = {}  # per stack: the shapes with a pattern, last matched first
    boundary: tuple[int, ...] = (tables.start_state,)  # the stack between segments
    segments = patterns = tokens = replayed = 0  # replayed: the tokens of the segments replayed
    leading = tables.leading_spaces(text)  # matches always, perhaps nothing
    position = leading.end() if leading else 0
    end = len(text)

    while position < end:
        if segments >= _TRIAL and replayed * _WORTH < tokens:  # the program hardly repeats itself
            run = _Run(tables, steps, boundary, [], text, record=False)
            for _ in run.stream(position):
                yield from statements
                statements.clear()
            run.end()
            yield from statements
            return
        shape: _Shape | None = None
        match = None
        candidates = hot.get(boundary)
        if candidates:
            for shape in candidates:
                match = shape.pattern(text, position)  # type: ignore[misc]
                if match is not None:
                    break
        if match is not None:
            assert shape is not None
            if candidates[0] is not shape:  # type: ignore[index]
                candidates.remove(shape)  # type: ignore[union-attr]
                candidates.insert(0, shape)  # type: ignore[union-attr]
            groups = shape.groups
            registers: list[Any] = list(zip(match.group(*groups), map(match.start, groups), map(match.end, groups)))
            for make, pick in shape.program:  # type: ignore[union-attr]  # a shape with a pattern has run
                registers.append(make(pick(registers)))
            boundary = shape.after
            position = match.end()
            tokens += len(groups)
            replayed += len(groups)
        else:
            matches, kinds, complete = _segment(tables, text, position)
            if not complete:
                break
            position = matches[-1].end()
            tokens += len(kinds)
            kinds_key = tuple(kinds)
            shape = known.get((boundary, kinds_key))
            if shape is None:
                record = len(kinds) <= _LONGEST_REMEMBERED and len(known) < _MOST_REMEMBERED
                run = _Run(tables, steps, boundary, matches, text, record)
                run.feed(kinds)
                after = tuple(run.stack)
                if run.program is not None:
                    known[boundary, kinds_key] = _Shape(kinds_key, run.program, after)
                boundary = after
            else:
                if shape.program is None:
                    shape.program = [(make, _picker(taken)) for make, taken in shape.written]
                registers = _tokens(matches)
                for make, pick in shape.program:
                    registers.append(make(pick(registers)))
                replayed += len(kinds)
                shape.seen += 1
                if (
                    shape.seen >= _HOT_AFTER
                    and shape.pattern is None
                    and segments >= _SEGMENTS_PER_PATTERN * (patterns + 1)
                    and 1 < len(kinds) <= _LONGEST_PATTERN  # (`group` of one group gives a str, not a tuple)
                ):
                    tried = hot.setdefault(boundary, [])
                    if len(tried) < _MOST_TRIED:
                        shape.pattern, shape.groups = _shape_pattern(kinds_key)
                        patterns += 1
                        tried.append(shape)
                boundary = shape.after
        segments += 1
        if statements:
            yield from statements
            statements.clear()
    else:
        matches, kinds = [], []

    run = _Run(tables, steps, boundary, matches, text, record=False)
    run.feed(kinds)
    run.end()
    yield from statements


def _segment(tables: _Tables, text: str, position: int) -> tuple[list[re.Match[str]], list[str | None], bool]:
    """The tokens of the segment at `position` and their kinds (None: a character no terminal matches).

    The last item says whether the segment is complete: False when the text
    ends before its separator.
    """
    matches: list[re.Match[str]] = []
    kinds: list[str | None] = []
    ignore = tables.ignore
    depth = 0  # open parentheses: a newline inside them continues the expression
    for token in tables.tokens(text, position):
        kind = token.lastgroup
        if kind == "_SEP":
            if depth:
                if text[token.start()] == "\n":
                    continue
            else:
                matches.append(token)
                kinds.append(kind)
                return matches, kinds, True
        elif kind in ignore:
            continue
        elif kind == "LPAR" or kind == "LSQB":
            depth += 1
        elif kind == "RPAR" or kind == "RSQB":
            depth = max(0, depth - 1)
        matches.append(token)
        kinds.append(kind)
    return matches, kinds, False


def _tokens(matches: list[re.Match[str]]) -> list[Any]:
    """The lexer's matches as the callbacks' tokens."""
    return list(zip(map(re.Match.group, matches), map(re.Match.start, matches), map(re.Match.end, matches)))


@functools.lru_cache(maxsize=256)
def _shape_pattern(kinds: tuple[str | None, ...]) -> tuple[Callable[[str, int], re.Match[str] | None], tuple[int, ...]]:
    """A pattern that matches where the lexer would read exactly these kinds of token, end to end.

    At each token it is the lexer's own pattern in an atomic group (so it
    takes the match the lexer takes there and no other), followed by a check
    that the lexer's choice was the expected kind (the only group kept). So
    it matches exactly where the lexer gives those tokens with nothing
    ignored between them, and its group `t<i>` is token i's match.
    Returns the pattern's `match` and the number of each token's group.
    """
    tables = _tables()
    parts = []
    for index, kind in enumerate(kinds):
        assert kind is not None  # a segment with a bad character is never remembered
        lexer = _token_pattern(tables.terminals_in_order, tables.ignore, (kind, f"k{index}"))
        parts.append(f"(?P<t{index}>(?>{lexer}))(?(k{index})|(?!))")
    pattern = re.compile("".join(parts))
    return pattern.match, tuple(pattern.groupindex[f"t{index}"] for index in range(len(kinds)))


class _Run:
    """Lark's LALR loop over one segment, from the stack the last one left, perhaps writing down what it computes.

    `values` holds the value of each symbol on the stack (None for one
    nobody reads: the start rule's symbols', which alone reach back before
    the segment). When `program` is a list, the loop also writes there what
    each callback took, as registers: the segment's tokens are registers 0,
    1, ..., and each callback's value the next one. `ids` holds the register
    of each value on the stack.
    """

    def __init__(
        self,
        tables: _Tables,
        steps: list[Step],
        boundary: tuple[int, ...],
        matches: list[re.Match[str]],
        text: str,
        record: bool,
    ) -> None:
        self.tables = tables
        self.steps = steps
        self.text = text
        self.stack = list(boundary)
        self.values: list[Any] = [None] * (len(boundary) - 1)
        self.matches = matches  # the lexer's, for an error message
        self.tokens = _tokens(matches)
        #: what a later segment of the same shape does: each callback and the registers it takes
        self.program: list[tuple[Reducer, tuple[int | None, ...]]] | None = [] if record else None
        self.ids: list[int | None] = [None] * (len(boundary) - 1)  # kept only when writing the program down

    def feed(self, kinds: list[str | None]) -> None:
        """Shift the segment's tokens, with the reductions each asks for; raise ParseError at a refused one."""
        stack, values, tokens = self.stack, self.values, self.tokens
        ids = self.ids if self.program is not None else None
        for index, kind in enumerate(kinds):
            action = self.reductions(kind)
            if action is None:
                raise _unexpected(self.tables, self.matches[index], self.text)
            stack.append(action)
            values.append(tokens[index])
            if ids is not None:
                ids.append(index)

    def stream(self, position: int) -> Iterator[None]:
        """The rest of the text from `position` in one pass, lexed as it is parsed; a yield after each separator.

        For a program that hardly repeats itself: nothing is written down, and
        no token is read twice.
        """
        tables, text, stack, values, steps = self.tables, self.text, self.stack, self.values, self.steps
        states, ignore = tables.states, tables.ignore
        depth = 0  # open parentheses: a newline inside them continues the expression
        for token in tables.tokens(text, position):
            kind = token.lastgroup
            if kind == "_SEP":
                if depth and text[token.start()] == "\n":
                    continue
            elif kind in ignore:
                continue
            elif kind == "LPAR" or kind == "LSQB":
                depth += 1
            elif kind == "RPAR" or kind == "RSQB":
                depth = max(0, depth - 1)
            # `reductions`, inline: a call a token was a third of the time here.
            action = states[stack[-1]].get(kind)  # type: ignore[arg-type]  # None (a bad character) is in no row
            while action is not None and action < 0:
                origin, size, how = steps[action]
                if how is None:
                    stack[-1] = states[stack[-2]][origin]
                elif how is not _DISCARD and size:
                    children = values[-size:]
                    del values[-size:], stack[-size:]
                    values.append(how[0](how[1](children)))
                    stack.append(states[stack[-1]][origin])
                else:
                    self.reduce(action)
                action = states[stack[-1]].get(kind)  # type: ignore[arg-type]
            if action is None:
                raise _unexpected(tables, token, text)
            stack.append(action)
            values.append((token.group(), token.start(), token.end()))
            if kind == "_SEP":
                yield

    def reductions(self, kind: str | None) -> int | None:
        """Make the reductions a token of `kind` asks for; then the shift it takes (None: refused)."""
        states, stack, values, steps = self.tables.states, self.stack, self.values, self.steps
        writing = self.program is not None
        action = states[stack[-1]].get(kind)  # type: ignore[arg-type]  # None (a bad character) is in no row
        while action is not None and action < 0:
            origin, size, how = steps[action]
            if how is None:  # a pass-through (`?sum: product`): only the state changes
                stack[-1] = states[stack[-2]][origin]
            elif not writing and how is not _DISCARD and size:
                # `reduce` inline, without writing anything down: a program that hardly repeats itself
                # spends its time here.
                children = values[-size:]
                del values[-size:], stack[-size:]
                values.append(how[0](how[1](children)))
                stack.append(states[stack[-1]][origin])
            else:
                self.reduce(action)
            action = states[stack[-1]].get(kind)  # type: ignore[arg-type]
        return action

    def end(self) -> None:
        """The end of the text: reduce until the start rule is complete."""
        states, stack, end_state = self.tables.states, self.stack, self.tables.end_state
        while stack[-1] != end_state:
            action = states[stack[-1]].get("$END")
            if action is None:
                raise _unexpected(self.tables, None, self.text)
            self.reduce(action)

    def reduce(self, action: int) -> None:
        """One reduction: pop the rule's symbols, push its own, call its callback."""
        origin, size, how = self.steps[action]
        states, stack, values = self.tables.states, self.stack, self.values
        if how is None:  # a pass-through (`?sum: product`): only the state changes
            stack[-1] = states[stack[-2]][origin]
            return
        make, pick, kept = how
        children = values[len(values) - size :]
        if size:
            del values[-size:], stack[-size:]
        program, ids = self.program, self.ids  # `ids` is kept only while writing the program down
        if program is not None:
            taken = ids[len(ids) - size :]
            if size:
                del ids[-size:]
        if how is _DISCARD:
            values.append(None)
            if program is not None:
                ids.append(None)
        else:
            values.append(make(pick(children)))
            if program is not None:
                ids.append(len(self.tokens) + len(program))
                program.append((make, tuple([taken[index] for index in kept])))
        stack.append(states[stack[-1]][origin])


def _picker(registers: Sequence[int | None]) -> Picker:
    """What takes the items at the given places out of a list, as a sequence."""
    if len(registers) == 1:
        (register,) = registers
        assert register is not None  # a callback's children are the segment's
        return operator.itemgetter(slice(register, register + 1))  # type: ignore[return-value]
    if not registers:
        return operator.itemgetter(slice(0, 0))  # type: ignore[return-value]
    return operator.itemgetter(*registers)  # type: ignore[return-value]


_TOKEN_TEXT = {
    "NUMBER": "a number",
    "NAME": "a name",
    "POW": "'**'",
    "MINUS": "'-'",
    "PLUS": "'+'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
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
        if kind == "LPAR" or kind == "LSQB":
            depth += 1
        elif kind == "RPAR" or kind == "RSQB":
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
