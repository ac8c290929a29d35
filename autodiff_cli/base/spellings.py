"""ASCII spellings of the characters the tool prints, for a stream that cannot encode them.

`PYTHONIOENCODING=ascii`, or `LC_ALL=C` without Python's UTF-8 mode, gives
streams that raise on `→`.  One table says how each of our characters is
written in ASCII instead; output.py uses it for every stream it writes to,
errors.py for the line under a caret (where widths must stay right).
Imports nothing, so the lightest path (`autodiff --version`) can use it.
"""

from __future__ import annotations

#: Each non-ASCII character the tool's own text uses, as ASCII.  Anything else
#: (a program's comment in another script) is "?", one column like the original.
ASCII = {
    "→": "->",
    "←": "<-",
    "—": "-",
    "–": "-",
    "−": "-",
    "∂": "d",
    "…": "...",
    "±": "+-",
    "×": "x",
    "·": "*",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "µ": "u",
    "▶": ">",
    "◀": "<",
    "⏸": "||",
    "⁰": "^0",
    "¹": "^1",
    "²": "^2",
    "³": "^3",
    "⁴": "^4",
    "⁵": "^5",
    "⁶": "^6",
    "⁷": "^7",
    "⁸": "^8",
    "⁹": "^9",
    "ᴷ": "^K",
    "─": "-",
    "━": "-",
    "│": "|",
    "┃": "|",
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╰╯", "+"),
    "\N{REPLACEMENT CHARACTER}": "?",
}

#: The characters a stream must encode for the tool's own text to need no spelling.
OURS = "→—∂…"


def spell(text: str) -> str:
    """`text` with every non-ASCII character spelled in ASCII."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else ASCII.get(ch, "?") for ch in text)


def can_encode(encoding: str | None) -> bool:
    """Whether a stream of this encoding shows the tool's characters as they are (None: a str stream)."""
    if encoding is None:
        return True
    try:
        OURS.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
