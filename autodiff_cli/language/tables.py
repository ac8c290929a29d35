"""Lark's LALR tables for grammar/autodiff.lark, as plain data parse.py can load without Lark.

    python -m autodiff_cli.language.tables            # rewrite autodiff_cli/grammar_tables.py
    python -m autodiff_cli.language.tables --check    # exit 1 if it does not match the grammar

Lark builds everything here (terminals, lexer order, parse table, rule shapes);
this module only copies it out. Run the first command after editing the
grammar; tests/language/test_parse.py fails while the committed tables are stale, and
parse.py rebuilds them in memory (with Lark) rather than use stale ones.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

GENERATED = Path(__file__).resolve().parent / "grammar_tables.py"


def build(grammar: str) -> SimpleNamespace:
    """Ask Lark for the lexer and LALR tables of `grammar`; return them as plain data.

    TERMINALS   (name, regex) in the order Lark's lexer tries them
    IGNORE      the terminals that are skipped (%ignore)
    RULES       (origin, length, callback name, expand_single, include) per rule;
                include lists (child index, splice?) for the children kept, the
                way Lark's tree builder filters them (None: all, as they are)
    STATES      per state, symbol -> action: a state to shift or go to (>= 0)
                or ~rule to reduce (< 0)
    START_STATE, END_STATE
    """
    from lark import Lark

    lark = Lark(grammar, parser="lalr", lexer="basic", maybe_placeholders=False)
    lexer = lark.parser.lexer
    _ = lexer.scanner  # built on first use; that also fills lexer.callback
    if lexer.callback:
        raise NotImplementedError(f"terminals Lark retypes after matching (keywords): {sorted(lexer.callback)}")
    terminals = tuple((terminal.name, terminal.pattern.to_regexp()) for terminal in lexer.terminals)
    ignore = tuple(sorted(lexer.ignore_types))

    rules = list(lark.rules)
    rule_index = {id(rule): index for index, rule in enumerate(rules)}
    rule_rows = tuple(_rule_row(rule) for rule in rules)

    table = lark.parser.parser.parser.parse_table
    (start,) = table.start_states.values()
    (end,) = table.end_states.values()
    # Lark numbers states in an order that depends on string hashing; number
    # them breadth first from the start state, symbols in sorted order, so
    # that the generated file is the same on every run.
    order = [start]
    number = {start: 0}
    for state in order:
        for symbol in sorted(table.states[state]):
            action, argument = table.states[state][symbol]
            if action.name == "Shift" and argument not in number:
                number[argument] = len(order)
                order.append(argument)
    if end not in number:
        number[end] = len(order)
        order.append(end)
    states = []
    for state in order:
        row = {}
        for symbol in sorted(table.states[state]):
            action, argument = table.states[state][symbol]
            row[symbol] = number[argument] if action.name == "Shift" else ~rule_index[id(argument)]
        states.append(row)
    return SimpleNamespace(
        TERMINALS=terminals,
        IGNORE=ignore,
        RULES=rule_rows,
        STATES=tuple(states),
        START_STATE=number[start],
        END_STATE=number[end],
    )


def _rule_row(rule: Any) -> tuple[str, int, str, bool, tuple[tuple[int, bool], ...] | None]:
    """One rule as Lark's inline-transformer tree builder treats it (see lark/parse_tree_builder.py)."""
    options = rule.options
    if options.keep_all_tokens:
        raise NotImplementedError(f"keep_all_tokens (!rule) is not supported: {rule.origin.name}")
    kept = tuple(
        (index, not symbol.is_term and symbol.name.startswith("_"))
        for index, symbol in enumerate(rule.expansion)
        if not (symbol.is_term and symbol.filter_out)
    )
    # None: every child is kept as it is, so the reducer need not filter.
    everything = len(kept) == len(rule.expansion) and not any(splice for _, splice in kept)
    include = None if everything else kept
    callback = rule.alias or options.template_source or rule.origin.name
    expand_single = bool(options.expand1 and not rule.alias)
    return (str(rule.origin.name), len(rule.expansion), str(callback), expand_single, include)


def render(grammar: str) -> str:
    """The text of grammar_tables.py for `grammar`."""
    from .grammar import grammar_checksum

    tables = build(grammar)
    lines = [
        '"""Generated from grammar/autodiff.lark by `python -m autodiff_cli.language.tables`: do not edit."""',
        "",
        "# ruff: noqa: E501",
        "",
        f"CHECKSUM = {grammar_checksum(grammar)}",
        "",
        "TERMINALS = (",
        *(f"    ({name!r}, {pattern!r})," for name, pattern in tables.TERMINALS),
        ")",
        "",
        f"IGNORE = {tables.IGNORE!r}",
        "",
        "RULES = (",
        *(f"    {row!r},  # {index}" for index, row in enumerate(tables.RULES)),
        ")",
        "",
        f"START_STATE = {tables.START_STATE}",
        f"END_STATE = {tables.END_STATE}",
        "",
        "STATES: tuple[dict[str, int], ...] = (",
        *(f"    {row!r},  # {index}" for index, row in enumerate(tables.STATES)),
        ")",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from .grammar import grammar_text

    text = render(grammar_text())
    if argv == ["--check"]:
        if GENERATED.is_file() and GENERATED.read_text(encoding="utf-8") == text:
            return 0
        print(f"{GENERATED.name} is stale: run `python -m autodiff_cli.language.tables`", file=sys.stderr)
        return 1
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    GENERATED.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
