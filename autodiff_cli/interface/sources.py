"""Where program text comes from: an argument, a file, or stdin, decoded strictly."""

from __future__ import annotations

import sys

from ..base.errors import ProgramError, Source, UsageError
from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import BinaryIO


def read_file(path: str) -> Source:
    """A program file (or `-` for stdin) as a Source; UsageError if it cannot be opened."""
    if path == "-":
        if sys.stdin is None:
            raise UsageError("standard input is closed: give the program as an argument or a file")
        try:
            data = _read_text_bytes(sys.stdin.buffer, "<stdin>")
        except OSError as error:  # open for writing only (`0>FILE`), or a device that fails
            raise UsageError(f"standard input cannot be read ({error.strerror or error})") from None
        return decode(data, "<stdin>")
    try:
        with open(path, "rb") as handle:
            data = _read_text_bytes(handle, path)
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a program file") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror or error})") from None
    return decode(data, path)


def argument_text(text: str) -> str:
    """A program given as an argument, read as UTF-8 whatever the locale.

    In an ASCII locale (`LC_ALL=C` without Python's UTF-8 mode) Python keeps
    each byte of `é` as a lone surrogate; its bytes are read again as the
    UTF-8 every program is.  A byte that is not UTF-8 stays a surrogate,
    shown as one unprintable character.
    """
    if text.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    import os

    return os.fsencode(text).decode("utf-8", "surrogateescape")


_CHUNK = 1 << 16


def _read_text_bytes(handle: BinaryIO, name: str) -> bytes:
    """Read to the end in chunks, stopping at the first NUL byte.

    A program never holds a NUL, so `/dev/zero`, `/dev/urandom` or a binary
    stream fails at once instead of filling memory.
    """
    chunks: list[bytes] = []
    size = 0
    while chunk := handle.read(_CHUNK):
        nul = chunk.find(b"\0")
        if nul != -1:
            raise ProgramError(f"{name}: binary content (a NUL byte at offset {size + nul}), not a program")
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


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
