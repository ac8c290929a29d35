"""autodiff: differentiate small programs of scalar assignments from the command line.

The public API is loaded on first use, so `autodiff --version` pays for nothing.

>>> from autodiff_cli import evaluate
>>> evaluate("a = 3; b = a + a").variables["a"].grad
2.0
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "evaluate": "evaluate",
    "Graph": "evaluate",
    "Result": "evaluate",
    "Value": "engine",
    "backward": "engine",
    "topological_order": "engine",
    "ProgramError": "errors",
    "UsageError": "errors",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
