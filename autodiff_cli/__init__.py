"""autodiff: differentiate small programs of scalar assignments from the command line.

>>> from autodiff_cli import evaluate
>>> evaluate("a = 3; b = a + a").variables["a"].grad
2.0
"""

from __future__ import annotations

from .base.typing_lite import TYPE_CHECKING
from .base.version import __version__

if TYPE_CHECKING:
    from typing import Any

    from .base.errors import ProgramError, UsageError
    from .core.engine import Value, backward, topological_order
    from .language.evaluate import Graph, Result, evaluate

#: The public API, each name imported from its module on first use, so that
#: `autodiff --version` (and anything else that only needs the package) never
#: loads the engine.
_PUBLIC = {
    "Graph": "language.evaluate",
    "ProgramError": "base.errors",
    "Result": "language.evaluate",
    "UsageError": "base.errors",
    "Value": "core.engine",
    "backward": "core.engine",
    "evaluate": "language.evaluate",
    "topological_order": "core.engine",
}


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext autodiff_cli`: the `%autodiff` and `%%autodiff` magics (IPython is imported only then)."""
    from .interface.notebook import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Graph",
    "ProgramError",
    "Result",
    "UsageError",
    "Value",
    "__version__",
    "backward",
    "evaluate",
    "topological_order",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
