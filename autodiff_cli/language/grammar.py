"""The grammar's text (grammar/autodiff.lark) and its fingerprint: what parse.py and tables.py both read."""

from __future__ import annotations

import os
import zlib


def grammar_text() -> str:
    """The grammar, from the installed package or, in a checkout, from grammar/."""
    # os.path, not importlib.resources (~12 ms of start-up) nor pathlib (~3.5 ms).
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    path = os.path.join(package, "autodiff.lark")
    if not os.path.isfile(path):
        path = os.path.join(os.path.dirname(package), "grammar", "autodiff.lark")
    with open(path, encoding="utf-8") as file:
        return file.read()


def grammar_checksum(grammar: str) -> int:
    """A fingerprint of the grammar text, to tell whether grammar_tables.py was made from it."""
    return zlib.crc32(grammar.encode("utf-8"))  # zlib, not hashlib: its import costs start-up time
