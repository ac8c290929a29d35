"""A progress bar on stderr for long runs: only on a terminal, and only after a second.

A short run never pays for it (Rich's progress display is imported only once
a run has taken longer than the delay), and a pipe or a log file never sees it.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Iterator

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, TextIO

#: Seconds before the bar appears (`AUTODIFF_PROGRESS_DELAY` overrides it, for tests).
DELAY = 1.0
_CHECK_EVERY = 256  # statements between two looks at the clock


def _delay(stream: TextIO) -> float:
    """AUTODIFF_PROGRESS_DELAY in seconds; a value that is not a number is ignored with one warning."""
    text = os.environ.get("AUTODIFF_PROGRESS_DELAY")
    if text is None:
        return DELAY
    try:
        delay = float(text)
    except ValueError:
        delay = math.nan
    if not delay >= 0:
        stream.write(f"warning: AUTODIFF_PROGRESS_DELAY={text!r} is not a number of seconds >= 0; using {DELAY}\n")
        return DELAY
    return delay


class RunProgress:
    """Stages of one run ("evaluating" by characters of source, then "differentiating")."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.delay = _delay(self.stream) if self.enabled else DELAY
        self.description = "evaluating"
        self.completed = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def track(self, statements: Iterable[Any]) -> Iterator[Any]:
        """Pass statements through, moving the bar to the end of each one's span."""
        if not self.enabled:
            yield from statements
            return
        for count, statement in enumerate(statements):
            if count % _CHECK_EVERY == 0:
                self.completed = statement.span[1]
                self._refresh()
            yield statement
        self.completed = self.total

    def stage(self, description: str) -> None:
        self.description = description
        if self.enabled:
            self._refresh()

    def _refresh(self) -> None:
        if self._bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            self._start()
        self._bar.update(self._task, completed=self.completed, description=self.description)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(file=self.stream),
            transient=True,
        )
        self._task = self._bar.add_task(self.description, total=self.total)
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
