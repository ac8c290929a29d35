"""Headings that break between their phrases, never inside one, when a terminal is too narrow for them.

A heading is given as phrases (`("Taylor series of y in x", "at x = 0.5",
"(K = 3)")`); on a pipe they are one line, as always.  On a terminal a line
longer than the width would be broken by the terminal at the last column,
mid-word, and a Rich table title at the table's width: here the break falls
between phrases, and only a phrase wider than the terminal is broken, at a
space.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from .output import OutputContext

Phrases = str | Sequence[str]


def fold(phrases: Phrases, width: int | None) -> list[str]:
    """The heading's lines: phrases joined by spaces, a line no wider than `width` (None: one line)."""
    parts = [phrases] if isinstance(phrases, str) else list(phrases)
    if width is None:
        return [" ".join(parts)]
    lines: list[str] = []
    for phrase in parts:
        if lines and len(lines[-1]) + 1 + len(phrase) <= width:
            lines[-1] += " " + phrase
        else:
            lines.append(phrase.lstrip())  # a phrase may start with a space of its own (`x  (v' = ...)`)
    folded: list[str] = []
    for line in lines:
        folded += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [line]
    return folded


def write_heading(out: OutputContext, phrases: Phrases) -> None:
    """The heading on its lines: one on a pipe, folded between phrases to a terminal's width."""
    for line in fold(phrases, out.width):
        out.line(line)
