"""Nodes written back as text in the tool's own language.

Two uses: the label of a node that `grad()` built (it has no source text of
its own), and `--symbolic`, which prints a derivative graph as a program that
`autodiff eval` accepts.  Parentheses follow the grammar's precedence levels
exactly, so the text parses back into the same operations in the same order
and evaluates to the same floats.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from .engine import Value, topological_order
from .ops import ATOM, POWER, UNARY, Operation

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# A template is text pieces and child positions: ["(", 0, ")", " * ", 1].
Template = list[str | int]


def number(x: float) -> tuple[str, int]:
    """A literal that reads back as exactly `x`, and its level (a negative one is unary)."""
    text = repr(float(x))
    if text.endswith(".0"):
        text = text[:-2]
    return text, UNARY if text.startswith("-") else ATOM


#: What --symbolic says of a derivative no formula can write (see `writable`).
UNDEFINED = "undefined at this point (nan: no formula of the language has that value)"


def writable(root: Value) -> bool:
    """Whether every constant under `root` is a literal of the language.

    A rule's value where the maths leaves it undefined (d/dy x**y for x < 0
    is nan) becomes a constant that no literal writes: `nan` would not parse
    back.  Such a derivative is shown as UNDEFINED, and as null in JSON.
    """
    return all(math.isfinite(node.data) for node in topological_order(root) if isinstance(node.op, str))


def template(op: Operation, levels: Sequence[int]) -> tuple[Template, int]:
    """How `op` is written around its operands, given each operand's level (its row's symbol and level)."""

    def operand(index: int, parenthesize: bool) -> Template:
        return ["(", index, ")"] if parenthesize else [index]

    level = op.level
    if op.symbol and op.arity == 1:
        return [op.symbol, *operand(0, levels[0] < POWER)], level
    if level == POWER:
        # The base is an atom; the exponent may be unary (2 ** -1) or a power (right-associative).
        return [*operand(0, levels[0] < ATOM), f" {op.symbol} ", *operand(1, levels[1] < UNARY)], POWER
    if op.symbol:
        # Left-associative: a right operand at the same level keeps its
        # parentheses, so a - (b - c) is not read as (a - b) - c.
        return [*operand(0, levels[0] < level), f" {op.symbol} ", *operand(1, levels[1] <= level)], level
    name = op.name
    pieces: Template = [name, "("]
    for index in range(len(levels)):
        pieces += [", ", index] if index else [index]
    return [*pieces, ")"], ATOM


def fill(pieces: Template, operands: Sequence[str]) -> str:
    return "".join(operands[p] if isinstance(p, int) else p for p in pieces)


def level(node: Value, named: bool) -> int:
    """The level of a node's text: a name is an atom; otherwise its operation decides."""
    if named:
        return ATOM
    if isinstance(node.op, str):
        return UNARY if node.data < 0 else ATOM
    return node.op.level


