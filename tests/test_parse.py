"""The parser: Lark's tables run by parse.py's own loop, checked against Lark itself."""

from __future__ import annotations

from autodiff_cli import tables
from autodiff_cli.parse import grammar_text


def test_generated_tables_match_the_grammar() -> None:
    """grammar_tables.py is what `python -m autodiff_cli.tables` makes from the grammar today."""
    assert tables.GENERATED.read_text(encoding="utf-8") == tables.render(grammar_text())
