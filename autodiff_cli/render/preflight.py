"""The files a run will write (--render FILE, --plot FILE), checked before any work is done.

Each must be writable and none of the inputs (`files.check_output`), and a
plot file needs Matplotlib: a run that would fail at the end fails first.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..base.options import Options
from .files import check_output


def output_files(options: Options) -> list[tuple[str, str]]:
    """The files a run writes, as (option, path): --render FILE and --plot FILE."""
    files = []
    if options.render is not None:
        files.append(("--render", options.render))
    if options.plot not in (None, "-"):
        files.append(("--plot", options.plot))
    return files


def check_outputs(options: Options, inputs: Sequence[str]) -> None:
    """UsageError unless every file `options` writes can be written (and drawn) and is none of `inputs` (`-` is stdin)."""
    for option, path in output_files(options):
        check_output(option, path, inputs)
        if option == "--plot":
            from .plot import require_matplotlib

            require_matplotlib(path)
