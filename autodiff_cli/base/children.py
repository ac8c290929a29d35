"""The child processes the tool starts (Graphviz's `dot`, the SymPy child of --simplify): none outlives its use.

Each is started in a session of its own (`start_new_session=True`) and used
inside `with Reaped(...)`, which kills its whole process group on the way
out, however the block is left: an answer, an error, a timeout, Ctrl-C, or
SIGTERM (which `process.py` turns into an exception so that this runs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any


class Reaped:
    """`with Reaped(Popen([...], start_new_session=True)) as child:` the child, and whatever it started,
    is killed on leaving the block, however it is left: an error, a timeout, Ctrl-C, SIGTERM.

    Its own session keeps the child out of the terminal's Ctrl-C (we stop it
    ourselves, and report "interrupted", not its death), and makes its process
    group one thing to kill: a `dot` that is a wrapper script goes with its children.
    """

    def __init__(self, child: subprocess.Popen[Any]) -> None:
        self.child = child

    def __enter__(self) -> subprocess.Popen[Any]:
        return self.child

    def __exit__(self, *exception: object) -> None:
        child = self.child
        if child.poll() is None:  # once it is reaped, its pid (the group's id) may be another's
            kill_group(child)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):  # a pipe the child broke
                    stream.close()
        child.wait()


def kill_group(child: subprocess.Popen[Any]) -> None:
    """SIGKILL to the running child's process group (its own session's): the child and what it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group has ended
        os.killpg(child.pid, signal.SIGKILL)
