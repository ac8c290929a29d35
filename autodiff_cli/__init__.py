"""autodiff: differentiate small programs of scalar assignments from the command line.

>>> from autodiff_cli import evaluate
>>> evaluate("a = 3; b = a + a").variables["a"].grad
2.0
"""

from __future__ import annotations

import sys
import types

from .typing_lite import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from typing import Any

    from .engine import Value, backward, topological_order
    from .errors import ProgramError, UsageError
    from .evaluate import Graph, Result, evaluate

#: The public API, each name imported from its module on first use, so that
#: `autodiff --version` (and anything else that only needs the package) never
#: loads the engine.
_PUBLIC = {
    "Graph": "evaluate",
    "ProgramError": "errors",
    "Result": "evaluate",
    "UsageError": "errors",
    "Value": "engine",
    "backward": "engine",
    "evaluate": "evaluate",
    "topological_order": "engine",
}


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext autodiff_cli`: the `%autodiff` and `%%autodiff` magics (IPython is imported only then)."""
    from .notebook import load_ipython_extension as load

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


class _Package(types.ModuleType):
    """The package's module: `autodiff_cli.evaluate` stays the function.

    Importing a submodule binds it as an attribute of its package once it has
    run, and the submodule `evaluate` shares its name with the function it
    defines; the function is what the API promises.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "evaluate" and isinstance(value, types.ModuleType):
            value = value.evaluate
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