def program(
    root: Value,
    leaf: Callable[[Value], str],
    preferred: Callable[[Value], str | None],
    reserved: set[str],
    avoid: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """`root` as statements of the language; the last is an expression whose value is root's.

    Inputs and constants are written by `leaf`.  A node used more than once
    becomes its own statement, named by `preferred` (its name in the program)
    when that is free, else `t1`, `t2`, ... (never one of `reserved` or
    `avoid`); everything else is written inline.
    """
    pairs = statements(root, leaf, preferred, reserved, avoid)
    return [text if name is None else f"{name} = {text}" for name, text in pairs]


def _leaf_level(node: Value, text: str) -> int:
    return ATOM if _IDENTIFIER.fullmatch(text) else number(node.data)[1]


def statements(
    root: Value,
    leaf: Callable[[Value], str],
    preferred: Callable[[Value], str | None],
    reserved: set[str],
    avoid: set[str] | frozenset[str] = frozenset(),
    write: Callable[[Operation, Sequence[int]], tuple[Template, int]] = template,
    leaf_level: Callable[[Value, str], int] = _leaf_level,
    name_text: Callable[[str], str] = str,
) -> list[tuple[str | None, str]]:
    """`program`'s statements as (name, text) pairs, the last (None, root's text), in any notation.

    `write` gives an operation's template (the language's by default; the
    LaTeX writer passes its own), `leaf_level` a leaf's precedence level and
    `name_text` how a statement's name is written where it is used.
    Built from pieces and joined once, so a deep formula costs linear time.
    """
    order = topological_order(root)
    uses = Counter(id(child) for node in order for child in node.children)
    taken = set(reserved)
    shown: dict[int, tuple[list[str | Value], int]] = {}
    named: list[tuple[str, list[str | Value]]] = []
    temporaries = 0
    for node in order:
        if isinstance(node.op, str):
            text = leaf(node)
            shown[id(node)] = ([text], leaf_level(node, text))
            continue
        children = node.children
        pieces, node_level = write(node.op, [shown[id(child)][1] for child in children])
        body: list[str | Value] = [children[p] if isinstance(p, int) else p for p in pieces]
        if uses[id(node)] > 1 and node is not root:
            name = preferred(node)
            if name is None or name in taken or not _IDENTIFIER.fullmatch(name):
                while True:
                    temporaries += 1
                    name = f"t{temporaries}"
                    if name not in taken and name not in avoid:
                        break
            taken.add(name)
            named.append((name, body))
            shown[id(node)] = ([name_text(name)], ATOM)
        else:
            shown[id(node)] = (body, node_level)
    pairs: list[tuple[str | None, str]] = [(name, _flatten(body, shown)) for name, body in named]
    pairs.append((None, _flatten(shown[id(root)][0], shown)))
    return pairs


def _flatten(pieces: list[str | Value], shown: dict[int, tuple[list[str | Value], int]]) -> str:
    out: list[str] = []
    stack = list(reversed(pieces))
    while stack:
        piece = stack.pop()
        if isinstance(piece, str):
            out.append(piece)
        else:
            stack.extend(reversed(shown[id(piece)][0]))
    return "".join(out)


#: A label that stands as an operand without brackets: a name (an input key `a@1` too), a number, or `—`.
_OPERAND = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(@[0-9:]+)?|[0-9.eE+-]+|—")


def atomic(text: str) -> str:
    """`text` as an operand: a name, a number or one call stays as it is; anything else is bracketed."""
    if _OPERAND.fullmatch(text) and not text.startswith(("-", "+")):
        return text
    if text.endswith(")") and (text.startswith("(") or re.match(r"[A-Za-z_][A-Za-z0-9_]*\(", text)):
        depth = 0
        for index, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and index >= text.index("("):
                if index == len(text) - 1:
                    return text
                break
    return f"({text})"


#: A word of a rule (an argument's name, `out`, a function), or an argument's name alone in brackets.
_RULE_WORD = re.compile(r"\(([A-Za-z_][A-Za-z0-9_]*)\)|\b([A-Za-z_][A-Za-z0-9_]*)\b")


def spelled_rule(op: Operation, index: int, arguments: Sequence[str], out: str) -> str:
    """The table's rule for argument `index`, its names replaced by the program's text for each argument and the result.

    The one place a rule is written with the program's names (`--explain` in
    both modes, the page, `--why`): the names are the row's own (`atan2`'s are
    `y, x`, `clamp`'s `x, lo, hi`, a variadic operation's `x1, x2, ...`), and
    other words of the rule (`cos`, `if`, `sigmoid`) stay as they are.  An
    argument alone in brackets keeps its text there (`tanh(x*w + 1)`); elsewhere a
    compound text is bracketed (`(x*w + 1) ** 2`).
    """
    words = dict(zip(op.argument_names(len(arguments)), arguments))
    words["out"] = out

    def spell(match: re.Match[str]) -> str:
        bracketed, word = match.groups()
        if bracketed is not None:
            return f"({words[bracketed]})" if bracketed in words else match.group(0)
        return atomic(words[word]) if word in words else word

    return _RULE_WORD.sub(spell, op.rule(index))


def statement(label: Callable[[Value], str], node: Value) -> tuple[str, list[str]]:
    """How an operation node reads as a statement (`f = (a*b) * (a+b)`), and its operands as written.

    `label` names a node (a view's labels: names, source text, labels of derived nodes).
    """
    children = node.children
    op = node.op
    operands = [atomic(label(child)) for child in children]
    if op.symbol and len(children) == 2:  # type: ignore[union-attr]
        expression = f"{operands[0]} {op.symbol} {operands[1]}"  # type: ignore[union-attr]
    elif op.symbol:  # type: ignore[union-attr]
        expression = f"{op.symbol}{operands[0]}"  # type: ignore[union-attr]
    else:
        expression = f"{op.name}({', '.join(operands)})"  # type: ignore[union-attr]
    head = f"{label(node)} = {expression}" if node.name is not None or label(node) != expression else expression
    return head, operands
