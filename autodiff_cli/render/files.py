"""Every file the tool writes (--render, --plot FILE): checked before the work, then written whole or not at all.

Before anything is read or evaluated, `check_output` makes sure each output
can be written (its directory exists and is writable, it is not a directory)
and is none of the inputs: not a program file, not stdin, stdout or stderr,
whether by the same name, a symbolic link or a hard link.

`replacing` is the one way a file is written: into a temporary file in the
same directory, renamed onto the name only when it is complete.  A failure
(a full disk, a `dot` that dies, Ctrl-C, SIGTERM) removes the temporary file
and leaves an old file as it was.  The rename never follows a symbolic link
at the destination: the link itself is replaced by the file, and whatever it
pointed to is untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from ..base.errors import UsageError


def check_output(option: str, path: str, inputs: Sequence[str] = ()) -> None:
    """UsageError unless PATH can be written by `replacing` and is none of `inputs` (`-` is stdin)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{option} {path}: no directory {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot write in {directory} (permission denied)")
    try:
        link = os.lstat(path)
    except OSError:
        return  # a new file
    if stat.S_ISDIR(link.st_mode):
        raise UsageError(f"{option} {path}: is a directory")
    try:
        target = os.stat(path)  # through a link: writing it must not look like a way round the check
    except OSError:
        target = link  # a dangling link
    for name, other in _inputs(inputs):
        if other is not None and (other.st_dev, other.st_ino) in {(target.st_dev, target.st_ino), (link.st_dev, link.st_ino)}:
            if name.startswith("standard output") or name.startswith("standard error"):
                raise UsageError(f"{option} {path} is also {name}: the file would replace what is printed; name another file")
            raise UsageError(f"{option} {path} is {name}: refusing to overwrite an input; name another file")


def _inputs(inputs: Sequence[str]) -> Iterator[tuple[str, os.stat_result | None]]:
    """Each input's description and identity, then stdout and stderr (what is printed must not be replaced)."""
    for path in inputs:
        if path == "-":
            yield "standard input, the program", _fstat(0)
        else:
            try:
                yield f"the program file {path}", os.stat(path)
            except OSError:
                continue  # reading it will say what is wrong
    yield "standard output", _fstat(1)
    yield "standard error", _fstat(2)


def _fstat(fd: int) -> os.stat_result | None:
    try:
        return os.fstat(fd)
    except OSError:
        return None


@contextmanager
def replacing(path: str) -> Iterator[str]:
    """A temporary file beside PATH to write; renamed onto PATH when the block ends well, removed otherwise.

    OSError when the temporary file cannot be made or renamed.
    """
    import signal

    directory = os.path.dirname(os.path.abspath(path))
    temp = None
    try:
        # No signal between making the file and knowing its name: it could not be removed.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        try:
            fd, temp = tempfile.mkstemp(prefix=".autodiff-", suffix=os.path.splitext(path)[1], dir=directory)
            os.close(fd)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield temp
        # mkstemp makes the file 0600; a drawing is an ordinary file, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)  # atomic, and a link at PATH is replaced, never followed
        temp = None
    finally:
        if temp is not None:
            with suppress(OSError):  # already gone
                os.unlink(temp)


def write_text(path: str, text: str) -> None:
    """Write TEXT to PATH through `replacing` (OSError on failure, the old file kept)."""
    with replacing(path) as temp, open(temp, "w", encoding="utf-8") as file:
        file.write(text)
