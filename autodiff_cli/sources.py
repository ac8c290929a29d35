"""Where program text comes from: an argument, a file, or stdin, decoded strictly."""

from __future__ import annotations

import sys

from .errors import ProgramError, Source, UsageError


def read_file(path: str) -> Source:
    """A program file (or `-` for stdin) as a Source; UsageError if it cannot be opened."""
    if path == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a program file") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror or error})") from None
    return decode(data, path)


def decode(data: bytes, name: str) -> Source:
    """UTF-8 text (a BOM and CRLF line ends accepted); ProgramError for binary or bad bytes."""
    nul = data.find(b"\0")
    if nul != -1:
        raise ProgramError(f"{name}: binary content (a NUL byte at offset {nul}), not a program")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ProgramError(
            f"{name}: not valid UTF-8 (byte 0x{data[error.start]:02x} at line {line}, offset {error.start})"
        ) from None
    return Source(name, text.replace("\r\n", "\n"))
