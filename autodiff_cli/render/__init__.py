"""The output formats: one module per format, each with `write(report, out)`.

`FORMATS` is the registry: a `--format` name to the module of this package
that writes it.  Modules are imported only when their format is used.
Adding a format is one file here and one line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..base.typing_lite import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report import Report
    from .output import OutputContext

FORMATS: dict[str, str] = {
    "table": "table",
    "json": "json",
    "dot": "dot",
    "tree": "tree",
    "html": "html",
    "csv": "csv",
    "latex": "latex",
    "parquet": "parquet",
}

#: Writers that are not a --format: --emit python|c (render/code.py).
WRITERS: dict[str, str] = {**FORMATS, "code": "code"}


def writer(name: str) -> Callable[[Report, OutputContext], None]:
    """The `write` function of format `name` (a key of FORMATS, or "code" for --emit)."""
    module = importlib.import_module(f"{__name__}.{WRITERS[name]}")
    return module.write  # type: ignore[no-any-return]
