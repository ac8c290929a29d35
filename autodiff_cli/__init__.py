"""autodiff: differentiate small programs of scalar assignments from the command line, or from Python.

>>> from autodiff_cli import evaluate
>>> evaluate("a = 3; b = a + a").variables["a"].grad
2.0
>>> import autodiff_cli as ad
>>> ad.compile("x = 2; x * x")(x=3.0).grad["x"]
6.0
"""

from __future__ import annotations

from .base.typing_lite import TYPE_CHECKING
from .base.version import __version__

if TYPE_CHECKING:
    from typing import Any

    from .base.errors import ProgramError, UsageError
    from .core.engine import Value, backward, topological_order
    from .interface.library import Hessian, Jacobian, Program, Taylor, ValueAndGrad, compile
    from .language.evaluate import Graph, Result, evaluate

#: The public API, each name imported from its module on first use, so that
#: `autodiff --version` (and anything else that only needs the package) never
#: loads the engine.
_PUBLIC = {
    "Graph": "language.evaluate",
    "Hessian": "interface.library",
    "Jacobian": "interface.library",
    "Program": "interface.library",
    "ProgramError": "base.errors",
    "Result": "language.evaluate",
    "Taylor": "interface.library",
    "UsageError": "base.errors",
    "Value": "core.engine",
    "ValueAndGrad": "interface.library",
    "backward": "core.engine",
    "compile": "interface.library",
    "evaluate": "language.evaluate",
    "topological_order": "core.engine",
}


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext autodiff_cli`: the `%autodiff` and `%%autodiff` magics (IPython is imported only then)."""
    from .interface.notebook import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Graph",
    "Hessian",
    "Jacobian",
    "Program",
    "ProgramError",
    "Result",
    "Taylor",
    "UsageError",
    "Value",
    "ValueAndGrad",
    "__version__",
    "backward",
    "compile",
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
